#pragma once

#include "engine/train/loss.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ml {

// Inputs [N, ...] and their N targets, held in memory.
struct Dataset {
    Tensor inputs;
    Targets targets;
    int64_t count = 0;
    int64_t sampleSize() const { return count ? inputs.numel() / count : 0; }
};

// An IDX split (images and labels) as [N, 1, rows, cols] floats in [0, 1] and class indices.
std::variant<Dataset, std::string> loadIdxDataset(const std::string& images, const std::string& labels);

// DIR/PREFIX-images-idx3-ubyte[.gz] and DIR/PREFIX-labels-idx1-ubyte[.gz] for the split PREFIX
// ("train" or "t10k"); empty paths when either is missing.
struct IdxSplitFiles {
    std::string images;
    std::string labels;
    bool found() const { return !images.empty() && !labels.empty(); }
};
IdxSplitFiles idxSplitFiles(const std::string& dir, const std::string& prefix);

// The pictures a directory lists in labels.csv ("file,label_index,..." with a header), as
// grey [N, 1, height, width] floats in [0, 1]: ModuleLab's shipped Fashion-MNIST samples.
std::variant<Dataset, std::string> loadLabelledPictures(const std::string& dir, int height, int width);

// Samples order[begin..end) of d stacked into x and t (a batch).
void takeBatch(const Dataset& d, const std::vector<int64_t>& order, int64_t begin, int64_t end, Tensor& x, Targets& t);

} // namespace ml
