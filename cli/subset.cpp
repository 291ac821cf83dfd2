#include "cli/subset.h"

#include "engine/analysis/forwardoplisting.h"

#include <iostream>
#include <string>

namespace ml::cli {

namespace {

constexpr const char* kSubsetUsage = "usage: modulelab-cli subset [--format text|json]\n"
                                     "  the tensor methods, torch.* and F.* functions and operators forward runs, and where\n"
                                     "  (shapes, tensor data, backward)\n";

int usage(const std::string& message)
{
    std::cerr << "modulelab-cli: " << message << "\n\n" << kSubsetUsage;
    return 2;
}

} // namespace

int printSubset(int argc, char** argv)
{
    std::string format = "text";
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a != "--format")
            return usage(a.rfind("-", 0) == 0 ? "unknown option " + a : "subset takes no model: " + a);
        if (i + 1 >= argc)
            return usage("--format needs a value");
        format = argv[++i];
    }
    if (format == "json")
        std::cout << writeJson(forwardOpsJson()) << "\n";
    else if (format == "text")
        std::cout << forwardOpsMarkdown();
    else
        return usage("--format must be text or json");
    return 0;
}

} // namespace ml::cli
