#include "engine/layers/layerutil.h"

#include <cmath>

namespace ml::layers {

Pair pairOf(const ArgValue& v)
{
    if (v.type == ArgValue::Type::Tuple && v.tuple.size() == 2)
        return {v.tuple[0], v.tuple[1]};
    if (v.type == ArgValue::Type::Tuple && v.tuple.size() == 1)
        return {v.tuple[0], v.tuple[0]};
    return {v.i, v.i};
}

std::string pairRepr(Pair p) { return pythonTupleRepr({p.h, p.w}); }

std::string joinX(const std::vector<int64_t>& dims, const char* sep)
{
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i)
            s += sep;
        s += std::to_string(dims[i]);
    }
    return s;
}

bool wrapDim(int64_t dim, int rank, int& out, std::string& error)
{
    const int64_t r = rank == 0 ? 1 : rank; // scalars accept dims -1 and 0
    if (dim < -r || dim >= r) {
        error = "Dimension out of range (expected to be in range of [" + std::to_string(-r) + ", "
            + std::to_string(r - 1) + "], but got " + std::to_string(dim) + ")";
        return false;
    }
    out = static_cast<int>(dim < 0 ? dim + r : dim);
    return true;
}

int64_t poolOutputSize(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation, bool ceilMode)
{
    // (in + 2*pad - dilation*(kernel-1) - 1 + (ceil ? stride-1 : 0)) / stride + 1, floor division
    const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
    int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
    // The last window must start inside the input or the left padding.
    if (ceilMode && (out - 1) * stride >= in + pad)
        --out;
    return out;
}

void prepareOutput(Tensor& out, const Shape& shape)
{
    if (!(out.shape() == shape) || (out.numel() > 0 && !out.data()))
        out = Tensor(shape);
}

void uniformFill(Tensor& t, double bound, TorchGenerator& gen)
{
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = gen.uniform(-bound, bound);
}

void kaimingUniformA5(Tensor& weight, int64_t fanIn, TorchGenerator& gen)
{
    // init.kaiming_uniform_(w, a=math.sqrt(5)): gain = sqrt(2 / (1 + a**2)), std = gain / sqrt(fan),
    // bound = sqrt(3) * std; every step in Python floats (double).
    if (fanIn <= 0 || weight.numel() == 0)
        return; // PyTorch: "Initializing zero-element tensors is a no-op"
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double stddev = gain / std::sqrt(static_cast<double>(fanIn));
    const double bound = std::sqrt(3.0) * stddev;
    uniformFill(weight, bound, gen);
}

} // namespace ml::layers
