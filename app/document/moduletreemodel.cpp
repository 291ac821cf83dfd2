#include "app/document/moduletreemodel.h"

#include "app/document/document.h"
#include "app/document/mimeformats.h"
#include "app/document/moduleeditor.h"
#include "engine/analysis/summary.h"
#include "engine/module.h"

#include <QBrush>
#include <QFont>
#include <QColor>
#include <QGuiApplication>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>
#include <QUndoStack>

namespace ml::ui {

static QIcon statusIcon(const QColor& color, bool hollow)
{
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color, 2));
    p.setBrush(hollow ? QBrush(Qt::NoBrush) : QBrush(color));
    p.drawEllipse(QRectF(3, 3, 10, 10));
    if (!hollow) {
        p.setPen(QPen(Qt::white, 2));
        p.drawLine(QPointF(8, 5.5), QPointF(8, 8.5));
        p.drawPoint(QPointF(8, 11));
    }
    return QIcon(pixmap);
}

ModuleTreeModel::ModuleTreeModel(Document* document)
    : QAbstractItemModel(document)
    , m_document(document)
{
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance())) {
        m_errorIcon = statusIcon(QColor(0xd0, 0x30, 0x30), false);
        m_warningIcon = statusIcon(QColor(0xe0, 0x9a, 0x10), false);
        m_errorInsideIcon = statusIcon(QColor(0xd0, 0x30, 0x30), true);
        m_warningInsideIcon = statusIcon(QColor(0xe0, 0x9a, 0x10), true);
    }
    connect(document, &Document::analysisUpdated, this, &ModuleTreeModel::analysisChanged);
    connect(document->undoStack(), &QUndoStack::indexChanged, this, [this] { m_justMoved.clear(); });
}

ml::Module* ModuleTreeModel::moduleOf(const QModelIndex& index) const
{
    return index.isValid() ? static_cast<ml::Module*>(index.internalPointer()) : nullptr;
}

QModelIndex ModuleTreeModel::indexOf(const ml::Module* module, int column) const
{
    if (!module)
        return {};
    const int row = module->parent() ? module->parent()->indexOfChild(module) : 0;
    return createIndex(row, column, const_cast<ml::Module*>(module));
}

QModelIndex ModuleTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row == 0 && m_document->root() ? createIndex(0, column, m_document->root()) : QModelIndex();
    ml::Module* p = moduleOf(parent);
    if (parent.column() != 0 || row >= p->childCount())
        return {};
    return createIndex(row, column, p->child(row));
}

QModelIndex ModuleTreeModel::parent(const QModelIndex& child) const
{
    ml::Module* m = moduleOf(child);
    return m && m->parent() ? indexOf(m->parent()) : QModelIndex();
}

int ModuleTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return m_document->root() ? 1 : 0;
    return parent.column() == 0 ? moduleOf(parent)->childCount() : 0;
}

int ModuleTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

static QString number(int64_t v)
{
    return QString::fromStdString(ml::withThousands(v));
}

namespace {

// Whether the value shown in `column` was computed after the first error (as if it were fixed):
// every value of a node first called after it, the output of the failing layer and its callers.
bool assumedAt(const ml::NodeInfo* info, int column)
{
    if (!info || !info->assumed())
        return false;
    if (column == ModuleTreeModel::NameColumn)
        return info->afterError;
    if (column == ModuleTreeModel::InputColumn)
        return info->afterError;
    return column == ModuleTreeModel::OutputColumn || column == ModuleTreeModel::MultAddsColumn;
}

} // namespace

