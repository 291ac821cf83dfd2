#include "engine/analysis/forwardop.h"

#include "engine/analysis/opcall.h"
#include "engine/layer.h"
#include "engine/train/layerbackward.h"
#include "engine/train/tape.h"

#include <algorithm>
#include <array>
#include <bit>
#include <unordered_map>

namespace ml::detail {

namespace {

using S = Spelling;
using G = OpGradient::Via;
using K = RecordedOp::Kind;
namespace h = ophandlers;

constexpr unsigned kMethod = static_cast<unsigned>(S::Method);
constexpr unsigned kAttr = static_cast<unsigned>(S::Attribute);
constexpr unsigned kTorch = static_cast<unsigned>(S::Torch);
constexpr unsigned kF = static_cast<unsigned>(S::Functional);
constexpr unsigned kOp = static_cast<unsigned>(S::Operator);

ForwardOp entry(std::string_view name, unsigned spellings, std::string_view kind, OpGradient gradient, Value (*handler)(OpCall&),
                std::string_view example)
{
    ForwardOp op;
    op.name = name;
    op.spellings = spellings;
    op.kind = kind;
    op.gradient = gradient;
    op.handler = handler;
    op.example = example;
    return op;
}

ForwardOp shape(std::string_view name, unsigned spellings, Value (*handler)(OpCall&), std::string_view example)
{
    return entry(name, spellings, "shape", {G::NoTensor}, handler, example);
}

ForwardOp view(std::string_view name, unsigned spellings, Value (*handler)(OpCall&), std::string_view example)
{
    return entry(name, spellings, "view", {G::SharedData}, handler, example);
}

ForwardOp recorded(std::string_view name, unsigned spellings, std::string_view kind, RecordedOp::Kind rk, Value (*handler)(OpCall&),
                   std::string_view example)
{
    return entry(name, spellings, kind, {G::Recorded, rk}, handler, example);
}

ForwardOp operatorOp(std::string_view name, unsigned spellings, std::string_view symbol, RecordedOp::Kind rk, Value (*handler)(OpCall&),
                     std::string_view example, std::string_view kind = "arithmetic")
{
    ForwardOp op = entry(name, spellings, kind, {G::Recorded, rk}, handler, example);
    op.symbol = symbol;
    return op;
}

ForwardOp create(std::string_view name)
{
    ForwardOp op = entry(name, kTorch, "create", {G::None}, h::create, "(2, 3)");
    op.receiver = false;
    op.data = false;
    return op;
}

// A functional op computed by a layer (F.relu by nn.ReLU), with the op's positional parameters.
ForwardOp layer(std::string_view name, unsigned spellings, std::string_view layerType, std::vector<std::string_view> params,
                std::string_view example)
{
    ForwardOp op = entry(name, spellings, "layer", {G::Layer}, h::layer, example);
    op.layer = layerType;
    op.params = std::move(params);
    return op;
}

std::vector<ForwardOp> makeTable()
{
    std::vector<ForwardOp> t = {
        // What a tensor is: no tensor comes out.
        shape("size", kMethod, h::size, "(1)"),
        shape("shape", kAttr, h::size, ""),
        shape("dim", kMethod, h::rank, "()"),
        shape("ndim", kAttr, h::rank, ""),
        shape("numel", kMethod | S::Torch, h::numel, "()"),
        shape("device", kAttr, h::attribute, ""),
        shape("dtype", kAttr, h::attribute, ""),
        shape("is_cuda", kAttr, h::attribute, ""),
        shape("requires_grad", kAttr, h::attribute, ""),
        // The tensor itself: model code moves and copies it for PyTorch's sake.
        view("contiguous", kMethod, h::identity, "()"),
        view("clone", kMethod | S::Torch, h::identity, "()"),
        view("float", kMethod, h::identity, "()"),
        view("to", kMethod, h::identity, "('cpu')"),
        view("cpu", kMethod, h::identity, "()"),
        view("cuda", kMethod, h::identity, "()"),
        view("requires_grad_", kMethod, h::identity, "()"),
        entry("detach", kMethod | S::Torch, "view", {G::Stops}, h::detach, "()"),
        entry("data", kAttr, "view", {G::Stops}, h::detach, ""),
        // Views: another shape over the same data.
        view("view", kMethod, h::view, "((2, -1))"),
        view("reshape", kMethod | S::Torch, h::view, "((2, -1))"),
        view("flatten", kMethod | S::Torch, h::flatten, "(1)"),
        view("squeeze", kMethod | S::Torch, h::squeeze, "(0)"),
        view("unsqueeze", kMethod | S::Torch, h::unsqueeze, "(1)"),
        view("view_as", kMethod, h::viewAs, "(x)"),
        view("reshape_as", kMethod, h::viewAs, "(x)"),
        // Strided copies.
        recorded("permute", kMethod | S::Torch, "copy", K::Gather, h::permute, "((0, 2, 3, 1))"),
        recorded("transpose", kMethod | S::Torch, "copy", K::Gather, h::transpose, "(1, 2)"),
        recorded("t", kMethod | S::Torch, "copy", K::Gather, h::transpose, "()"),
        recorded("T", kAttr, "copy", K::Gather, h::transpose, ""),
        recorded("chunk", kMethod | S::Torch, "copy", K::Gather, h::split, "(2, 1)"),
        recorded("split", kMethod | S::Torch, "copy", K::Gather, h::split, "(2, 1)"),
        operatorOp("__getitem__", kOp, "[]", K::Gather, h::index, "[0, 1:3]", "copy"),
        recorded("expand", kMethod, "copy", K::Gather, h::expand, "(3, 2, -1, 4, 4)"),
        recorded("expand_as", kMethod, "copy", K::Gather, h::expand, "(x)"),
        // Arithmetic with broadcasting.
        operatorOp("add", kMethod | S::Torch | S::Operator, "+", K::Add, h::arithmetic, "(x)"),
        operatorOp("sub", kMethod | S::Torch | S::Operator, "-", K::Sub, h::arithmetic, "(x)"),
        operatorOp("mul", kMethod | S::Torch | S::Operator, "*", K::Mul, h::arithmetic, "(x)"),
        operatorOp("div", kMethod | S::Torch | S::Operator, "/", K::Div, h::divide, "(6.0)"),
        operatorOp("divide", kMethod | S::Torch, "", K::Div, h::divide, "(x[:, :1] + 3)"),
        recorded("reciprocal", kMethod | S::Torch, "arithmetic", K::Div, h::reciprocal, "()"),
        operatorOp("pow", kMethod | S::Torch | S::Operator, "**", K::Pow, h::power, "(3)"),
        recorded("sqrt", kMethod | S::Torch, "arithmetic", K::Sqrt, h::elementwiseFunction, "()"),
        recorded("rsqrt", kMethod | S::Torch, "arithmetic", K::Rsqrt, h::elementwiseFunction, "()"),
        recorded("exp", kMethod | S::Torch, "arithmetic", K::Exp, h::elementwiseFunction, "()"),
        recorded("log", kMethod | S::Torch, "arithmetic", K::Log, h::elementwiseFunction, "()"),
        operatorOp("add_", kMethod, "+", K::Add, h::arithmetic, "(x)"),
        operatorOp("mul_", kMethod, "*", K::Mul, h::arithmetic, "(2.0)"),
        // Matrix products.
        operatorOp("matmul", kMethod | S::Torch | S::Operator, "@", K::MatMul, h::matmul, "(x.transpose(2, 3))", "product"),
        recorded("mm", kMethod | S::Torch, "product", K::MatMul, h::matmul, "(x[0, 0].t())"),
        recorded("bmm", kMethod | S::Torch, "product", K::MatMul, h::matmul, "(x[0].transpose(1, 2))"),
        // Reductions.
        recorded("mean", kMethod | S::Torch, "reduction", K::Mean, h::reduction, "(1)"),
        recorded("sum", kMethod | S::Torch, "reduction", K::Sum, h::reduction, "((2, 3))"),
        recorded("max", kMethod | S::Torch, "reduction", K::Max, h::extremum, "(1)"),
        recorded("min", kMethod | S::Torch, "reduction", K::Max, h::extremum, "(1)"),
        recorded("amax", kMethod | S::Torch, "reduction", K::Max, h::extremum, "(1)"),
        recorded("amin", kMethod | S::Torch, "reduction", K::Max, h::extremum, "(1)"),
        // Joins of several tensors.
        recorded("cat", kTorch, "join", K::Cat, h::cat, "([x, x], 1)"),
        recorded("concat", kTorch, "join", K::Cat, h::cat, "([x, x], 1)"),
        recorded("stack", kTorch, "join", K::Cat, h::stack, "([x, x], 1)"),
        // New tensors.
        create("zeros"),
        create("ones"),
        create("randn"),
        create("rand"),
        create("empty"),
        create("Tensor"),
        create("FloatTensor"),
        entry("pad", kF, "pad", {G::Recorded, K::Pick}, h::pad, "((1, 1))"),
        // Functional ops computed by the layer of the same meaning.
        layer("relu", kMethod | S::Torch | S::Functional, "ReLU", {"inplace"}, "()"),
        layer("relu_", kMethod | S::Torch | S::Functional, "ReLU", {}, "()"),
        layer("sigmoid", kMethod | S::Torch | S::Functional, "Sigmoid", {}, "()"),
        layer("tanh", kMethod | S::Torch | S::Functional, "Tanh", {}, "()"),
        layer("gelu", kF, "GELU", {}, "()"),
        layer("silu", kF, "SiLU", {"inplace"}, "()"),
        layer("leaky_relu", kF, "LeakyReLU", {"negative_slope", "inplace"}, "(0.1)"),
        layer("relu6", kF, "ReLU6", {"inplace"}, "()"),
        layer("elu", kF, "ELU", {"alpha", "inplace"}, "(0.5)"),
        layer("selu", kTorch | S::Functional, "SELU", {"inplace"}, "()"),
        layer("hardswish", kF, "Hardswish", {"inplace"}, "()"),
        layer("hardsigmoid", kF, "Hardsigmoid", {"inplace"}, "()"),
        layer("mish", kF, "Mish", {"inplace"}, "()"),
        layer("softplus", kF, "Softplus", {"beta", "threshold"}, "(2.0)"),
        layer("softmax", kMethod | S::Torch | S::Functional, "Softmax", {"dim"}, "(dim=1)"),
        layer("log_softmax", kMethod | S::Torch | S::Functional, "LogSoftmax", {"dim"}, "(dim=1)"),
        layer("max_pool2d", kTorch | S::Functional, "MaxPool2d", {"kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"},
              "(2)"),
        layer("max_pool1d", kTorch | S::Functional, "MaxPool1d", {"kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"},
              "(2)"),
        layer("avg_pool1d", kTorch | S::Functional, "AvgPool1d", {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"}, "(2)"),
        layer("adaptive_max_pool2d", kF, "AdaptiveMaxPool2d", {"output_size", "return_indices"}, "(2)"),
        layer("pixel_shuffle", kTorch | S::Functional, "PixelShuffle", {"upscale_factor"}, "(2)"),
        layer("avg_pool2d", kF, "AvgPool2d", {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"}, "(2)"),
        layer("adaptive_avg_pool2d", kF, "AdaptiveAvgPool2d", {"output_size"}, "(1)"),
        layer("dropout", kTorch | S::Functional, "Dropout", {"p", "training", "inplace"}, "(0.5, False)"),
        layer("dropout2d", kF, "Dropout2d", {"p", "training", "inplace"}, "(0.5, False)"),
        // nn.Upsample's forward is F.interpolate with its own arguments; F.upsample its deprecated name.
        layer("interpolate", kF, "Upsample", {"size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"}, "(scale_factor=2)"),
        layer("upsample", kF, "Upsample", {"size", "scale_factor", "mode", "align_corners"}, "(scale_factor=2)"),
    };
    for (ForwardOp& op : t) {
        if (op.name == "t" || op.name == "T")
            op.on = "x.flatten(1)"; // a matrix
        if (op.name == "max_pool1d" || op.name == "avg_pool1d")
            op.on = "x.flatten(2)"; // [2, 3, 16]
        if (op.name == "expand" || op.name == "expand_as")
            op.on = "x[:, :, :1]"; // [2, 3, 1, 4]: a dim of 1 to expand
        if (op.name == "reciprocal" || op.name == "sqrt" || op.name == "rsqrt" || op.name == "log")
            op.on = "(x + 3)"; // positive
        if (op.name == "mm")
            op.on = "x[0, 0]"; // a matrix
        if (op.name == "bmm")
            op.on = "x[0]"; // a batch of matrices
        if (op.name == "pixel_shuffle")
            op.on = "x.reshape(2, 12, 2, 2)"; // channels divisible by the factor squared
        if (op.kind == "join")
            op.receiver = false; // torch.cat([x, y], 1)
        if (std::find(op.params.begin(), op.params.end(), "inplace") != op.params.end())
            op.dataLimit = "inplace=True on a name changes that name and the running function's other names of the tensor "
                           "(identity = x); on an attribute, element or slice it is not supported yet; a list holding the tensor keeps "
                           "the old values";
        if (op.name == "add_" || op.name == "mul_" || op.name == "relu_")
            op.dataLimit = "on a name, changes that name and the running function's other names of the tensor (identity = x); "
                           "on an attribute, element or slice it is not supported yet; a list holding the tensor keeps the old values";
    }
    return t;
}

bool computeBackward(const ForwardOp& op)
{
    switch (op.gradient.via) {
    case G::NoTensor:
    case G::None: return false;
    case G::SharedData:
    case G::Stops: return true;
    case G::Recorded: return Tape::differentiates(op.gradient.kind);
    case G::Layer: {
        const std::unique_ptr<Layer> l = createExampleLayer(op.layer);
        return l && !backwardSupport(*l);
    }
    }
    return false;
}

} // namespace

const std::vector<ForwardOp>& forwardOps()
{
    static const std::vector<ForwardOp> table = makeTable();
    return table;
}

const ForwardOp* findForwardOp(Spelling how, std::string_view name)
{
    // One index per spelling: forward looks an op up at every call.
    static const std::array<std::unordered_map<std::string_view, const ForwardOp*>, 5> index = [] {
        std::array<std::unordered_map<std::string_view, const ForwardOp*>, 5> out;
        for (const ForwardOp& op : forwardOps())
            for (size_t k = 0; k < out.size(); ++k)
                if (op.spellings & (1u << k))
                    out[k].emplace(k == 4 ? op.symbol : op.name, &op); // the first entry of a name wins
        return out;
    }();
    if (how == Spelling::Operator && name == "__getitem__")
        name = "[]";
    const auto bit = static_cast<unsigned>(how);
    const auto k = static_cast<size_t>(std::countr_zero(bit));
    const auto it = index[k].find(name);
    return it == index[k].end() ? nullptr : it->second;
}

const ForwardOp* findForwardOpAnySpelling(std::string_view name)
{
    for (const ForwardOp& op : forwardOps())
        if (op.name == name)
            return &op;
    return nullptr;
}

bool hasBackward(const ForwardOp& op)
{
    static const std::vector<char> known = [] {
        std::vector<char> out;
        for (const ForwardOp& o : forwardOps())
            out.push_back(computeBackward(o) ? 1 : 0);
        return out;
    }();
    const std::vector<ForwardOp>& t = forwardOps();
    if (&op >= t.data() && &op < t.data() + t.size())
        return known[static_cast<size_t>(&op - t.data())] != 0;
    return computeBackward(op);
}

std::string spelled(Spelling how, std::string_view name)
{
    const std::string n(name);
    switch (how) {
    case Spelling::Method: return "x." + n + "()";
    case Spelling::Attribute: return "x." + n;
    case Spelling::Torch: return "torch." + n + "()";
    case Spelling::Functional: return "F." + n + "()";
    case Spelling::Operator: return n == "[]" || n == "__getitem__" ? "x[...]" : "x " + n + " y";
    }
    return n;
}

std::string spelled(const ForwardOp& op, Spelling how) { return spelled(how, how == Spelling::Operator ? op.symbol : op.name); }

std::vector<std::string> spellingsOf(const ForwardOp& op)
{
    std::vector<std::string> out;
    for (Spelling s : {Spelling::Method, Spelling::Attribute, Spelling::Torch, Spelling::Functional, Spelling::Operator})
        if (op.spellings & static_cast<unsigned>(s))
            out.push_back(spelled(op, s));
    return out;
}

std::string unsupportedOp(Spelling how, std::string_view name)
{
    std::string what;
    switch (how) {
    case Spelling::Method: what = "the tensor method ." + std::string(name) + "()"; break;
    case Spelling::Attribute: what = "the tensor attribute ." + std::string(name); break;
    case Spelling::Torch: what = "torch." + std::string(name) + "()"; break;
    case Spelling::Functional: what = "F." + std::string(name) + "()"; break;
    case Spelling::Operator: what = "the operator " + std::string(name) + " on tensors"; break;
    }
    if (how != Spelling::Operator)
        if (const ForwardOp* other = findForwardOpAnySpelling(name)) {
            const std::vector<std::string> s = spellingsOf(*other);
            std::string list;
            for (const std::string& one : s)
                list += (list.empty() ? "" : ", ") + one;
            what += " (ModuleLab runs " + list + ")";
        }
    return what;
}

std::string notOnData(const ForwardOp& op, Spelling how)
{
    return spelled(op, how) + " inside forward when running on tensors (ModuleLab runs it for shapes only)";
}

std::string notInTraining(const ForwardOp& op, Spelling how) { return "training through " + spelled(op, how) + " (its forward runs)"; }

} // namespace ml::detail
