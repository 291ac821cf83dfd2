#pragma once

#include "engine/tensor.h"

#include <string>
#include <variant>
#include <vector>

namespace ml {

// An 8-bit image with 1 (L) or 3 (RGB) channels, row-major, interleaved.
struct Image8 {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<uint8_t> pixels;
};

// Decodes a PNG, JPEG or BMP file as PIL does (decodeImage in imagedecoder.h).
std::variant<Image8, std::string> readImage(const std::string& path);

// Converts as torchvision would with PIL: convert("L") or convert("RGB") (alpha dropped),
// resize((width, height), BILINEAR) with PIL's antialiased separable filter and 8-bit rounding.
Image8 convertImage(const Image8& in, int channels, int width, int height);

// An image already converted to the model's channels and size, as a 1 x C x H x W tensor scaled
// to [0, 1] like ToTensor.
Tensor imageToTensor(const Image8& image);

// Stacks images into an N x C x H x W float tensor scaled to [0, 1] like ToTensor. Each image
// is converted to `channels` and resized to height x width first. Errors name the file.
std::variant<Tensor, std::string> imagesToTensor(const std::vector<std::string>& paths, int channels, int height, int width);

} // namespace ml
