#include "app/document/moduleeditor.h"

#include "app/document/commands/changeforward.h"
#include "app/document/commands/changeinputshape.h"
#include "app/document/commands/changelayerarg.h"
#include "app/document/commands/insertmodule.h"
#include "app/document/commands/movemodule.h"
#include "app/document/commands/removemodule.h"
#include "app/document/commands/renamemodule.h"
#include "app/document/document.h"
#include "app/document/forwardtext.h"
#include "engine/layer.h"

#include <QCoreApplication>
#include <QUndoStack>

#include <algorithm>

namespace ml::ui {

std::unique_ptr<ml::Module> createPaletteModule(const QString& typeName)
{
    const std::string t = typeName.toStdString();
    if (t == "Module") {
        auto m = std::make_unique<ml::CustomModule>("Block");
        m->program().body.push_back(returnStatement("x"));
        return m;
    }
    if (t == "Sequential")
        return ml::makeContainer(ml::ModuleKind::Sequential);
    if (t == "ModuleList")
        return ml::makeContainer(ml::ModuleKind::ModuleList);
    if (t == "ModuleDict")
        return ml::makeContainer(ml::ModuleKind::ModuleDict);
    return ml::createExampleLayer(t);
}

static std::string lowerTypeName(const ml::Module& m)
{
    std::string s = m.typeName();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

QString ModuleEditor::insertNew(const QString& typeName, const IndexPath& parent, int index)
{
    auto module = createPaletteModule(typeName);
    if (!module)
        return QStringLiteral("unknown module type '%1'").arg(typeName);
    NamedModules list;
    std::string name = lowerTypeName(*module);
    list.emplace_back(std::move(name), std::move(module));
    return insertModules(std::move(list), parent, index, QStringLiteral("Insert %1").arg(typeName));
}

QString ModuleEditor::insertModules(NamedModules modules, const IndexPath& parent, int index, const QString& text)
{
    ml::Module* p = m_document->moduleAt(parent);
    if (!p)
        return QStringLiteral("the target no longer exists");
    if (!p->isContainer())
        return QStringLiteral("a %1 layer cannot contain modules; drop onto a container")
            .arg(QString::fromStdString(p->typeName()));
    if (modules.empty())
        return QStringLiteral("nothing to insert");
    if (index < 0 || index > p->childCount())
        index = p->childCount();
    auto* macro = new QUndoCommand(text);
    // Names are chosen against the children present when each lands, so several pastes get
    // distinct names.
    std::vector<std::string> taken;
    for (auto& [name, module] : modules) {
        std::string chosen = Document::freeChildName(*p, name, *module);
        for (int n = 1; !chosen.empty() && std::find(taken.begin(), taken.end(), chosen) != taken.end(); ++n)
            chosen = Document::freeChildName(*p, name + std::to_string(n), *module);
        taken.push_back(chosen);
        new InsertModule(m_document, parent, index++, chosen, std::move(module), macro);
    }
    if (macro->childCount() == 1)
        macro->setText(macro->child(0)->text());
    m_document->undoStack()->push(macro);
    return {};
}

QString ModuleEditor::remove(std::vector<IndexPath> paths)
{
    std::erase_if(paths, [](const IndexPath& p) { return p.empty(); });
    if (paths.empty())
        return QStringLiteral("the model itself cannot be removed");
    // Drop nodes inside other removed nodes, then remove from the back so paths stay valid.
    std::sort(paths.begin(), paths.end());
    std::vector<IndexPath> kept;
    for (const IndexPath& p : paths)
        if (kept.empty() || !(p.size() > kept.back().size() && std::equal(kept.back().begin(), kept.back().end(), p.begin())))
            kept.push_back(p);
    auto* macro = new QUndoCommand;
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
        if (!m_document->moduleAt(*it)) {
            delete macro;
            return QStringLiteral("a selected node no longer exists");
        }
        new RemoveModule(m_document, *it, macro);
    }
    macro->setText(macro->childCount() == 1 ? macro->child(0)->text() : QStringLiteral("Remove %1 modules").arg(macro->childCount()));
    m_document->undoStack()->push(macro);
    return {};
}

QString ModuleEditor::dropProblem(const ml::Module* parent, const std::vector<const ml::Module*>& moving)
{
    if (!parent)
        return QStringLiteral("there is no module here to drop into");
    if (!parent->isContainer())
        return QStringLiteral("%1 is a layer: it cannot contain modules").arg(QString::fromStdString(parent->typeName()));
    for (const ml::Module* m : moving) {
        for (const ml::Module* a = parent; a; a = a->parent()) {
            if (a == m)
                return a == parent ? QStringLiteral("a module cannot be moved into itself")
                                   : QStringLiteral("a module cannot be moved into one of its own children");
        }
    }
    return {};
}

QString ModuleEditor::move(const std::vector<IndexPath>& paths, const IndexPath& parentPath, int index)
{
    ml::Module* parent = m_document->moduleAt(parentPath);
    std::vector<const ml::Module*> moving;
    for (const IndexPath& p : paths) {
        const ml::Module* m = m_document->moduleAt(p);
        if (!m || p.empty())
            return QStringLiteral("the model itself cannot be moved");
        moving.push_back(m);
    }
    if (QString problem = dropProblem(parent, moving); !problem.isEmpty())
        return problem;
    // Keep only the outermost nodes; remember the sibling to land before.
    std::erase_if(moving, [&](const ml::Module* m) {
        for (const ml::Module* a = m->parent(); a; a = a->parent())
            if (std::find(moving.begin(), moving.end(), a) != moving.end())
                return true;
        return false;
    });
    if (index < 0 || index > parent->childCount())
        index = parent->childCount();
    const ml::Module* before = nullptr;
    for (int i = index; i < parent->childCount() && !before; ++i)
        if (std::find(moving.begin(), moving.end(), parent->child(i)) == moving.end())
            before = parent->child(i);
    auto* macro = new QUndoCommand;
    for (const ml::Module* m : moving) {
        // Each step sees the tree as the previous steps left it.
        const IndexPath from = indexPathOf(m);
        int to = before ? parent->indexOfChild(before) : parent->childCount();
        if (m->parent() == parent && parent->indexOfChild(m) < to)
            --to;
        auto* cmd = new MoveModule(m_document, from, indexPathOf(parent), to, macro);
        cmd->redo();
    }
    // The steps ran while being built; undo them so that push() redoes them as one.
    for (int i = macro->childCount() - 1; i >= 0; --i)
        const_cast<QUndoCommand*>(macro->child(i))->undo();
    macro->setText(macro->childCount() == 1 ? macro->child(0)->text() : QStringLiteral("Move %1 modules").arg(macro->childCount()));
    m_document->undoStack()->push(macro);
    return {};
}

QString ModuleEditor::duplicate(const std::vector<IndexPath>& paths)
{
    if (paths.empty())
        return QStringLiteral("select a module to duplicate");
    m_document->undoStack()->beginMacro(QStringLiteral("Duplicate"));
    QString problem;
    // From the back so earlier paths stay valid.
    std::vector<IndexPath> sorted = paths;
    std::sort(sorted.begin(), sorted.end());
    for (auto it = sorted.rbegin(); it != sorted.rend() && problem.isEmpty(); ++it) {
        const ml::Module* m = m_document->moduleAt(*it);
        if (!m || it->empty()) {
            problem = QStringLiteral("the model itself cannot be duplicated");
            break;
        }
        NamedModules copy;
        copy.emplace_back(m->name(), m->clone());
        IndexPath parent(it->begin(), it->end() - 1);
        problem = insertModules(std::move(copy), parent, it->back() + 1, QStringLiteral("Duplicate"));
    }
    m_document->undoStack()->endMacro();
    return problem;
}

QString ModuleEditor::rename(const IndexPath& path, const QString& name)
{
    ml::Module* m = m_document->moduleAt(path);
    if (!m || !m->parent())
        return QStringLiteral("the model itself has no name in a parent");
    if (QString problem = Document::renameProblem(*m->parent(), path.back(), name); !problem.isEmpty())
        return problem;
    if (m->name() == name.toStdString())
        return {};
    m_document->undoStack()->push(new RenameModule(m_document, path, name.toStdString()));
    return {};
}

QString ModuleEditor::setArg(const IndexPath& path, const QString& arg, const ml::ArgValue& value, bool mergeable)
{
    const auto* layer = dynamic_cast<const ml::Layer*>(m_document->moduleAt(path));
    if (!layer)
        return QStringLiteral("not a layer");
    if (layer->arg(arg.toStdString()) == value)
        return {};
    auto probe = layer->clone();
    if (auto err = static_cast<ml::Layer&>(*probe).setArg(arg.toStdString(), value))
        return QString::fromStdString(*err);
    m_document->undoStack()->push(new ChangeLayerArg(m_document, path, arg.toStdString(), value, mergeable));
    return {};
}

QString ModuleEditor::setInputShape(const ml::Shape& shape)
{
    if (shape.rank() == 0)
        return QStringLiteral("the input shape needs at least one dimension");
    for (int64_t d : shape.dims())
        if (d <= 0)
            return QStringLiteral("every dimension of the input shape must be positive");
    if (shape == m_document->inputShape())
        return {};
    m_document->undoStack()->push(new ChangeInputShape(m_document, shape));
    return {};
}

QString ModuleEditor::setForward(const IndexPath& path, ml::ForwardProgram program, bool mergeable, const QString& text)
{
    const auto* custom = dynamic_cast<const ml::CustomModule*>(m_document->moduleAt(path));
    if (!custom)
        return QStringLiteral("only a custom Module has a forward program");
    if (custom->program() == program)
        return {};
    m_document->undoStack()->push(new ChangeForward(m_document, path, std::move(program), mergeable, text));
    return {};
}

void ModuleEditor::insertionPoint(const IndexPath* selection, IndexPath& parent, int& index) const
{
    const ml::Module* m = selection ? m_document->moduleAt(*selection) : nullptr;
    if (!m) {
        parent = {};
        index = m_document->root()->childCount();
    } else if (m->isContainer()) {
        parent = *selection;
        index = m->childCount();
    } else {
        parent.assign(selection->begin(), selection->end() - 1);
        index = selection->back() + 1;
    }
}

} // namespace ml::ui
