// Times the summary of a generated model of about N nodes: shape inference from options alone,
// parameter counts and the JSON report, as `modulelab-cli summary --format json` does.
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/layer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace ml;

namespace {

std::unique_ptr<Layer> layer(const char* type, std::vector<LayerArgument> args)
{
    auto r = createLayer(type, args);
    if (auto* e = std::get_if<std::string>(&r)) {
        std::fprintf(stderr, "%s\n", e->c_str());
        std::exit(1);
    }
    return std::move(std::get<std::unique_ptr<Layer>>(r));
}

// A Sequential of blocks, each a Sequential(Linear, LayerNorm, GELU, Dropout): 5 nodes a block.
std::unique_ptr<Module> generate(int nodes)
{
    auto root = makeContainer(ModuleKind::Sequential);
    const int blocks = std::max(1, (nodes - 1) / 5);
    for (int b = 0; b < blocks; ++b) {
        auto block = makeContainer(ModuleKind::Sequential);
        block->appendChild("", layer("Linear", {{"", ArgValue::ofInt(64)}, {"", ArgValue::ofInt(64)}}));
        block->appendChild("", layer("LayerNorm", {{"", ArgValue::ofInt(64)}}));
        block->appendChild("", layer("GELU", {}));
        block->appendChild("", layer("Dropout", {{"p", ArgValue::ofFloat(0.1)}}));
        root->appendChild("", std::move(block));
    }
    return root;
}

} // namespace

int main(int argc, char** argv)
{
    const int nodes = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int iters = argc > 2 ? std::atoi(argv[2]) : 21;
    const auto root = generate(nodes);
    const Shape input{1, 64};
    std::vector<double> ms;
    int64_t params = 0;
    size_t bytes = 0;
    for (int i = 0; i < iters; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const Analysis a = analyze(*root, input);
        const std::string json = writeJson(summaryJson(*root, input, a));
        const auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        params = summaryTotals(*root, a).totalParams;
        bytes = json.size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("summary of %zu nodes (%lld params, %zu bytes of JSON): median %.2f ms, min %.2f ms over %d runs\n",
                namedModules(*root).size(), static_cast<long long>(params), bytes, ms[ms.size() / 2], ms.front(), iters);
    return 0;
}
