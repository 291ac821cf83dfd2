#include "app/run/activationview.h"

#include "app/document/forwardrecording.h"
#include "app/document/runinput.h"
#include "app/run/featuremapgrid.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

ActivationView::ActivationView(QWidget* parent)
    : QWidget(parent)
    , m_inputHeader(new QLabel(QStringLiteral("<b>Input</b>"), this))
    , m_input(new QLabel(this))
    , m_inputCaption(new QLabel(this))
    , m_title(new QLabel(this))
    , m_stale(new QLabel(this))
    , m_grid(new FeatureMapGrid(this))
    , m_shared(new QCheckBox(QStringLiteral("Shared colour scale"), this))
    , m_readout(new QLabel(this))
{
    m_input->setFixedSize(112, 112);
    m_input->setAlignment(Qt::AlignCenter);
    m_input->setFrameShape(QFrame::StyledPanel);
    m_inputCaption->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    m_inputCaption->setWordWrap(true);
    m_inputCaption->setFixedWidth(112);
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    m_stale->setText(QStringLiteral("Stale: the model changed since this run. Run again to update."));
    m_stale->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #7a5600; border: 1px solid #e0b84c; padding: 3px; }"));
    m_stale->setVisible(false);
    m_shared->setChecked(true);
    m_shared->setToolTip(QStringLiteral("Off: every map is coloured from its own minimum to its own maximum"));
    m_readout->setText(QStringLiteral("Point at a map to read a value"));
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* left = new QVBoxLayout;
    left->addWidget(m_inputHeader);
    left->addWidget(m_input);
    left->addWidget(m_inputCaption);
    left->addStretch();

    auto* footer = new QHBoxLayout;
    footer->addWidget(m_shared);
    footer->addStretch();
    footer->addWidget(m_readout);

    auto* right = new QVBoxLayout;
    right->addWidget(m_title);
    right->addWidget(m_stale);
    right->addWidget(m_grid, 1);
    right->addLayout(footer);

    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left);
    layout->addLayout(right, 1);

    connect(m_shared, &QCheckBox::toggled, m_grid, &FeatureMapGrid::setSharedScale);
    connect(m_grid, &FeatureMapGrid::hovered, this, [this](const QString& text) {
        m_readout->setText(text.isEmpty() ? QStringLiteral("Point at a map to read a value") : text);
    });
    showCall(nullptr, nullptr, QStringLiteral("Run the model to see what every layer does to the picture"));
}

void ActivationView::showCall(const ForwardCall* call, const RunInput* input, const QString& why, const QStringList& outputNames)
{
    m_inputImage = input ? input->converted : QImage();
    if (input && !input->converted.isNull()) {
        // The whole file name, wrapped where it must: a zero-width space after each '_', '-' and
        // '.' lets the label break there instead of cutting the name.
        QString caption = input->name;
        for (const QChar c : {QLatin1Char('_'), QLatin1Char('-'), QLatin1Char('.')})
            caption.replace(c, QString(c) + QChar(0x200B));
        if (input->label >= 0)
            caption += QStringLiteral("\n%1 (label\u00a0%2)") // "label" and its number on one line
                           .arg(input->label < m_classNames.size() ? m_classNames[input->label] : QStringLiteral("class"))
                           .arg(input->label);
        m_inputCaption->setText(caption);
        fitInputPicture();
    } else if (input) {
        // A tensor that is not a picture: its shape and where its values came from.
        m_input->setFixedSize(112, 112);
        m_input->setPixmap({});
        m_input->setWordWrap(true);
        m_input->setText(QString::fromStdString(input->tensor.shape().toString()));
        m_inputCaption->setText(input->name);
    } else {
        m_input->setFixedSize(112, 112);
        m_input->setPixmap({});
        m_input->setText(QStringLiteral("no input"));
        m_inputCaption->clear();
    }
    if (!call) {
        m_title->setText(why.toHtmlEscaped());
        m_grid->clear();
        showFooter();
        return;
    }
    const QString name = call->path.isEmpty() ? QStringLiteral("the whole model") : call->path;
    const ml::Shape& out = call->output.shape();
    QString what;
    if (out.rank() == 4)
        what = (out[1] == 1 ? QStringLiteral("%1 map of %2×%3") : QStringLiteral("%1 maps of %2×%3")).arg(out[1]).arg(out[2]).arg(out[3]);
    else if (out.rank() == 2)
        what = (out[1] == 1 ? QStringLiteral("a vector of %1 feature") : QStringLiteral("a vector of %1 features")).arg(out[1]);
    m_title->setText(QStringLiteral("<b>%1</b> (%2): %3 → %4%5")
                         .arg(name.toHtmlEscaped(), call->typeName.toHtmlEscaped(),
                              QString::fromStdString(call->input.shape().toString()),
                              QString::fromStdString(out.toString()), what.isEmpty() ? QString() : QStringLiteral(" · ") + what));
    m_grid->setTensor(call->output, outputNames);
    showFooter();
}

// The colour scale's choice only for maps; the value under the cursor unless every value is
// written out (rows).
void ActivationView::showFooter()
{
    m_shared->setVisible(m_grid->tileCount() > 0);
    m_readout->setVisible(!m_grid->drawsRows());
}

void ActivationView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitInputPicture();
}

// The picture as large as the panel's height leaves beside its header and its whole caption (at
// most 112 pixels, at least 40): in a short panel the picture shrinks, never the caption.
void ActivationView::fitInputPicture()
{
    if (m_inputImage.isNull())
        return;
    const QMargins margins = layout()->contentsMargins();
    const int spacing = std::max(0, layout()->spacing());
    const int free = height() - margins.top() - margins.bottom() - m_inputHeader->sizeHint().height()
        - m_inputCaption->heightForWidth(m_inputCaption->width()) - 2 * spacing;
    const int side = std::clamp(free, 40, 112);
    m_input->setFixedSize(side, side);
    m_input->setPixmap(QPixmap::fromImage(m_inputImage.scaled(QSize(side, side) - QSize(4, 4), Qt::KeepAspectRatio, Qt::FastTransformation)));
}

void ActivationView::setStale(bool stale)
{
    m_stale->setVisible(stale);
}

} // namespace ml::ui
