#pragma once

#include "engine/layers/dropout.h"

namespace ml {

// nn.Dropout1d: zeroes whole channels of [N, C, L] inputs while training; an identity in eval
// mode, which still checks the input's rank as PyTorch does.
class Dropout1d final : public DropoutBase {
public:
    static constexpr std::string_view kTypeName = "Dropout1d";
    static const LayerSchema& staticSchema();
    const LayerSchema& schema() const override { return staticSchema(); }
    ShapeResult outputShape(const Shape& in) const override;
};

} // namespace ml
