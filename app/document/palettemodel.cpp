#include "app/document/palettemodel.h"

#include "app/document/mimeformats.h"
#include "engine/layer.h"

#include <QMimeData>

namespace ml::ui {

// Internal ids: 0 for a group row, group index + 1 for an entry row.
PaletteModel::PaletteModel(QObject* parent)
    : QAbstractItemModel(parent)
{
    const QStringList order{"Containers", "Convolution", "Normalization", "Linear", "Activation", "Pooling",
                            "Reshape", "Regularization"};
    for (const QString& g : order)
        m_groups.push_back({g, {}});
    m_groups[0].entries = {{"Module", "A custom nn.Module subclass with its own forward()"},
                           {"Sequential", "nn.Sequential: calls its children in order"},
                           {"ModuleList", "nn.ModuleList: registers its children, forward() decides how to call them"},
                           {"ModuleDict", "nn.ModuleDict: registers its children under string keys"}};
    for (const ml::LayerSchema* schema : ml::layerRegistry()) {
        const QString group = QString::fromUtf8(schema->group.data(), static_cast<qsizetype>(schema->group.size()));
        auto it = std::find_if(m_groups.begin(), m_groups.end(), [&](const Group& g) { return g.name == group; });
        if (it == m_groups.end())
            it = m_groups.insert(m_groups.end(), Group{group, {}});
        QStringList args;
        for (const ml::ArgSpec& a : schema->args)
            args << QString::fromUtf8(a.name.data(), static_cast<qsizetype>(a.name.size()));
        const QString name = QString::fromUtf8(schema->typeName.data(), static_cast<qsizetype>(schema->typeName.size()));
        it->entries.push_back({name, QStringLiteral("nn.%1(%2)").arg(name, args.join(QStringLiteral(", ")))});
    }
    std::erase_if(m_groups, [](const Group& g) { return g.entries.empty(); });
}

QModelIndex PaletteModel::index(int row, int column, const QModelIndex& parent) const
{
    if (column != 0 || row < 0)
        return {};
    if (!parent.isValid())
        return row < static_cast<int>(m_groups.size()) ? createIndex(row, 0, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= static_cast<int>(m_groups.size()))
        return {};
    const auto& g = m_groups[static_cast<size_t>(parent.row())];
    return row < static_cast<int>(g.entries.size()) ? createIndex(row, 0, quintptr(parent.row() + 1)) : QModelIndex();
}

QModelIndex PaletteModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, quintptr(0));
}

int PaletteModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_groups.size());
    if (parent.column() != 0 || parent.internalId() != 0)
        return 0;
    return static_cast<int>(m_groups[static_cast<size_t>(parent.row())].entries.size());
}

int PaletteModel::columnCount(const QModelIndex&) const
{
    return 1;
}

QVariant PaletteModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (index.internalId() == 0) {
        const Group& g = m_groups[static_cast<size_t>(index.row())];
        return role == Qt::DisplayRole ? QVariant(g.name) : QVariant();
    }
    const Entry& e = m_groups[index.internalId() - 1].entries[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TypeNameRole:
        return e.typeName;
    case Qt::ToolTipRole:
        return e.help + QStringLiteral("\nDrag into the tree, or double-click to insert after the selection.");
    }
    return {};
}

Qt::ItemFlags PaletteModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    if (index.internalId() == 0)
        return Qt::ItemIsEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled;
}

QStringList PaletteModel::mimeTypes() const
{
    return {kPaletteMimeType};
}

QMimeData* PaletteModel::mimeData(const QModelIndexList& indexes) const
{
    for (const QModelIndex& i : indexes)
        if (i.isValid() && i.internalId() != 0)
            return paletteMimeData(data(i, TypeNameRole).toString());
    return nullptr;
}

Qt::DropActions PaletteModel::supportedDragActions() const
{
    return Qt::CopyAction;
}

} // namespace ml::ui
