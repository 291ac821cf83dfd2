#include "engine/layer.h"

#include "engine/layers/activation.h"
#include "engine/layers/activation2.h"
#include "engine/layers/adaptivemaxpool2d.h"
#include "engine/layers/conv.h"
#include "engine/layers/conv1d.h"
#include "engine/layers/convtranspose.h"
#include "engine/layers/dropout.h"
#include "engine/layers/dropout1d.h"
#include "engine/layers/groupnorm.h"
#include "engine/layers/linear.h"
#include "engine/layers/norm.h"
#include "engine/layers/pool1d.h"
#include "engine/layers/pooling.h"
#include "engine/layers/reshape.h"
#include "engine/layers/upsample.h"
#include "engine/layers/pad2d.h"
#include "engine/layers/zeropad2d.h"

namespace ml {

// Palette order: groups as a network is usually read, most common layer first in each.
const std::vector<const LayerSchema*>& layerRegistry()
{
    static const std::vector<const LayerSchema*> registry = {
        &Conv2d::staticSchema(),
        &ConvTranspose2d::staticSchema(),
        &Conv1d::staticSchema(),
        &MaxPool2d::staticSchema(),
        &AvgPool2d::staticSchema(),
        &AdaptiveAvgPool2d::staticSchema(),
        &AdaptiveMaxPool2d::staticSchema(),
        &MaxPool1d::staticSchema(),
        &AvgPool1d::staticSchema(),
        &BatchNorm2d::staticSchema(),
        &BatchNorm1d::staticSchema(),
        &LayerNorm::staticSchema(),
        &GroupNorm::staticSchema(),
        &InstanceNorm2d::staticSchema(),
        &ReLU::staticSchema(),
        &LeakyReLU::staticSchema(),
        &GELU::staticSchema(),
        &SiLU::staticSchema(),
        &Sigmoid::staticSchema(),
        &Tanh::staticSchema(),
        &ReLU6::staticSchema(),
        &ELU::staticSchema(),
        &SELU::staticSchema(),
        &PReLU::staticSchema(),
        &Hardswish::staticSchema(),
        &Hardsigmoid::staticSchema(),
        &Softplus::staticSchema(),
        &Mish::staticSchema(),
        &Softmax::staticSchema(),
        &LogSoftmax::staticSchema(),
        &Flatten::staticSchema(),
        &Upsample::staticSchema(),
        &PixelShuffle::staticSchema(),
        &ZeroPad2d::staticSchema(),
        &ReflectionPad2d::staticSchema(),
        &ReplicationPad2d::staticSchema(),
        &Identity::staticSchema(),
        &Linear::staticSchema(),
        &Dropout::staticSchema(),
        &Dropout2d::staticSchema(),
        &Dropout1d::staticSchema(),
    };
    return registry;
}

} // namespace ml
