#include "app/compare/slideexport.h"

#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QWidget>

#include <functional>

namespace ml::ui {

namespace {

// Renders `draw` (which paints a `size` area at the origin) into the file named by path.
QString render(const QString& path, const QSizeF& size, const QString& title, const std::function<void(QPainter&)>& draw)
{
    if (size.isEmpty())
        return QStringLiteral("Nothing to export");
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
        if (!image.save(path, "PNG"))
            return QStringLiteral("Cannot write %1").arg(path);
        return {};
    }
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator gen;
        gen.setFileName(path);
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
        QPdfWriter pdf(path);
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