QVariant ModuleTreeModel::data(const QModelIndex& index, int role) const
{
    const ml::Module* m = moduleOf(index);
    if (!m)
        return {};
    const NodeInfo* info = m_document->analysis().info(m);
    const NodeStatus* status = m_document->status(m);
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case NameColumn:
            return displayName(m);
        case TypeColumn:
            return QString::fromStdString(m->typeName()) +
                   (m->kind() == ml::ModuleKind::PlainList ? QStringLiteral(" (plain list)") : QString());
        case InputColumn:
            return info && info->inputShape ? QString::fromStdString(info->inputShape->toString()) : QStringLiteral("–");
        case OutputColumn: {
            if (info && !info->outputShapes.empty()) { // a tuple of tensors: every one
                QStringList shapes;
                for (const std::optional<ml::Shape>& s : info->outputShapes)
                    shapes << (s ? QString::fromStdString(s->toString()) : QStringLiteral("None"));
                return shapes.join(QStringLiteral(", "));
            }
            return info && info->outputShape ? QString::fromStdString(info->outputShape->toString()) : QStringLiteral("–");
        }
        case ParamsColumn: {
            auto p = m_document->params(m);
            return p ? number(*p) : QStringLiteral("not registered");
        }
        case MultAddsColumn:
            // As the summary table (torchinfo): a layer's own count; containers count nothing themselves.
            return info && m->kind() == ml::ModuleKind::Layer ? number(info->multAdds) : QStringLiteral("–");
        }
        break;
    case Qt::DecorationRole:
        if (index.column() != NameColumn || !status)
            return {};
        if (status->ownErrors)
            return m_errorIcon;
        if (status->ownWarnings)
            return m_warningIcon;
        if (status->errorInside)
            return m_errorInsideIcon;
        if (status->warningInside)
            return m_warningInsideIcon;
        return {};
    case Qt::ToolTipRole: {
        QStringList lines;
        if (status) {
            lines = status->messages;
            if (status->errorInside)
                lines << QStringLiteral("Something inside this module has an error.");
            else if (status->warningInside)
                lines << QStringLiteral("Something inside this module has a warning.");
        }
        if (!m->isRegistered())
            lines << QStringLiteral("Inside a plain Python list: PyTorch does not register this module.");
        if (assumedAt(info, index.column())) // "shapes after the first error assume it is fixed; ..."
            lines << QString::fromStdString(ml::afterErrorNote(m_document->analysis()).substr(2)) + QLatin1Char('.');
        if (lines.isEmpty() && index.column() == TypeColumn)
            return QString::fromStdString(ml::repr(*m)).left(2000);
        return lines.isEmpty() ? QVariant() : QVariant(lines.join(QLatin1Char('\n')));
    }
    case Qt::ForegroundRole:
        if (!m->isRegistered())
            return QBrush(QColor(0x88, 0x88, 0x88));
        if (index.column() == OutputColumn && info && info->failed)
            return QBrush(QColor(0xc0, 0x20, 0x20));
        if (assumedAt(info, index.column()))
            return QBrush(QColor(0x88, 0x88, 0x88));
        return {};
    case Qt::FontRole:
        if (assumedAt(info, index.column())) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= ParamsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case DottedPathRole:
        return QString::fromStdString(m->path());
    case IndexPathRole:
        return indexPathToString(indexPathOf(m));
    }
    return {};
}

QVariant ModuleTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[] = {"Name", "Type", "Input shape", "Output shape", "Params", "Mult-adds"};
    return section >= 0 && section < ColumnCount ? QString::fromLatin1(names[section]) : QVariant();
}

Qt::ItemFlags ModuleTreeModel::flags(const QModelIndex& index) const
{
    const ml::Module* m = moduleOf(index);
    if (!m)
        return Qt::ItemIsDropEnabled;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (m->parent())
        f |= Qt::ItemIsDragEnabled;
    if (m->isContainer())
        f |= Qt::ItemIsDropEnabled;
    if (index.column() == NameColumn && m->parent() && !m->parent()->namesArePositions())
        f |= Qt::ItemIsEditable;
    return f;
}

bool ModuleTreeModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || index.column() != NameColumn || !moduleOf(index))
        return false;
    const QString problem = ModuleEditor(m_document).rename(indexPathOf(moduleOf(index)), value.toString());
    if (!problem.isEmpty()) {
        emit editRefused(QStringLiteral("Cannot rename: %1").arg(problem));
        return false;
    }
    return true;
}

