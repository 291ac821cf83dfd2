#include "app/compare/slideexport.h"

#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

#include <functional>

namespace ml::ui {

namespace {

// Renders `draw` (which paints a `size` area at the origin) into `out`, in the format the file
// name's suffix asks for.
QString renderTo(QSaveFile& out, const QString& path, const QSizeF& size, const QString& title,
                 const std::function<void(QPainter&)>& draw)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png")) {
        constexpr double kScale = 2.0;
        QImage image((size * kScale).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        {
            QPainter p(&image);
            p.setRenderHint(QPainter::Antialiasing);
            p.setRenderHint(QPainter::TextAntialiasing);
            p.scale(kScale, kScale);
            draw(p);
        }
        if (!image.save(&out, "PNG"))
            return QStringLiteral("Cannot write %1: %2").arg(path, out.errorString());
        return {};
    }
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator gen;
        gen.setOutputDevice(&out);
        gen.setSize(size.toSize());
        gen.setViewBox(QRectF(QPointF(0, 0), size));
        gen.setTitle(title);
        QPainter p;
        if (!p.begin(&gen))
            return QStringLiteral("Cannot write %1").arg(path);
        draw(p);
        p.end();
        return {};
    }
    if (suffix == QLatin1String("pdf")) {
        QPdfWriter pdf(&out);
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("ModuleLab"));
        pdf.setResolution(96);
        // One page the size of the drawing (points = 1/72 inch; 96 px per inch).
        pdf.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / 96.0, size.height() * 72.0 / 96.0), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter p;
        if (!p.begin(&pdf))
            return QStringLiteral("Cannot write %1").arg(path);
        p.setRenderHint(QPainter::Antialiasing);
        draw(p);
        p.end();
        return {};
    }
    return QStringLiteral("%1: choose a .png, .svg or .pdf file name").arg(QFileInfo(path).fileName());
}

// Written atomically: a temporary file renamed over the target only when complete.
QString render(const QString& path, const QSizeF& size, const QString& title, const std::function<void(QPainter&)>& draw)
{
    if (size.isEmpty())
        return QStringLiteral("Nothing to export");
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") && suffix != QLatin1String("pdf"))
        return QStringLiteral("%1: choose a .png, .svg or .pdf file name").arg(QFileInfo(path).fileName());
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return QStringLiteral("Cannot write %1: %2").arg(path, out.errorString());
    if (QString error = renderTo(out, path, size, title, draw); !error.isEmpty()) {
        out.cancelWriting();
        return error;
    }
    if (!out.commit())
        return QStringLiteral("Cannot write %1: %2").arg(path, out.errorString());
    return {};
}

} // namespace

QString exportScene(QGraphicsScene* scene, const QString& path)
{
    if (!scene)
        return QStringLiteral("Nothing to export");
    const QRectF source = scene->itemsBoundingRect().adjusted(-16, -16, 16, 16);
    return render(path, source.size(), QStringLiteral("ModuleLab diagram"), [&](QPainter& p) {
        scene->render(&p, QRectF(QPointF(0, 0), source.size()), source);
    });
}

QString exportWidget(QWidget* widget, const QString& path)
{
    if (!widget)
        return QStringLiteral("Nothing to export");
    return render(path, widget->size(), widget->windowTitle(), [&](QPainter& p) {
        widget->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    });
}

QString slideImageFilter()
{
    return QStringLiteral("PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)");
}

} // namespace ml::ui
