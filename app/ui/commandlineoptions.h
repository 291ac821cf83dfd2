#pragma once

#include <QSize>
#include <QString>

#include <optional>

class QImage;
class QWidget;

namespace ml::ui {

// The checks behind modulelab's command-line options: each says what is wrong with a value,
// in a sentence for stderr, before anything is loaded or written.

// Window sizes a screenshot can have: from a small laptop screen to 8K.
inline constexpr QSize kMinWindowSize{320, 240};
inline constexpr QSize kMaxWindowSize{7680, 4320};

// "1280x720" within the limits above.
std::optional<QSize> parseWindowSize(const QString& text, QString* error);
// A row of the Samples list: a whole number from 0 to rows - 1.
std::optional<int> parseSampleRow(const QString& text, int rows, QString* error);
// A screenshot's file name: a format Qt can write, judged by its suffix (png, jpg, bmp...), not a
// directory, in a directory that exists.
bool isWritableImageName(const QString& path, QString* error);
// Brings the tab called `name` (any case) of a tab widget inside `root` to the front, and the
// panel holding it. False, with the tab names there are, when none is called that.
bool showTabNamed(QWidget* root, const QString& name, QString* error);
// A step of a lesson with `steps` steps: a whole number from 1, or "last".
std::optional<int> parseLessonStep(const QString& text, int steps, QString* error);
// Writes through a temporary file renamed over `path` when complete: never half a file.
bool saveImageAtomically(const QImage& image, const QString& path, QString* error);

} // namespace ml::ui