QStringList ModuleTreeModel::mimeTypes() const
{
    return {kPaletteMimeType, kModulePathsMimeType, kModulesMimeType};
}

QMimeData* ModuleTreeModel::mimeData(const QModelIndexList& indexes) const
{
    std::vector<const ml::Module*> modules;
    for (const QModelIndex& i : indexes) {
        const ml::Module* m = moduleOf(i);
        if (m && m->parent() && std::find(modules.begin(), modules.end(), m) == modules.end())
            modules.push_back(m);
    }
    if (modules.empty())
        return nullptr;
    return modulesMimeData(m_document, modules);
}

Qt::DropActions ModuleTreeModel::supportedDropActions() const
{
    return Qt::CopyAction | Qt::MoveAction;
}

Qt::DropActions ModuleTreeModel::supportedDragActions() const
{
    return Qt::CopyAction | Qt::MoveAction;
}

bool ModuleTreeModel::canDropMimeData(const QMimeData* data, Qt::DropAction action, int, int,
                                      const QModelIndex& parent) const
{
    const ml::Module* target = moduleOf(parent);
    if (!target || !data)
        return false;
    if (data->hasFormat(kPaletteMimeType) || data->hasFormat(kModulesMimeType)) {
        std::vector<IndexPath> paths;
        std::vector<const ml::Module*> moving;
        if (action == Qt::MoveAction && decodeModulePaths(data, m_document, paths))
            for (const IndexPath& p : paths)
                moving.push_back(m_document->moduleAt(p));
        return ModuleEditor::dropProblem(target, moving).isEmpty();
    }
    return false;
}

bool ModuleTreeModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int,
                                   const QModelIndex& parent)
{
    m_justMoved.clear();
    if (action == Qt::IgnoreAction)
        return true;
    ml::Module* target = moduleOf(parent);
    if (!data || !target) {
        emit editRefused(QStringLiteral("Drop refused: drop onto the model or one of its containers"));
        return false;
    }
    ModuleEditor editor(m_document);
    const IndexPath targetPath = indexPathOf(target);
    QString problem;
    if (data->hasFormat(kPaletteMimeType)) {
        problem = ModuleEditor::dropProblem(target, {});
        if (problem.isEmpty())
            problem = editor.insertNew(QString::fromUtf8(data->data(kPaletteMimeType)), targetPath, row);
    } else if (std::vector<IndexPath> paths; action == Qt::MoveAction && decodeModulePaths(data, m_document, paths)) {
        std::vector<const ml::Module*> moving;
        for (const IndexPath& p : paths)
            moving.push_back(m_document->moduleAt(p));
        problem = editor.move(paths, targetPath, row);
        if (problem.isEmpty()) {
            for (const ml::Module* m : moving)
                if (m)
                    m_justMoved.insert(indexPathOf(m));
        }
    } else if (data->hasFormat(kModulesMimeType)) {
        problem = ModuleEditor::dropProblem(target, {});
        if (problem.isEmpty())
            problem = editor.insertModules(decodeModules(data), targetPath, row, QStringLiteral("Drop copy"));
    } else {
        problem = QStringLiteral("nothing ModuleLab can use was dropped");
    }
    if (!problem.isEmpty()) {
        emit editRefused(QStringLiteral("Drop refused: %1").arg(problem));
        return false;
    }
    return true;
}

bool ModuleTreeModel::removeRows(int row, int count, const QModelIndex& parent)
{
    ml::Module* p = moduleOf(parent);
    if (!p || row < 0 || count <= 0 || row + count > p->childCount())
        return false;
    std::vector<IndexPath> paths;
    bool allJustMoved = !m_justMoved.empty();
    for (int i = row; i < row + count; ++i) {
        IndexPath path = indexPathOf(p->child(i));
        allJustMoved = allJustMoved && m_justMoved.count(path);
        paths.push_back(std::move(path));
    }
    if (allJustMoved) {
        // The view's clean-up after our own move drop: the nodes already left their source.
        for (const IndexPath& path : paths)
            m_justMoved.erase(path);
        return true;
    }
    return ModuleEditor(m_document).remove(std::move(paths)).isEmpty();
}

