#pragma once

#include "engine/argvalue.h"
#include "engine/module.h"

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml {

// Which Python types an argument accepts.
enum ArgAccept : unsigned {
    kAcceptNone = 1u << 0,
    kAcceptBool = 1u << 1,
    kAcceptInt = 1u << 2,
    kAcceptFloat = 1u << 3, // an int is accepted too and kept as int
    kAcceptStr = 1u << 4,
    kAcceptTuple = 1u << 5, // tuple of ints
};

struct ArgSpec {
    std::string_view name;
    unsigned accepts = 0;
    ArgValue defaultValue;          // unused when required
    bool required = false;
    ArgValue example;               // a sensible value for a new layer (required args)
    std::vector<std::string_view> choices; // allowed strings (enums, 'same'/'valid')
    int tupleLength = 0;            // 0: any length
    std::string_view help;          // one line for tooltips
};

class Layer;

struct LayerSchema {
    std::string_view typeName; // kTypeName: "Conv2d"
    std::string_view group;    // palette group: "Convolution", "Normalization", ...
    std::vector<ArgSpec> args; // in constructor order (positional order)
    std::function<std::unique_ptr<Layer>()> create; // with every argument unset
    int indexOf(std::string_view argName) const;  // -1 if none
};

// Shape inference result: the output shape, or an error that names both shapes and the fix.
struct ShapeResult {
    Shape shape;
    std::string error;
    bool ok() const { return error.empty(); }
    static ShapeResult fail(std::string msg) { return {{}, std::move(msg)}; }
};

// PyTorch's CPU generator: mt19937 with torch.manual_seed's seeding, and the transforms of
// uniform_ and normal_ as PyTorch 1.13 computes them for float32 tensors (engine/torchgenerator.cpp).
class TorchGenerator {
public:
    explicit TorchGenerator(uint64_t seed) : m_engine(static_cast<uint32_t>(seed)) {}
    // tensor.uniform_(from, to) for float32, one element.
    float uniform(double from, double to);
    // tensor.normal_(mean, std) on n contiguous float32 values.
    void normal(float* data, int64_t n, double mean, double std);
    // at::normal_distribution<double>: one value, keeping the second Box-Muller value for the next call.
    double normalDouble(double mean, double std);
    uint32_t random() { return static_cast<uint32_t>(m_engine()); }
    uint64_t random64();

private:
    std::mt19937 m_engine;
    std::optional<double> m_nextNormal; // PyTorch's next_double_normal_sample
};

// A torch.nn layer: generic arguments (for editing, files and code) validated into a typed
// options struct by configure(), shape inference from options alone, and an eval-mode forward.
class Layer : public Module {
public:
    Layer() : Module(ModuleKind::Layer) {}

    virtual const LayerSchema& schema() const = 0;
    std::string typeName() const override { return std::string(schema().typeName); }
    std::unique_ptr<Module> clone() const override;

    const std::vector<ArgValue>& args() const { return m_args; }
    const ArgValue& arg(std::string_view name) const;
    // Sets every argument (in schema order). Validates as PyTorch's constructor does; on error
    // the layer is unchanged and the message says what is wrong ("in_channels must be ...").
    std::optional<std::string> setArgs(std::vector<ArgValue> args);
    std::optional<std::string> setArg(std::string_view name, ArgValue value);
    // Arguments that differ from their defaults (what code export writes).
    std::vector<std::pair<std::string_view, const ArgValue*>> nonDefaultArgs() const;

    virtual ShapeResult outputShape(const Shape& in) const = 0;
    // torchinfo's convention: layers with parameters cost N x params (Conv2d and Linear
    // override); parameter-free layers cost nothing.
    virtual int64_t multAdds(const Shape& in, const Shape& out) const;
    // Eval-mode forward; `in` has passed outputShape(). Uses tensors() (allocated).
    virtual void forward(const Tensor& in, Tensor& out) const = 0;
    // Training-mode forward (self.training is True) for layers where it differs from eval mode:
    // BatchNorm normalises with batch statistics, Dropout drops. Nothing is updated here.
    virtual void trainForward(const Tensor& in, Tensor& out) const { forward(in, out); }
    // PyTorch's reset_parameters() (and buffer defaults), consuming gen as PyTorch does.
    virtual void initTensors(TorchGenerator& gen);

protected:
    // Validates args and caches the typed options; returns an error message or nullopt.
    virtual std::optional<std::string> configure(const std::vector<ArgValue>& args) = 0;

private:
    std::vector<ArgValue> m_args;
};

// Checks a value against an argument's accepted types, tuple length and choices.
std::optional<std::string> checkArgType(std::string_view layer, const ArgSpec& spec, const ArgValue& v);

// ---- registry -----------------------------------------------------------------------------
const std::vector<const LayerSchema*>& layerRegistry();
const LayerSchema* findLayerSchema(std::string_view typeName);

struct LayerArgument {
    std::string name; // empty for positional
    ArgValue value;
};
// Builds a layer from Python-style call arguments: positional then keyword, defaults filled in,
// checked like Python does ("Conv2d() missing required argument 'kernel_size'",
// "got an unexpected keyword argument 'kernel'", "takes 2 positional arguments but 3 were given").
std::variant<std::unique_ptr<Layer>, std::string> createLayer(std::string_view typeName,
                                                               const std::vector<LayerArgument>& callArgs);
// A new layer with the schema's example arguments (palette insertion).
std::unique_ptr<Layer> createExampleLayer(std::string_view typeName);

} // namespace ml
