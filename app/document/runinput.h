#pragma once

#include "engine/imageinput.h"
#include "engine/shape.h"
#include "engine/tensor.h"

#include <QImage>
#include <QString>

#include <optional>
#include <vector>

namespace ml::ui {

// How a picture becomes the model's input: torchvision's convert + resize + ToTensor, then an
// optional Normalize(mean, std) with one value per channel (or one for all channels).
struct InputSpec {
    int channels = 1;
    int height = 28;
    int width = 28;
    std::vector<double> mean; // empty: no normalisation (a project's "normalize")
    std::vector<double> std;

    static constexpr int kMaxSide = 4096; // ModuleLab's own limit for pictures
    // [N, 1 or 3, H, W]: a model that takes pictures (of any size).
    static bool isPictureShape(const ml::Shape& shape)
    {
        return shape.rank() == 4 && (shape[1] == 1 || shape[1] == 3) && shape[2] > 0 && shape[3] > 0;
    }
    // From the model's input shape [N, C, H, W] with C 1 or 3; nullopt (and why) otherwise.
    static std::optional<InputSpec> fromShape(const ml::Shape& shape, QString* why);
};

// One picture ready to run: its name, true label (-1 unknown), what it looks like after the
// conversion and the [1, C, H, W] tensor the model gets.
struct RunInput {
    QString name;
    int label = -1;
    QImage original;  // as decoded
    QImage converted; // channels and size as the model sees it (before normalisation)
    ml::Tensor tensor;
};

// For a model whose input is not a picture ([1, 64], [4, 16, 100]): values drawn uniformly from
// [0, 1) by PyTorch's generator after seeding it with `seed`, in the input's shape.
RunInput makeRandomInput(const ml::Shape& shape, uint64_t seed);

// Decoded 8-bit image (the engine's decoder) as a QImage (Grayscale8 or RGB888).
QImage toQImage(const ml::Image8& image);
// Converts with the engine (ml::convertImage), scales like ToTensor and normalises with
// ml::normalizeInput when the spec has mean and std.
RunInput makeRunInput(const ml::Image8& image, const InputSpec& spec, const QString& name, int label = -1);
// Decodes a PNG, JPEG or BMP file or Qt resource (":/...") with the engine's decoder, as PIL
// does (ml::decodeImage). nullopt and a message naming the file on failure.
std::optional<ml::Image8> readImage8(const QString& path, QString* error);

} // namespace ml::ui
