#include "engine/layers/dropout1d.h"

namespace ml {

const LayerSchema& Dropout1d::staticSchema()
{
    static const LayerSchema s{kTypeName, "Regularization", argSpecs(), layers::makeLayer<Dropout1d>};
    return s;
}

ShapeResult Dropout1d::outputShape(const Shape& in) const
{
    if (in.rank() == 2 || in.rank() == 3)
        return {in, {}};
    const std::string r = std::to_string(in.rank());
    return ShapeResult::fail("Dropout1d expects a 3D input [N, C, L] (or 2D [C, L]), but got a " + r + "D input " + in.toString()
                             + (in.rank() == 4 ? ": use Dropout2d for images" : "")
                             + " (PyTorch: dropout1d: Expected 2D or 3D input, but received a " + r
                             + "D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                               "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).)");
}

} // namespace ml
