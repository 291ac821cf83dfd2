#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "engine/diagnostic.h"

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

// readWholeFile for readers that report a ParseError: a file that cannot be read at all is
// located at its start, "FILE:1:1: cannot open the file: no such file" (or "not a regular file",
// or the system's reason), naming the path once.
std::variant<std::string, ParseError> readWholeFileLocated(const std::string& path,
                                                           size_t maxBytes = size_t(1) << 30);

// Why `path` cannot be opened for reading, located as above; nullopt when it is a regular file.
std::optional<ParseError> cannotOpen(const std::string& path);

} // namespace ml
