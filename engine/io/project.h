#pragma once

#include "engine/diagnostic.h"
#include "engine/module.h"
#include "engine/shape.h"
#include "engine/tensor.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml {

// A ModuleLab project (.mlab): the module tree, the input shape it is analysed with and the
// weights file that goes with it. The file is versioned JSON:
//   {"format": "modulelab-project", "version": 1, "input_shape": [1, 1, 28, 28],
//    "weights": "net.safetensors" | null, "normalize"?: {"mean": [...], "std": [...]}, "model": NODE}
//   NODE  = {"name"?, "layer": "Conv2d", "args"?: {non-default and required args, schema order}}
//         | {"name"?, "container": "Sequential"|"ModuleList"|"ModuleDict"|"list", "children": [NODE...]}
//         | {"name"?, "class": "Net", "children": [NODE...], "forward": {"params": [...], "body": [STMT...]}}
//   STMT  = {"assign": "x", "value": EXPR} | {"for": ["i", "m"], "in": EXPR, "body": [STMT...]}
//         | {"return": EXPR}
// "name" is the child's name in its parent; positional containers (ModuleList, list, a
// Sequential without names) omit it. Any NODE may hold "requires_grad": false, written for a
// frozen module (module.requires_grad_(False) on it and everything below it). EXPR is Python source of the forward subset.
// "normalize" is optional: per-channel mean and std applied to images after ToTensor's scaling
// to [0, 1], as torchvision's Normalize(mean, std) does; one value per input channel
// (input_shape[1]), every std > 0.
struct Project {
    std::unique_ptr<Module> root;
    Shape inputShape;
    std::string weightsPath; // as written: relative to the project file; "" for none
    std::vector<double> mean; // empty (with std) for no normalisation
    std::vector<double> std;
};

inline constexpr int kProjectVersion = 1;
inline constexpr int kProjectMaxModuleDepth = 64;          // modules inside modules
inline constexpr size_t kProjectMaxFileSize = 64u << 20;   // bytes

// Every error carries FILE:LINE:COLUMN of the value it concerns.
std::variant<Project, ParseError> parseProject(std::string_view text, std::string_view fileName = {});
std::variant<Project, ParseError> loadProject(const std::string& path);

// Stable, 2-space indented JSON with a trailing newline.
std::string projectToJson(const Project& project);
// What in m a project file cannot store (a located "not supported by ModuleLab yet" message), or nullopt.
std::optional<std::string> projectLimit(const Module& m);
// Writes projectToJson() atomically. Returns an error message or nullopt.
std::optional<std::string> saveProject(const Project& project, const std::string& path);

// torchvision's Normalize on an [N, C, ...] tensor: x[n, c] = (x[n, c] - mean[c]) / std[c], in
// float32 as PyTorch computes it. Nothing to do when mean is empty. Returns an error message
// (tensor unchanged) when the channels differ from the number of values.
std::optional<std::string> normalizeInput(Tensor& x, const std::vector<double>& mean, const std::vector<double>& std);

// The weights path of a project file, resolved against the directory of the project file.
std::string resolveWeightsPath(const std::string& projectPath, const std::string& weightsPath);

} // namespace ml
