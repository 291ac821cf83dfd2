#include "app/train/reconstructionview.h"

#include "engine/train/target.h"

#include <QPainter>
#include <QPaintEvent>

#include <algorithm>

namespace ml::ui {

namespace {

// Picture k of a [K, C, H, W] tensor of values in [0, 1] (the first channel), as grey.
QImage picture(const ml::Tensor& t, int64_t k)
{
    const ml::Shape& s = t.shape();
    const int h = s.rank() >= 4 ? static_cast<int>(s[2]) : 1, w = s.rank() >= 4 ? static_cast<int>(s[3]) : 1;
    const int64_t per = s[0] ? t.numel() / s[0] : 0;
    QImage img(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w; ++x)
            line[x] = static_cast<uchar>(std::clamp(t[k * per + y * w + x], 0.0f, 1.0f) * 255.0f + 0.5f);
    }
    return img;
}

} // namespace

ReconstructionView::ReconstructionView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumHeight(90);
    setToolTip(QStringLiteral("The first test images (above) and what the model makes of them (below) in eval mode, with "
                              "the newest weights"));
}

void ReconstructionView::show(const ml::Reconstructions& pictures)
{
    m_inputs.clear();
    m_outputs.clear();
    const int64_t count = pictures.inputs.shape().rank() ? pictures.inputs.shape()[0] : 0;
    for (int64_t k = 0; k < count; ++k) {
        m_inputs.append(picture(pictures.inputs, k));
        m_outputs.append(picture(pictures.outputs, k));
    }
    update();
}

void ReconstructionView::clearPictures()
{
    m_inputs.clear();
    m_outputs.clear();
    m_caption.clear();
    update();
}

void ReconstructionView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    const QFontMetrics fm = p.fontMetrics();
    const int pad = 6, text = fm.height();
    if (m_inputs.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(pad, pad, -pad, -pad), Qt::AlignCenter | Qt::TextWordWrap,
                   QStringLiteral("After each epoch: the first test images and the model's reconstructions of them"));
        return;
    }
    const int label = std::max(fm.horizontalAdvance(QStringLiteral("input")), fm.horizontalAdvance(QStringLiteral("output"))) + 2 * pad;
    const int n = static_cast<int>(m_inputs.size());
    const int cell = std::max(8, std::min((width() - label - pad) / n, (height() - text - 3 * pad) / 2));
    const int top = pad + text + pad / 2;
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(pad, pad, width() - 2 * pad, text), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(m_caption, Qt::ElideRight, width() - 2 * pad));
    for (int row = 0; row < 2; ++row) {
        const int y = top + row * (cell + pad / 2);
        p.drawText(QRect(0, y, label - pad / 2, cell), Qt::AlignRight | Qt::AlignVCenter,
                   row == 0 ? QStringLiteral("input") : QStringLiteral("output"));
        const QList<QImage>& images = row == 0 ? m_inputs : m_outputs;
        for (int k = 0; k < n; ++k)
            p.drawImage(QRect(label + k * cell, y, cell - 2, cell - 2), images[k]);
    }
}

} // namespace ml::ui
