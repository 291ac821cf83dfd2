#pragma once

#include <QString>

class QGraphicsScene;
class QWidget;

namespace ml::ui {

// Images for slides, the format chosen by the file's extension: .png (twice the on-screen
// resolution), .svg (vector) or .pdf (vector, one page the size of the drawing; QPdfWriter).
// Return an error message, or an empty string on success.
QString exportScene(QGraphicsScene* scene, const QString& path);
QString exportWidget(QWidget* widget, const QString& path);
// "PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)"
QString slideImageFilter();

} // namespace ml::ui
