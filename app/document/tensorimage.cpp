#include "app/document/tensorimage.h"

#include <QPainter>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace ml::ui {

float ValueRange::position(float v) const
{
    if (!(max > min))
        return 0.5f;
    return std::clamp((v - min) / (max - min), 0.f, 1.f);
}

ValueRange valueRange(const float* data, int64_t n)
{
    ValueRange r{std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()};
    bool any = false;
    for (int64_t i = 0; i < n; ++i) {
        const float v = data[i];
        if (!std::isfinite(v))
            continue;
        any = true;
        r.min = std::min(r.min, v);
        r.max = std::max(r.max, v);
    }
    return any ? r : ValueRange{};
}

QColor scaleColour(float t)
{
    // Viridis at nine stops, interpolated linearly.
    static constexpr std::array<std::array<int, 3>, 9> stops{{{68, 1, 84},
                                                             {71, 44, 122},
                                                             {59, 81, 139},
                                                             {44, 113, 142},
                                                             {33, 144, 141},
                                                             {39, 173, 129},
                                                             {92, 200, 99},
                                                             {170, 220, 50},
                                                             {253, 231, 37}}};
    if (!std::isfinite(t))
        return QColor(255, 0, 255);
    const float x = std::clamp(t, 0.f, 1.f) * static_cast<float>(stops.size() - 1);
    const int i = std::min(static_cast<int>(x), static_cast<int>(stops.size()) - 2);
    const float f = x - static_cast<float>(i);
    const auto mix = [&](int c) {
        return static_cast<int>(std::lround(static_cast<float>(stops[i][c]) * (1 - f) + static_cast<float>(stops[i + 1][c]) * f));
    };
    return QColor(mix(0), mix(1), mix(2));
}

QImage featureMapImage(const float* data, int height, int width, const ValueRange& range)
{
    QImage img(width, height, QImage::Format_RGB32);
    for (int y = 0; y < height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
        for (int x = 0; x < width; ++x)
            line[x] = scaleColour(range.position(data[static_cast<int64_t>(y) * width + x])).rgb();
    }
    return img;
}

MapLayout mapLayout(const ml::Shape& shape)
{
    if (shape.rank() == 4 && shape[0] >= 1)
        return {static_cast<int>(shape[1]), static_cast<int>(shape[2]), static_cast<int>(shape[3])};
    if (shape.rank() == 3) // [N, L, F] sequences: one map of L x F per sample
        return {1, static_cast<int>(shape[1]), static_cast<int>(shape[2])};
    return {};
}

QImage activationThumbnail(const ml::Tensor& output, int size)
{
    if (output.numel() == 0)
        return {};
    QImage thumb(size, size, QImage::Format_ARGB32_Premultiplied);
    thumb.fill(Qt::transparent);
    QPainter p(&thumb);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    const MapLayout m = mapLayout(output.shape());
    if (m.isMaps() && m.height > 0 && m.width > 0) {
        const int shown = std::min(m.maps, 4);
        const int cols = shown == 1 ? 1 : 2;
        const int rows = (shown + cols - 1) / cols;
        const int cell = size / std::max(cols, rows);
        const int64_t plane = static_cast<int64_t>(m.height) * m.width;
        for (int c = 0; c < shown; ++c) {
            const float* d = output.data() + c * plane;
            const QImage map = featureMapImage(d, m.height, m.width, valueRange(d, plane));
            const QRect cellRect((c % cols) * cell, (c / cols) * cell, cell - 1, cell - 1);
            const QSize fitted = map.size().scaled(cellRect.size(), Qt::KeepAspectRatio);
            p.drawImage(QRect(cellRect.topLeft(), fitted), map);
        }
    } else {
        // A vector: the features of the first sample as a heat strip, wrapped into rows.
        const int64_t features = output.shape().rank() >= 2 ? output.numel() / output.shape()[0] : output.numel();
        const int n = static_cast<int>(std::min<int64_t>(features, 256));
        const ValueRange r = valueRange(output.data(), n);
        const int cols = std::min(n, 16);
        const int rows = (n + cols - 1) / cols;
        const float cw = static_cast<float>(size) / static_cast<float>(cols);
        const float ch = std::min(cw * 2.f, static_cast<float>(size) / static_cast<float>(rows));
        for (int i = 0; i < n; ++i)
            p.fillRect(QRectF((i % cols) * cw, (i / cols) * ch, cw, ch), scaleColour(r.position(output[i])));
    }
    p.end();
    return thumb;
}

} // namespace ml::ui
