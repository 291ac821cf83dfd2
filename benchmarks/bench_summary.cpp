// Times `modulelab-cli summary --format json` on a generated model of about N nodes, the whole
// path from source text: reading the .py file, parsing and importing it (building the module
// tree), shape inference from options alone, parameter counts and the JSON report.
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/modelfile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace ml;

namespace {

// A custom Module holding a Sequential of blocks, each a Sequential(Linear, LayerNorm, GELU,
// Dropout): 5 nodes a block, written out as a person would paste it.
std::string generate(int nodes)
{
    const int blocks = std::max(1, (nodes - 2) / 5);
    std::string s = "import torch.nn as nn\n\n# input: 1,64\n\n\nclass Net(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n        self.blocks = nn.Sequential(\n";
    for (int b = 0; b < blocks; ++b)
        s += "            nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.GELU(), nn.Dropout(0.1)),\n";
    s += "        )\n\n    def forward(self, x):\n        return self.blocks(x)\n";
    return s;
}

} // namespace

int main(int argc, char** argv)
{
    const int nodes = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int iters = argc > 2 ? std::atoi(argv[2]) : 21;
    const std::string path = (std::filesystem::temp_directory_path()
                              / ("modulelab-bench-summary-" + std::to_string(getpid()) + ".py")).string();
    {
        std::ofstream f(path);
        f << generate(nodes);
    }
    std::vector<double> ms, cpu;
    size_t count = 0, bytes = 0;
    int64_t params = 0;
    for (int i = 0; i < iters; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        auto r = loadModelFile(path);
        if (auto* e = std::get_if<ParseError>(&r)) {
            std::fprintf(stderr, "%s\n", e->toString().c_str());
            std::filesystem::remove(path);
            return 1;
        }
        const LoadedModel& m = std::get<LoadedModel>(r);
        const Analysis a = analyze(*m.root, *m.inputShape);
        const std::string json = writeJson(summaryJson(*m.root, *m.inputShape, a));
        const auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        cpu.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        count = namedModules(*m.root).size();
        params = summaryTotals(*m.root, a).totalParams;
        bytes = json.size();
    }
    std::filesystem::remove(path);
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    // CPU time as well: on a shared machine the wall-clock time includes waiting for a core.
    std::printf("summary from source text of %zu nodes (%lld params, %zu bytes of JSON): median %.2f ms, min %.2f ms "
                "(CPU time: median %.2f ms) over %d runs\n",
                count, static_cast<long long>(params), bytes, ms[ms.size() / 2], ms.front(), cpu[cpu.size() / 2], iters);
    return 0;
}
