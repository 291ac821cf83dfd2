// libFuzzer target for the Python evaluator: arbitrary source (loops, deep nesting, huge ranges
// and collections, recursion) must give a located error or a model, never a crash, hang, giant
// allocation or sanitizer report; a model that is built is also analysed (forward runs
// symbolically on the file's '# input:' shape), which must end in diagnostics, never a crash.
#include "engine/analysis/analysis.h"
#include "engine/module.h"
#include "engine/python/importer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "%s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    ml::python::ImportOptions options;
    options.stepBudget = 200'000; // a small budget: an endless loop ends in milliseconds
    auto imported = ml::python::importPython(source, "fuzz.py", options);
    if (auto* e = std::get_if<ml::ParseError>(&imported)) {
        if (e->message.empty() || e->loc.line < 1 || e->loc.column < 1)
            fail("an error without a message or a location", e->toString());
        return 0;
    }
    const auto& result = std::get<ml::python::ImportResult>(imported);
    if (!result.root)
        fail("import succeeded without a model", {});
    (void)ml::countParameters(*result.root);
    (void)ml::stateDict(*result.root);
    (void)ml::repr(*result.root);
    if (result.inputShape && ml::namedModules(*result.root, true).size() < 2000)
        (void)ml::analyze(*result.root, *result.inputShape);
    return 0;
}