// ---- structure ------------------------------------------------------------------------------

ml::Module* ModuleTreeModel::insertModule(ml::Module* parent, int index, const std::string& name,
                                          std::unique_ptr<ml::Module> m)
{
    beginInsertRows(indexOf(parent), index, index);
    ml::Module* inserted = parent->insertChild(index, name, std::move(m));
    endInsertRows();
    childNamesChanged(parent, index);
    return inserted;
}

std::unique_ptr<ml::Module> ModuleTreeModel::takeModule(ml::Module* parent, int index)
{
    beginRemoveRows(indexOf(parent), index, index);
    auto taken = parent->takeChild(index);
    endRemoveRows();
    m_positionNames.erase(taken.get());
    childNamesChanged(parent, index);
    return taken;
}

void ModuleTreeModel::moveModule(ml::Module* module, ml::Module* target, int toIndex, const std::string& name)
{
    ml::Module* source = module->parent();
    const int from = source->indexOfChild(module);
    if (source == target && from == toIndex) {
        if (!source->namesArePositions() && module->name() != name)
            renameModule(module, name);
        return;
    }
    const int destination = (source == target && toIndex > from) ? toIndex + 1 : toIndex;
    const bool moving = beginMoveRows(indexOf(source), from, from, indexOf(target), destination);
    if (!moving)
        beginResetModel();
    auto taken = source->takeChild(from);
    target->insertChild(toIndex, name, std::move(taken));
    if (moving)
        endMoveRows();
    else
        endResetModel();
    childNamesChanged(source, 0);
    if (target != source)
        childNamesChanged(target, 0);
}

void ModuleTreeModel::renameModule(ml::Module* module, const std::string& name)
{
    ml::Module* parent = module->parent();
    parent->renameChild(parent->indexOfChild(module), name);
    const QModelIndex i = indexOf(module);
    emit dataChanged(i, i, {Qt::DisplayRole, Qt::EditRole});
}

void ModuleTreeModel::moduleDataChanged(ml::Module* module)
{
    emit dataChanged(indexOf(module, 0), indexOf(module, ColumnCount - 1));
}

void ModuleTreeModel::beginResetDocument()
{
    beginResetModel();
}

void ModuleTreeModel::endResetDocument()
{
    m_justMoved.clear();
    m_positionNames.clear();
    endResetModel();
}

QString ModuleTreeModel::displayName(const ml::Module* m) const
{
    if (!m->parent())
        return QStringLiteral("model");
    if (!m->parent()->namesArePositions())
        return QString::fromStdString(m->name());
    auto it = m_positionNames.find(m);
    if (it == m_positionNames.end())
        it = m_positionNames.emplace(m, QString::fromStdString(m->name())).first;
    return it->second;
}

void ModuleTreeModel::childNamesChanged(ml::Module* parent, int from)
{
    for (int i = std::max(from, 0); i < parent->childCount(); ++i)
        m_positionNames.erase(parent->child(i));
    if (from < parent->childCount())
        emit dataChanged(indexOf(parent->child(from)), indexOf(parent->child(parent->childCount() - 1)),
                         {Qt::DisplayRole, Qt::EditRole});
}

void ModuleTreeModel::emitDataChangedBelow(ml::Module* module)
{
    if (module->childCount() == 0)
        return;
    emit dataChanged(indexOf(module->child(0)), indexOf(module->child(module->childCount() - 1), ColumnCount - 1));
    for (const auto& c : module->children())
        emitDataChangedBelow(c.module.get());
}

void ModuleTreeModel::analysisChanged()
{
    ml::Module* root = m_document->root();
    if (!root)
        return;
    emit dataChanged(indexOf(root), indexOf(root, ColumnCount - 1));
    emitDataChangedBelow(root);
}

} // namespace ml::ui
