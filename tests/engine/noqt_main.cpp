// Links the engine alone (no Qt library on the link line) and uses it.
#include "engine/layer.h"
#include "engine/module.h"

#include <cstdio>

int main()
{
    auto linear = ml::createExampleLayer("Linear");
    if (!linear) {
        std::puts("Linear missing from the layer registry");
        return 1;
    }
    const std::string text = ml::repr(*linear);
    std::printf("%s\n", text.c_str());
    return text.rfind("Linear(", 0) == 0 ? 0 : 1;
}
