#pragma once

#include "engine/imageinput.h"

#include <string>
#include <string_view>
#include <variant>

namespace ml {

// Decodes a PNG (libpng), JPEG (libjpeg-turbo) or BMP file's bytes to the pixels PIL's
// Image.open(...).convert("L" or "RGB") gives: 1 channel for greyscale sources (L, LA, 1, I),
// 3 for colour ones (RGB, RGBA, P). PIL's own rules are kept where they surprise: a 16-bit
// greyscale PNG is clipped to 255 (PIL's mode "I" -> "L"), 16-bit colour keeps the high byte,
// alpha and transparency are dropped, EXIF orientation is not applied. The format is told by
// the content; `name` only labels messages. Images above 16384 x 16384 are refused before
// anything is allocated.
std::variant<Image8, std::string> decodeImage(std::string_view bytes, const std::string& name);

} // namespace ml
