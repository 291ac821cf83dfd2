#pragma once

#include "app/document/indexpath.h"

#include <QAbstractItemModel>
#include <QIcon>

#include <memory>
#include <set>
#include <string>
#include <unordered_map>

namespace ml {
class Module;
}

namespace ml::ui {

class Document;

// The document's module tree: one top-level row (the model itself), columns name, type, input
// shape, output shape, params, mult-adds from the latest analysis. Edits (rename, drops) only
// build and push undo commands; the structural methods below are called by those commands.
class ModuleTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, TypeColumn, InputColumn, OutputColumn, ParamsColumn, MultAddsColumn, ColumnCount };
    enum Role { DottedPathRole = Qt::UserRole + 1, IndexPathRole };

    explicit ModuleTreeModel(Document* document);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;
    // Pushes a removal; rows a move drop just placed here are not removed again (QAbstractItemView
    // calls this on the source after a MoveAction drop).
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

    QModelIndex indexOf(const ml::Module* module, int column = 0) const;
    ml::Module* moduleOf(const QModelIndex& index) const;

    // ---- structure, for undo commands through Document --------------------------------
    ml::Module* insertModule(ml::Module* parent, int index, const std::string& name, std::unique_ptr<ml::Module> m);
    std::unique_ptr<ml::Module> takeModule(ml::Module* parent, int index);
    void moveModule(ml::Module* module, ml::Module* target, int toIndex, const std::string& name);
    void renameModule(ml::Module* module, const std::string& name);
    void moduleDataChanged(ml::Module* module);
    void beginResetDocument();
    void endResetDocument();

signals:
    // A rename or drop was refused; the reason is for the status bar.
    void editRefused(const QString& reason);

private:
    void childNamesChanged(ml::Module* parent, int from);
    void analysisChanged();
    void emitDataChangedBelow(ml::Module* module);
    QString displayName(const ml::Module* module) const;

    Document* m_document;
    std::set<IndexPath> m_justMoved; // destinations of the latest move drop
    // Names of positional children as last reported: renumbering after an insertion or removal
    // is announced by dataChanged once the rows are in place, so that rows keep their data
    // while rowsInserted/rowsRemoved are being handled.
    mutable std::unordered_map<const ml::Module*, QString> m_positionNames;
    QIcon m_errorIcon, m_warningIcon, m_errorInsideIcon, m_warningInsideIcon;
};

} // namespace ml::ui
