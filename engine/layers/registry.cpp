#include "engine/layer.h"

#include "engine/layers/activation.h"
#include "engine/layers/conv.h"
#include "engine/layers/dropout.h"
#include "engine/layers/linear.h"
#include "engine/layers/norm.h"
#include "engine/layers/pooling.h"
#include "engine/layers/reshape.h"

namespace ml {

// Palette order: groups as a network is usually read, most common layer first in each.
const std::vector<const LayerSchema*>& layerRegistry()
{
    static const std::vector<const LayerSchema*> registry = {
        &Conv2d::staticSchema(),
        &MaxPool2d::staticSchema(),
        &AvgPool2d::staticSchema(),
        &AdaptiveAvgPool2d::staticSchema(),
        &BatchNorm2d::staticSchema(),
        &BatchNorm1d::staticSchema(),
        &LayerNorm::staticSchema(),
        &ReLU::staticSchema(),
        &LeakyReLU::staticSchema(),
        &GELU::staticSchema(),
        &SiLU::staticSchema(),
        &Sigmoid::staticSchema(),
        &Tanh::staticSchema(),
        &Softmax::staticSchema(),
        &LogSoftmax::staticSchema(),
        &Flatten::staticSchema(),
        &Identity::staticSchema(),
        &Linear::staticSchema(),
        &Dropout::staticSchema(),
        &Dropout2d::staticSchema(),
    };
    return registry;
}

} // namespace ml
