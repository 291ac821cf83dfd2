#pragma once

#include "engine/tensor.h"

#include <QColor>
#include <QImage>

namespace ml::ui {

struct ValueRange {
    float min = 0.f;
    float max = 0.f;
    float at(float t) const { return min + t * (max - min); }
    // 0..1 position of v in the range (0.5 for a flat range).
    float position(float v) const;
};

// Smallest and largest finite value of n floats ({0, 0} when there are none).
ValueRange valueRange(const float* data, int64_t n);

// The colour scale of activation images (viridis): t in [0, 1].
QColor scaleColour(float t);

// One h x w feature map as an image, coloured by its position in `range`.
QImage featureMapImage(const float* data, int height, int width, const ValueRange& range);

// A small picture of a layer's output for the diagram: the first channels of a [N, C, H, W]
// map side by side (each on its own scale), or a heat strip for a [N, F] vector.
QImage activationThumbnail(const ml::Tensor& output, int size = 40);

// The channels, rows and columns of a tensor seen as feature maps of its first sample:
// [N, C, H, W] -> C maps of H x W; [N, F] and [F] -> none (rank() < 3).
struct MapLayout {
    int maps = 0;
    int height = 0;
    int width = 0;
    bool isMaps() const { return maps > 0; }
};
MapLayout mapLayout(const ml::Shape& shape);

} // namespace ml::ui
