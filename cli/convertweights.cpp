#include "cli/convertweights.h"

#include "engine/io/weights.h"

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace ml::cli {

namespace {

constexpr const char* kConvertUsage =
    "usage: modulelab-cli convert-weights IN OUT [--weights-key KEY]\n"
    "  IN, OUT: .safetensors, or torch.save files (.pt .pth .bin .ckpt); KEY chooses the state_dict\n"
    "  of a checkpoint dict that holds several (\"model_state_dict\", nested ones as \"ema/model\").\n";

int usage(const std::string& message)
{
    std::cerr << "modulelab-cli: " << message << "\n\n" << kConvertUsage;
    return 2;
}

} // namespace

int convertWeights(int argc, char** argv)
{
    std::vector<std::string> files;
    std::string key;
    bool keyGiven = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--weights-key") {
            if (i + 1 >= argc)
                return usage("--weights-key needs a value");
            if (keyGiven)
                return usage("--weights-key is given twice (" + key + ", " + argv[i + 1] + "): give it once");
            key = argv[++i];
            keyGiven = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << kConvertUsage;
            return 0;
        } else if (a.rfind("-", 0) == 0) {
            return usage("unknown option " + a);
        } else {
            files.push_back(a);
        }
    }
    if (files.size() != 2)
        return usage("convert-weights needs an input and an output file");
    // The output's format is told by its extension: nothing is read or written for one that
    // names no format, a directory or a directory that does not exist.
    if (!isWeightsPath(files[1]))
        return usage(files[1] + ": name the output .safetensors, or .pt, .pth, .bin or .ckpt for torch.save's format");
    std::error_code ec;
    if (std::filesystem::is_directory(files[1], ec))
        return usage(files[1] + ": is a directory; name the file to write");
    if (const std::filesystem::path dir = std::filesystem::path(files[1]).parent_path();
        !dir.empty() && !std::filesystem::is_directory(dir, ec))
        return usage(files[1] + ": the directory " + dir.string() + " does not exist");
    auto read = readWeights(files[0], nullptr, key);
    if (auto* err = std::get_if<ParseError>(&read)) {
        std::cerr << err->toString() << "\n";
        return 2;
    }
    WeightsFile& w = std::get<WeightsFile>(read);
    for (const std::string& note : w.notes)
        std::cerr << files[0] << ": note: " << note << "\n";
    // Floats of every width are written as float32; integer tensors as int64, as PyTorch keeps buffers.
    for (NamedTensor& t : w.tensors.tensors)
        t.dtype = t.dtype == DType::I64 || t.dtype == DType::I32 || t.dtype == DType::I16 || t.dtype == DType::I8
                          || t.dtype == DType::U8 || t.dtype == DType::Bool
                      ? DType::I64
                      : DType::F32;
    if (auto err = writeWeights(files[1], w.tensors)) {
        std::cerr << *err << "\n";
        return 2;
    }
    std::cout << files[1] << ": " << w.tensors.tensors.size() << " tensors written as "
              << (isTorchSavePath(files[1]) ? "torch.save (zip format)" : "safetensors") << "\n";
    return 0;
}

} // namespace ml::cli
