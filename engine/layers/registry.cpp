#include "engine/layer.h"

namespace ml {

const std::vector<const LayerSchema*>& layerRegistry()
{
    static const std::vector<const LayerSchema*> registry = {};
    return registry;
}

} // namespace ml
