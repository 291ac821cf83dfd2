#pragma once

#include "engine/io/safetensors.h"
#include "engine/module.h"

#include <optional>
#include <string>
#include <vector>

namespace ml {

// The outcome of loading a state_dict, with PyTorch's strict load_state_dict semantics: every
// key of ml::stateDict(root) must be in the file with the same shape and nothing else may be.
struct StateDictReport {
    bool loaded = false;               // true: every tensor was assigned; false: nothing was
    std::string error;                 // a file that could not be read at all
    std::vector<std::string> missing;    // "features.1.running_var"
    std::vector<std::string> unexpected; // keys in the file the model does not have
    std::vector<std::string> mismatched; // "features.1.weight: file has [16], model expects [8]"
    std::vector<std::string> notes;      // accepted deviations (defaulted num_batches_tracked)

    // One message listing every problem, as PyTorch's RuntimeError does; "" when loaded.
    std::string message() const;
};

// Assigns the tensors of `file` to root and the registered modules below it, all or nothing.
// Like PyTorch loading a plain dict (no version metadata), a missing num_batches_tracked is
// set to 0; it may be stored as I64 or as a float.
StateDictReport loadStateDict(Module& root, const SafeTensors& file);
StateDictReport loadStateDict(Module& root, const std::string& path);

// The state_dict of root under PyTorch's key names: F32, and I64 for integer buffers. Fails with
// a message naming the first module whose tensors are not allocated.
std::optional<std::string> stateDictTensors(const Module& root, SafeTensors& out);
// Writes stateDictTensors() atomically. Returns an error message or nullopt.
std::optional<std::string> saveStateDict(const Module& root, const std::string& path);

} // namespace ml
