#pragma once

#include "app/document/indexpath.h"
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/argvalue.h"
#include "engine/diagnostic.h"
#include "engine/modelfile.h"
#include "engine/module.h"
#include "engine/program.h"
#include "engine/shape.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

class QTimer;
class QUndoStack;

namespace ml::ui {

class ModuleTreeModel;

// What the latest analysis says about one node, for icons and tooltips.
struct NodeStatus {
    int ownErrors = 0;
    int ownWarnings = 0;
    QStringList messages;     // this node's diagnostics
    bool errorInside = false; // some descendant has an error
    bool warningInside = false;
};

// The edited model: the module tree, the input shape it is analysed with, its file, the undo
// stack every edit goes through and the latest analysis. Mutators are called by undo commands;
// structural ones go through the tree model so that views see begin/end notifications.
class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    ml::Module* root() const { return m_root.get(); }
    const ml::Shape& inputShape() const { return m_inputShape; }
    QString filePath() const { return m_filePath; }
    // What the window title names: the file, or the example or imported code the model came
    // from ("net_sequential.py (example)"); empty for a new model.
    QString displayName() const;
    void setFilePath(const QString& path);
    QUndoStack* undoStack() const { return m_undoStack; }
    ModuleTreeModel* treeModel() const { return m_treeModel; }

    // Replaces the whole document (New, Open, Import); clears the undo stack. `extras` are the
    // weights file and normalisation the model's file names (its input shape is `input`).
    // `extrasSource` is the file (or resource) they were read from, the place to find the
    // weights beside it.
    void reset(std::unique_ptr<ml::Module> root, ml::Shape input, const QString& filePath,
               std::vector<ml::Diagnostic> loadDiagnostics = {}, ml::ModelFileExtras extras = {},
               const QString& extrasSource = {});
    // The weights file and image normalisation the opened file names; saving keeps them.
    const ml::ModelFileExtras& fileExtras() const { return m_extras; }
    // The file (or resource) they were read from; empty for new and imported models.
    QString fileExtrasSource() const { return m_extrasSource; }
    // Loads a .mlab project or .py file (also ":/examples/..." resources).
    // `options` choose what Python code builds; `needsChoice` is set when the code builds
    // nothing by itself (the caller asks what to build: python::listModelChoices).
    bool load(const QString& path, QString* error, const ml::ModelLoadOptions& options = {}, bool* needsChoice = nullptr);
    // The same on the file's text, already read once: the model gets `path` as its file, or,
    // `imported`, is named by it without a file (pasted or imported code).
    bool loadText(const QByteArray& text, const QString& path, QString* error, const ml::ModelLoadOptions& options = {},
                  bool* needsChoice = nullptr, bool imported = false);
    // Imports Python source text (a pasted snippet or a file's content).
    bool importPython(const QString& source, const QString& fileName, QString* error);
    // .py: exported PyTorch code; anything else: a .mlab project. Atomic. Marks the stack clean.
    // The weights of a built-in example (inside the application) are written beside the file,
    // atomically, as NAME.safetensors (or .pth): `note` (may be null) says so.
    bool save(const QString& path, QString* error, QString* note = nullptr);

    ml::Module* moduleAt(const IndexPath& path) const { return moduleAtPath(m_root.get(), path); }
    ml::Module* moduleAtDotted(const QString& dottedPath) const;

    // ---- mutators for undo commands ------------------------------------------------------
    ml::Module* insertModule(const IndexPath& parent, int index, const std::string& name,
                             std::unique_ptr<ml::Module> module);
    std::unique_ptr<ml::Module> takeModule(const IndexPath& path);
    // Moves the node at `from` to position `toIndex` (final index) of `toParent` under `name`.
    ml::Module* moveModule(const IndexPath& from, const IndexPath& toParent, int toIndex, const std::string& name);
    void renameModule(const IndexPath& path, const std::string& name);
    std::optional<std::string> setLayerArg(const IndexPath& path, const std::string& arg, const ml::ArgValue& value);
    void setInputShape(const ml::Shape& shape);
    void setForward(const IndexPath& path, ml::ForwardProgram program);

    // A free child name for `module` in `parent`, starting from `preferred` (empty when the
    // parent names children by position).
    static std::string freeChildName(const ml::Module& parent, const std::string& preferred, const ml::Module& module);
    // Why `name` cannot name the child at `index` of `parent`; empty if it can.
    static QString renameProblem(const ml::Module& parent, int index, const QString& name);

    // ---- the latest analysis ---------------------------------------------------------------
    const ml::Analysis& analysis() const { return m_analysis; }
    const ml::SummaryTotals& totals() const { return m_totals; }
    const std::vector<ml::Diagnostic>& loadDiagnostics() const { return m_loadDiagnostics; }
    std::vector<ml::Diagnostic> diagnostics() const; // load-time, then analysis
    const NodeStatus* status(const ml::Module* m) const;
    std::optional<int64_t> params(const ml::Module* m) const;
    int nodeCount() const { return m_nodeCount; }
    double lastAnalysisMs() const { return m_lastAnalysisMs; }

    void scheduleRefresh(); // coalesced: one analysis per event-loop turn
    void refreshNow();

signals:
    void documentReset();
    void modified();               // after any edit, before the analysis refresh
    void moduleChanged(ml::Module* module); // arguments or forward of this node changed
    void analysisUpdated();
    void filePathChanged(const QString& path);

private:
    std::unique_ptr<ml::Module> m_root;
    ml::Shape m_inputShape;
    QString m_filePath;
    QString m_origin; // the example or imported file name of a model without a file path
    QString m_nextOrigin;
    std::vector<ml::Diagnostic> m_loadDiagnostics;
    ml::ModelFileExtras m_extras;
    QString m_extrasSource;
    QUndoStack* m_undoStack;
    ModuleTreeModel* m_treeModel;
    QTimer* m_refreshTimer;

    ml::Analysis m_analysis;
    ml::SummaryTotals m_totals;
    std::unordered_map<const ml::Module*, NodeStatus> m_status;
    std::unordered_map<const ml::Module*, int64_t> m_params;
    int m_nodeCount = 0;
    double m_lastAnalysisMs = 0;
};

} // namespace ml::ui
