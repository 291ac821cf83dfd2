// Time of every convolution of the CIFAR ResNet-18 (kuangliu layout) at batch 64, one line of
// JSON per distinct convolution: ms (median) and GFLOP/s (2 x mult-adds / time).
//   modulelab-bench-conv [THREADS] [ITERS]

#include "engine/layer.h"
#include "engine/parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace ml;

namespace {

struct ConvShape {
    const char* name;
    int64_t c, oc, hw, k, stride, pad, count; // count: how often the network runs it
};

const ConvShape kConvs[] = {
    {"conv1 3->64 3x3 @32", 3, 64, 32, 3, 1, 1, 1},
    {"layer1 64->64 3x3 @32", 64, 64, 32, 3, 1, 1, 4},
    {"layer2 64->128 3x3 s2 @32", 64, 128, 32, 3, 2, 1, 1},
    {"layer2 128->128 3x3 @16", 128, 128, 16, 3, 1, 1, 3},
    {"layer2 shortcut 64->128 1x1 s2", 64, 128, 32, 1, 2, 0, 1},
    {"layer3 128->256 3x3 s2 @16", 128, 256, 16, 3, 2, 1, 1},
    {"layer3 256->256 3x3 @8", 256, 256, 8, 3, 1, 1, 3},
    {"layer3 shortcut 128->256 1x1 s2", 128, 256, 16, 1, 2, 0, 1},
    {"layer4 256->512 3x3 s2 @8", 256, 512, 8, 3, 2, 1, 1},
    {"layer4 512->512 3x3 @4", 512, 512, 4, 3, 1, 1, 3},
    {"layer4 shortcut 256->512 1x1 s2", 256, 512, 8, 1, 2, 0, 1},
};

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int iters = argc > 2 ? std::atoi(argv[2]) : 10;
    setThreadCount(threads);
    const int64_t batch = 64;
    for (const ConvShape& s : kConvs) {
        auto made = createLayer("Conv2d", {{"", ArgValue::ofInt(s.c)},
                                           {"", ArgValue::ofInt(s.oc)},
                                           {"", ArgValue::ofInt(s.k)},
                                           {"stride", ArgValue::ofInt(s.stride)},
                                           {"padding", ArgValue::ofInt(s.pad)},
                                           {"bias", ArgValue::ofBool(false)}});
        auto& layer = std::get<std::unique_ptr<Layer>>(made);
        TorchGenerator gen(0);
        layer->initTensors(gen);
        Tensor x = Tensor::filled(Shape{batch, s.c, s.hw, s.hw}, 0.5f);
        const ShapeResult r = layer->outputShape(x.shape());
        Tensor y(r.shape);
        std::vector<double> ms;
        for (int i = 0; i < iters + 2; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            layer->forward(x, y);
            const auto t1 = std::chrono::steady_clock::now();
            if (i >= 2)
                ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        const double med = ms[ms.size() / 2];
        const double flops = 2.0 * double(layer->multAdds(x.shape(), r.shape));
        std::printf("{\"name\": \"%s\", \"n\": %lld, \"c\": %lld, \"oc\": %lld, \"hw\": %lld, \"k\": %lld, \"stride\": %lld, "
                    "\"pad\": %lld, \"count\": %lld, \"ms\": %.4f, \"gflops\": %.1f}\n",
                    s.name, (long long)batch, (long long)s.c, (long long)s.oc, (long long)s.hw, (long long)s.k, (long long)s.stride,
                    (long long)s.pad, (long long)s.count, med, flops / med / 1e6);
    }
    return 0;
}
