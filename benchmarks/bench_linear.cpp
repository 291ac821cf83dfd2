// GFLOP/s of the batched Linear at the sizes of the seed networks' first fully connected layer
// (64 x 50176 -> 1024) and a VGG/AlexNet classifier layer (64 x 4096 -> 4096): the engine's
// Linear (oneDNN's inner product reading the weight in place, as PyTorch stores it) against the
// same inner product with the weight packed once into the layout oneDNN prefers. One line of
// JSON per size: ms (median) and GFLOP/s (2 m n k / time) of each.
//   modulelab-bench-linear [THREADS] [ITERS]

#include "engine/layer.h"
#include "engine/parallel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

using namespace ml;

namespace {

double medianMs(int iters, const std::function<void()>& f)
{
    std::vector<double> ms;
    for (int i = 0; i < iters + 2; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        const auto t1 = std::chrono::steady_clock::now();
        if (i >= 2)
            ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int iters = argc > 2 ? std::atoi(argv[2]) : 10;
    setThreadCount(threads);
    struct Size {
        int64_t m, k, n;
    };
    for (const Size s : {Size{64, 50176, 1024}, Size{64, 4096, 4096}}) {
        auto made = createLayer("Linear", {{"", ArgValue::ofInt(s.k)}, {"", ArgValue::ofInt(s.n)}});
        auto& layer = std::get<std::unique_ptr<Layer>>(made);
        TorchGenerator gen(0);
        layer->initTensors(gen);
        const Tensor x = Tensor::filled(Shape{s.m, s.k}, 0.5f);
        Tensor y(Shape{s.m, s.n});
        const double inPlace = medianMs(iters, [&] { layer->forward(x, y); });

        using dnnl::memory;
        dnnl::engine eng(dnnl::engine::kind::cpu, 0);
        dnnl::stream stream(eng);
        const memory::desc src({s.m, s.k}, memory::data_type::f32, memory::format_tag::nc);
        const memory::desc dst({s.m, s.n}, memory::data_type::f32, memory::format_tag::nc);
        const memory::desc plainW({s.n, s.k}, memory::data_type::f32, memory::format_tag::oi);
        const memory::desc anyW({s.n, s.k}, memory::data_type::f32, memory::format_tag::any);
        const memory::desc bias({s.n}, memory::data_type::f32, memory::format_tag::x);
        const dnnl::inner_product_forward::primitive_desc pd(
            dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference, src, anyW, bias, dst), eng);
        memory user(plainW, eng, const_cast<float*>(layer->tensors()[0].data()));
        memory packedW(pd.weights_desc(), eng);
        dnnl::reorder(user, packedW).execute(stream, user, packedW);
        stream.wait();
        dnnl::inner_product_forward ip(pd);
        memory xm(src, eng, const_cast<float*>(x.data())), ym(dst, eng, y.data());
        memory bm(bias, eng, const_cast<float*>(layer->tensors()[1].data()));
        const double packed = medianMs(iters, [&] {
            ip.execute(stream, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, packedW}, {DNNL_ARG_BIAS, bm}, {DNNL_ARG_DST, ym}});
            stream.wait();
        });
        const double gflop = 2.0 * double(s.m) * double(s.n) * double(s.k) / 1e9;
        std::printf("{\"m\": %lld, \"k\": %lld, \"n\": %lld, \"in_place_ms\": %.3f, \"in_place_gflops\": %.1f, \"packed_ms\": %.3f, "
                    "\"packed_gflops\": %.1f, \"packed_same_layout\": %s, \"weight_mb\": %.1f}\n",
                    (long long)s.m, (long long)s.k, (long long)s.n, inPlace, gflop / inPlace * 1e3, packed, gflop / packed * 1e3,
                    pd.weights_desc() == plainW ? "true" : "false", double(s.n * s.k) * 4.0 / 1e6);
    }
    return 0;
}
