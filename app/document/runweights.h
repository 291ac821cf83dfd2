#pragma once

#include "engine/io/weights.h"
#include "engine/modelfile.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <optional>

namespace ml { class Module; }

namespace ml::ui {

class Document;

// The weights of the document's layers and where they came from: a file, training, or
// PyTorch's initialisation from a seed (drawn when first needed, so that big models open fast).
//
// Weights are data, not structure: loading or re-initialising them changes the tensors of the
// document's layers but is not an edit of the model, so it is not on the undo stack (undoing a
// structural edit must not silently swap the weights back). Their origin is always shown.
class RunWeights : public QObject {
    Q_OBJECT
public:
    explicit RunWeights(Document* document, QObject* parent = nullptr);

    QString source() const { return m_source; }
    uint64_t seed() const { return m_seed; }

    // All or nothing; a file or a Qt resource. The report lists every mismatch.
    ml::StateDictReport load(const QString& path);
    std::optional<QString> save(const QString& path);
    void reinitialise(uint64_t seed);
    // Someone else (training) gave the layers new weights.
    void replaced(const QString& source);
    // A new model: its weights are random from the seed until a file gives others.
    void resetToRandom();
    // The weights a model file names (`extras`), or NAME.safetensors / NAME.weights.safetensors
    // / NAME.pth / NAME.pt next to it: the first that exists is loaded. False if none was found.
    bool loadShipped(const QString& modelPath, const ml::ModelFileExtras& extras);

    // Whether any layer has weights yet.
    bool any() const;
    // Gives layers without weights PyTorch's initialisation from the seed: all of them as
    // PyTorch initialises a new model, or only those edited since. Returns how many.
    int fillMissing();
    // A run drew the weights in its worker on `snapshot`, a clone of the unchanged tree: keep them.
    void adoptDrawn(const ml::Module& snapshot);

signals:
    void sourceChanged(const QString& source);
    void message(const QString& text);

private:
    void setSource(const QString& source);
    void sayWhenTheCodesInitialisationLapsed();

    Document* m_document;
    uint64_t m_seed = 0; // before m_source, which names it
    QString m_source;
};

} // namespace ml::ui
