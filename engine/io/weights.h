#pragma once

#include "engine/io/safetensors.h"
#include "engine/module.h"

#include <optional>
#include <variant>
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

// A weights file of any format ModuleLab reads, chosen by content (then by extension):
// safetensors, or torch.save's zip and legacy formats (.pt, .pth, .bin, .ckpt). From a
// checkpoint dict holding several state_dicts, `key` picks one ("model_state_dict"; nested ones
// as "ema/model"); without it the one whose keys fit `model` best is taken (with model ==
// nullptr: the only one). A 'module.' prefix on every key (DataParallel) is removed. Notes say
// what was chosen, removed or converted (float16, bfloat16 and float64 become float32).
struct WeightsFile {
    SafeTensors tensors;
    std::vector<std::string> notes;
};
std::variant<WeightsFile, ParseError> parseWeights(std::string bytes, const std::string& fileName, const Module* model,
                                                   const std::string& key = {});
std::variant<WeightsFile, ParseError> readWeights(const std::string& path, const Module* model, const std::string& key = {});
// True for the extensions torch.save files carry: .pt, .pth, .bin, .ckpt, .tar.
bool isTorchSavePath(const std::string& path);
// True for every weights file ModuleLab reads: .safetensors and the torch.save extensions.
bool isWeightsPath(const std::string& path);
// The extensions of isWeightsPath(), without dots: "safetensors", "pt", "pth", "bin", "ckpt".
std::vector<std::string> weightsExtensions();

// Reads a weights file as above and loads it with loadStateDict(); the reading notes come first.
StateDictReport loadStateDict(Module& root, const std::string& path, const std::string& key = {});
StateDictReport loadStateDictBytes(Module& root, std::string bytes, const std::string& fileName, const std::string& key = {});

// The state_dict of root under PyTorch's key names: F32, and I64 for integer buffers. Fails with
// a message naming the first module whose tensors are not allocated.
std::optional<std::string> stateDictTensors(const Module& root, SafeTensors& out);
// Writes tensors atomically as torch.save would (isTorchSavePath) or as safetensors.
std::optional<std::string> writeWeights(const std::string& path, const SafeTensors& tensors);
// Writes stateDictTensors() with writeWeights(). Returns an error message or nullopt.
std::optional<std::string> saveStateDict(const Module& root, const std::string& path);

} // namespace ml
