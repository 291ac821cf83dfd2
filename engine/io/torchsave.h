#pragma once

#include "engine/io/safetensors.h"

#include <optional>
#include <string>

namespace ml {

// Writes tensors as torch.save writes a state_dict (an OrderedDict of name -> tensor) in its zip
// format: ARCHIVE/data.pkl (a protocol 2 pickle), ARCHIVE/data/0, 1, ... (the raw little-endian
// elements) and ARCHIVE/version, where ARCHIVE is the file name without its extension, as
// PyTorch names it. The pickle uses only what torch.load(weights_only=True) accepts. Tensors are
// written as float32, or int64 when their dtype says I64. Returns an error message or nullopt.
std::optional<std::string> serializeTorchSave(const SafeTensors& st, const std::string& archiveName, std::string& bytes);
// Serialises and writes atomically.
std::optional<std::string> writeTorchSave(const std::string& path, const SafeTensors& st);

} // namespace ml
