#pragma once

#include <QAbstractItemModel>
#include <QString>
#include <QStringList>

#include <vector>

namespace ml::ui {

// Every engine layer grouped by LayerSchema::group, plus the containers: two levels (group,
// entry). Entries drag as kPaletteMimeType.
class PaletteModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Role { TypeNameRole = Qt::UserRole + 1 };
    explicit PaletteModel(QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDragActions() const override;

private:
    struct Entry {
        QString typeName;
        QString help;
    };
    struct Group {
        QString name;
        std::vector<Entry> entries;
    };
    std::vector<Group> m_groups;
};

} // namespace ml::ui
