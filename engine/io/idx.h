#pragma once

#include "engine/imageinput.h"
#include "engine/tensor.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml {

// IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
//   0x00 0x00 TYPE NDIMS, then NDIMS big-endian uint32 sizes, then the data, row-major.
// ModuleLab reads unsigned-byte data (TYPE 0x08): images as N x ROWS x COLS, labels as N.
// Files may be plain or gzip-compressed (zlib; detected from the content, not the name).
//
// The header is validated before anything is allocated: magic, type, number of dimensions,
// sizes (each image at most kIdxMaxSide per side, at most kIdxMaxBytes of data), and the size
// the header promises against the size of the file (exact for a plain file; for a gzip file
// no more than deflate's best ratio allows). Then exactly that many bytes must follow, and
// nothing after them. Every message names the file.

inline constexpr uint32_t kIdxMaxSide = 4096;        // rows or columns of one image
inline constexpr uint64_t kIdxMaxBytes = 1ull << 30; // data bytes of one file

// A stack of 8-bit grey images; image(i) is random access into the decoded data.
class IdxImages {
public:
    IdxImages() = default;
    IdxImages(int64_t count, int rows, int cols, std::vector<uint8_t> pixels);

    int64_t count() const { return m_count; }
    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    // rows x cols bytes of image i, row-major, 0 = black. i must be in [0, count()).
    std::span<const uint8_t> image(int64_t i) const;
    const std::vector<uint8_t>& pixels() const { return m_pixels; }

private:
    int64_t m_count = 0;
    int m_rows = 0;
    int m_cols = 0;
    std::vector<uint8_t> m_pixels;
};

// Images and labels of one split, with equal counts.
struct IdxDataset {
    IdxImages images;
    std::vector<uint8_t> labels;
};

std::variant<IdxImages, std::string> readIdxImages(const std::string& path);
std::variant<std::vector<uint8_t>, std::string> readIdxLabels(const std::string& path);
// Both files; fails when their counts differ.
std::variant<IdxDataset, std::string> readIdxDataset(const std::string& imagesPath, const std::string& labelsPath);

// Image i as a 1-channel Image8 (for display or for imageinput's conversions).
Image8 idxImage(const IdxImages& images, int64_t i);
// Image i as a [1, 1, rows, cols] float tensor scaled to [0, 1] as torchvision's ToTensor does
// (pixel / 255). i must be in [0, count()).
Tensor idxImageTensor(const IdxImages& images, int64_t i);
// The images at `indices` stacked into an [N, 1, rows, cols] tensor, scaled the same way.
Tensor idxImagesTensor(const IdxImages& images, std::span<const int64_t> indices);

// Debian's dataset-fashion-mnist.
inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
struct IdxPaths {
    std::string images;
    std::string labels;
};
// The test split (10000 images) under `dir`: t10k-images-idx3-ubyte[.gz] and
// t10k-labels-idx1-ubyte[.gz]; empty paths when either file is missing.
IdxPaths fashionMnistTestFiles(std::string_view dir = kFashionMnistDir);
// "T-shirt/top", "Trouser", ..., "Ankle boot": the ten class names by label index.
const std::vector<std::string>& fashionMnistClassNames();

} // namespace ml
