#pragma once

#include "app/document/indexpath.h"

#include <QString>

#include <memory>
#include <string>
#include <utility>
#include <vector>

class QMimeData;

namespace ml {
class Module;
}

namespace ml::ui {

// A palette entry being dragged: its type name ("Conv2d", "Sequential", "Module").
inline const QString kPaletteMimeType = QStringLiteral("application/x-modulelab-palette-item");
// Nodes of a document being dragged: "<document id>\n<index path>\n..." (moves within the app).
inline const QString kModulePathsMimeType = QStringLiteral("application/x-modulelab-module-paths");
// Copies of nodes (clipboard, drags between documents): named project JSON fragments.
inline const QString kModulesMimeType = QStringLiteral("application/x-modulelab-modules");

using NamedModules = std::vector<std::pair<std::string, std::unique_ptr<ml::Module>>>;

QMimeData* paletteMimeData(const QString& typeName);
// Paths (for moves in the same document), copies (for pasting anywhere) and print(model) text.
QMimeData* modulesMimeData(const void* documentId, const std::vector<const ml::Module*>& modules);
void setModulesMimeData(QMimeData* data, const void* documentId, const std::vector<const ml::Module*>& modules);
bool decodeModulePaths(const QMimeData* data, const void* documentId, std::vector<IndexPath>& paths);
NamedModules decodeModules(const QMimeData* data);

} // namespace ml::ui
