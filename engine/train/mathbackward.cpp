#include "engine/train/mathbackward.h"

#include "engine/analysis/elementwise.h"
#include "engine/analysis/matmul.h"

#include <stdexcept>
#include <vector>

namespace ml {

using detail::RecordedOp;

void matmulBack(const RecordedOp& op, const Tensor& gOut, Tensor* accA, Tensor* accB)
{
    const detail::Value& a = op.inputs[0];
    const detail::Value& b = op.inputs[1];
    std::string error;
    const std::optional<detail::MatmulPlan> plan = detail::planMatmul(a.shape, b.shape, error);
    if (!plan)
        throw std::logic_error("a recorded matmul of shapes it refuses: " + error);
    const int64_t n = plan->n, m = plan->m, p = plan->p;
    // Each input's gradient summed in its own buffer first, then added: a broadcast input sums
    // the gradients of every batch element it served, as PyTorch's sum over broadcast dims does.
    std::vector<float> gA(accA ? static_cast<size_t>(a.data->numel()) : 0, 0.0f), gB(accB ? static_cast<size_t>(b.data->numel()) : 0, 0.0f);
    for (size_t e = 0; e < plan->offsetA.size(); ++e) {
        const float* g = gOut.data() + static_cast<int64_t>(e) * n * p;
        if (accA) // dA = dC * B^T
            detail::matrixProduct(g, false, b.data->data() + plan->offsetB[e], true, gA.data() + plan->offsetA[e], n, p, m);
        if (accB) // dB = A^T * dC
            detail::matrixProduct(a.data->data() + plan->offsetA[e], true, g, false, gB.data() + plan->offsetB[e], m, n, p);
    }
    for (size_t k = 0; k < gA.size(); ++k)
        (*accA)[static_cast<int64_t>(k)] += gA[k];
    for (size_t k = 0; k < gB.size(); ++k)
        (*accB)[static_cast<int64_t>(k)] += gB[k];
}

void elementwiseBack(const RecordedOp& op, const Tensor& gOut, Tensor& acc)
{
    const float* x = op.inputs[0].data->data();
    const float* y = op.output.data->data();
    const int64_t count = gOut.numel();
    using K = RecordedOp::Kind;
    switch (op.kind) {
    case K::Pow: {
        // grad * (e * x.pow(e - 1)); zero for e = 0
        const double e = op.inputs[1].number();
        if (e == 0.0)
            return;
        const auto scale = static_cast<float>(e);
        for (int64_t k = 0; k < count; ++k)
            acc[k] += gOut[k] * (scale * detail::powScalar(x[k], e - 1.0));
        return;
    }
    case K::Sqrt: // grad / (2 * result)
        for (int64_t k = 0; k < count; ++k)
            acc[k] += gOut[k] / (2.0f * y[k]);
        return;
    case K::Rsqrt: // -0.5 * grad * result.pow(3)
        for (int64_t k = 0; k < count; ++k)
            acc[k] += (-0.5f * gOut[k]) * (y[k] * y[k] * y[k]);
        return;
    case K::Exp: // grad * result
        for (int64_t k = 0; k < count; ++k)
            acc[k] += gOut[k] * y[k];
        return;
    case K::Log: // grad / self
        for (int64_t k = 0; k < count; ++k)
            acc[k] += gOut[k] / x[k];
        return;
    default: throw std::logic_error("not an element-wise op");
    }
}

} // namespace ml
