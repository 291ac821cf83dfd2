#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ml {

// Replaces `path` with `bytes` or leaves it untouched: writes a temporary file in the same
// directory, flushes it to disk, then renames it over the target (the QSaveFile scheme, without
// Qt). A new file gets the usual permissions (0666 minus umask); an existing one keeps its mode.
// A symbolic link is written through: its target is replaced, the link stays.
// Returns an error message naming the file, or nullopt.
std::optional<std::string> writeFileAtomically(const std::string& path, std::string_view bytes);

// Reads a whole regular file of at most maxBytes; nullopt with `error` set otherwise.
std::optional<std::string> readWholeFile(const std::string& path, std::string& error,
                                         size_t maxBytes = size_t(1) << 30);

} // namespace ml
