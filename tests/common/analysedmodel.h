#pragma once

// Tests' one way to load a model and analyse one forward pass: from a model file, or from
// Python source written to a temporary file under the usual imports. A file that cannot be
// read ends the test program with its located message.
#include "engine/analysis/analysis.h"
#include "engine/modelfile.h"

#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QtGlobal>

#include <memory>
#include <optional>
#include <variant>

namespace ml::test {

struct AnalysedModel {
    std::unique_ptr<Module> root;
    Shape input;
    Analysis analysis;

    void analyse() { analysis = analyze(*root, input); }
};

// Analysed on `input`, else on the file's "# input:" shape, else on [1, 1, 28, 28].
inline AnalysedModel loadAnalysed(const QString& file, std::optional<Shape> input = std::nullopt)
{
    auto r = loadModelFile(file.toStdString());
    if (auto* e = std::get_if<ParseError>(&r))
        qFatal("%s", e->toString().c_str());
    LoadedModel& loaded = std::get<LoadedModel>(r);
    if (!loaded.root)
        qFatal("%s holds no model", qPrintable(file));
    AnalysedModel m{std::move(loaded.root), input.value_or(loaded.inputShape.value_or(Shape{1, 1, 28, 28})), {}};
    m.analyse();
    return m;
}

// `body` (classes and `model = ...`) after "import torch", "import torch.nn as nn" and
// "import torch.nn.functional as F", in a file of its own.
inline AnalysedModel loadAnalysedSource(const QString& body, std::optional<Shape> input = std::nullopt)
{
    static QTemporaryDir dir;
    static int n = 0;
    const QString path = dir.filePath(QStringLiteral("model%1.py").arg(++n));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n");
    f.write(body.toUtf8());
    f.close();
    return loadAnalysed(path, input);
}

} // namespace ml::test
