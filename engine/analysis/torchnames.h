#pragma once

#include <string_view>

namespace ml::detail {

// Whether PyTorch 1.13's module ("torch" or "torch.nn.functional") has the public name: an
// F.NAME the table of forward ops lacks is ModuleLab's limit where PyTorch has it, and
// PyTorch's AttributeError where it does not.
bool pytorchHas(std::string_view module, std::string_view name);

} // namespace ml::detail
