#pragma once

#include "engine/diagnostic.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/shape.h"

#include <QString>

#include <optional>
#include <variant>

class QByteArray;

namespace ml::ui {

// A model read by the engine's one loader: its tree, input shape, import findings, and a
// project's weights path and normalisation.
using LoadedModel = ml::LoadedModel;

// The engine's loader on text already read: JSON projects start with '{', everything else is
// PyTorch code. `fileName` names it in messages and locates the project's weights.
// `options` choose what Python code builds (a class, factory or model variable, its arguments).
std::variant<LoadedModel, ml::ParseError> readModelText(const QByteArray& text, const QString& fileName,
                                                        const ml::ModelLoadOptions& options = {});
// The bytes of a file or a Qt resource (":/examples/net.py"), read once (size-limited), or the
// located reason it cannot be read.
std::variant<QByteArray, ml::ParseError> readModelSource(const QString& path);
// Reads a file or a Qt resource and loads it as readModelText does.
std::variant<LoadedModel, ml::ParseError> readModelFile(const QString& path, const ml::ModelLoadOptions& options = {});

// The weights that come with a model file (or resource): the file its extras name, else
// NAME.safetensors, NAME.weights.safetensors, NAME.pth or NAME.pt beside NAME.py/.mlab; the
// first that exists, or empty. `named` (may be null) gets the named file that does not exist.
QString shippedWeightsFile(const QString& modelPath, const ml::ModelFileExtras& extras, QString* missingNamed = nullptr);

// The model as PyTorch code (with a '# input:' line), as the exporter writes it.
QString pythonCode(const ml::Module& root, const ml::Shape& input);

// The engine's atomic writer: .py as PyTorch code, anything else as a .mlab project, with the
// input shape, weights and normalisation of `extras`. Error message or nullopt.
std::optional<QString> writeModelFile(const ml::Module& root, const ml::ModelFileExtras& extras, const QString& path);

} // namespace ml::ui
