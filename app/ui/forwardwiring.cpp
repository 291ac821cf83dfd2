#include "app/ui/forwardwiring.h"

#include "app/document/document.h"
#include "app/document/forwardtext.h"
#include "app/document/mimeformats.h"
#include "app/document/moduleeditor.h"
#include "engine/module.h"

#include <QMimeData>
#include <QStringList>
#include <QUndoStack>

#include <algorithm>
#include <variant>
#include <vector>

namespace ml::ui {

namespace {

bool mentions(const ml::Expr& e, const std::string& child)
{
    if (e.kind == ml::Expr::Kind::Attr && e.text == child && !e.items.empty() && e.items[0].kind == ml::Expr::Kind::Name
        && e.items[0].text == "self")
        return true;
    return std::any_of(e.items.begin(), e.items.end(), [&](const ml::Expr& i) { return mentions(i, child); })
           || std::any_of(e.keywords.begin(), e.keywords.end(), [&](const auto& k) { return mentions(k.second, child); });
}

bool mentions(const ml::Stmt& s, const std::string& child)
{
    const auto any = [&](const std::vector<ml::Stmt>& body) {
        return std::any_of(body.begin(), body.end(), [&](const ml::Stmt& b) { return mentions(b, child); });
    };
    return mentions(s.value, child) || mentions(s.target, child) || any(s.body) || any(s.orelse);
}

// Before the final return (the end when forward has none).
int endRow(const ml::ForwardProgram& p)
{
    const int n = static_cast<int>(p.body.size());
    return n > 0 && p.body.back().kind == ml::Stmt::Kind::Return ? n - 1 : n;
}

QString variableOf(const ml::ForwardProgram& p)
{
    return p.params.empty() ? QStringLiteral("x") : QString::fromStdString(p.params.front());
}

// `program` with the statements of `calls` (Python source each) inserted before `row`.
std::variant<ml::ForwardProgram, QString> withCalls(ml::ForwardProgram program, const QStringList& calls, int row)
{
    QString source = QStringLiteral("def forward(self, %1):\n").arg(variableOf(program));
    for (const QString& call : calls)
        for (const QString& line : call.split(QLatin1Char('\n')))
            source += QStringLiteral("    ") + line + QLatin1Char('\n');
    auto parsed = parseForwardText(source);
    if (const auto* err = std::get_if<ml::ParseError>(&parsed))
        return QString::fromStdString(err->message);
    auto& stmts = std::get<ml::ForwardProgram>(parsed).body;
    row = std::clamp(row, 0, static_cast<int>(program.body.size()));
    program.body.insert(program.body.begin() + row, std::make_move_iterator(stmts.begin()), std::make_move_iterator(stmts.end()));
    return program;
}

QString paletteType(const QMimeData* data)
{
    return data && data->hasFormat(kPaletteMimeType) ? QString::fromUtf8(data->data(kPaletteMimeType)) : QString();
}

bool isBelow(const ml::Module* m, const ml::Module* owner)
{
    for (const ml::Module* a = m ? m->parent() : nullptr; a; a = a->parent())
        if (a == owner)
            return true;
    return false;
}

QString ownerLabel(const ml::Module& owner)
{
    const QString path = QString::fromStdString(owner.path());
    return path.isEmpty() ? QString::fromStdString(owner.typeName()) : path;
}

constexpr auto kUnusable = "drop a layer from the palette or a module of this model";

} // namespace

int ForwardWiring::statementRow(const ml::CustomModule& owner, int neighbour, bool after)
{
    const ml::ForwardProgram& p = owner.program();
    const int end = endRow(p);
    // First and last top-level statement that use a child (-1 when none does).
    const auto rowsOf = [&](int child) {
        std::pair<int, int> rows{-1, -1};
        const std::string& name = owner.child(child)->name();
        for (int r = 0; r < static_cast<int>(p.body.size()); ++r)
            if (mentions(p.body[static_cast<size_t>(r)], name)) {
                if (rows.first < 0)
                    rows.first = r;
                rows.second = r;
            }
        return rows;
    };
    if (neighbour < 0 || neighbour >= owner.childCount())
        return end;
    if (const auto [first, last] = rowsOf(neighbour); first >= 0)
        return std::min(after ? last + 1 : first, end);
    for (int k = neighbour - 1; k >= 0; --k)
        if (const int last = rowsOf(k).second; last >= 0)
            return std::min(last + 1, end);
    for (int k = neighbour + 1; k < owner.childCount(); ++k)
        if (const int first = rowsOf(k).first; first >= 0)
            return std::min(first, end);
    return end;
}

QString ForwardWiring::callFromForward(const QMimeData* data, const IndexPath& owner, int row, bool commit)
{
    const ml::Module* m = m_document->moduleAt(owner);
    return insertAndCall(data, owner, row, m ? m->childCount() : 0, commit);
}

QString ForwardWiring::dropOnFlow(const QMimeData* data, const IndexPath& container, int neighbour, bool after, bool commit)
{
    const ml::Module* m = m_document->moduleAt(container);
    if (!m)
        return QStringLiteral("the target no longer exists");
    const int index = neighbour < 0 ? m->childCount() : std::min(neighbour + (after ? 1 : 0), m->childCount());
    if (m->kind() == ml::ModuleKind::Sequential)
        return insertIntoSequential(data, container, index, commit);
    if (const auto* custom = dynamic_cast<const ml::CustomModule*>(m))
        return insertAndCall(data, container, statementRow(*custom, neighbour, after), index, commit);
    return QStringLiteral("drop onto a Sequential or onto the forward() of a Module");
}

QString ForwardWiring::insertIntoSequential(const QMimeData* data, const IndexPath& container, int index, bool commit)
{
    ModuleEditor editor(m_document);
    if (const QString type = paletteType(data); !type.isEmpty()) {
        if (!createPaletteModule(type))
            return QStringLiteral("unknown module type '%1'").arg(type);
        return commit ? editor.insertNew(type, container, index) : QString();
    }
    std::vector<IndexPath> paths;
    if (!data || !decodeModulePaths(data, m_document, paths))
        return QString::fromLatin1(kUnusable);
    std::vector<const ml::Module*> moving;
    for (const IndexPath& p : paths)
        if (const ml::Module* m = m_document->moduleAt(p); m && !p.empty())
            moving.push_back(m);
        else
            return QStringLiteral("the model itself cannot be moved");
    if (QString problem = ModuleEditor::dropProblem(m_document->moduleAt(container), moving); !problem.isEmpty())
        return problem;
    return commit ? editor.move(paths, container, index) : QString();
}

QString ForwardWiring::insertAndCall(const QMimeData* data, const IndexPath& owner, int row, int childIndex, bool commit)
{
    auto* custom = dynamic_cast<ml::CustomModule*>(m_document->moduleAt(owner));
    if (!custom)
        return QStringLiteral("only the forward() of a Module can call modules");
    const ml::ForwardProgram& program = custom->program();
    if (row < 0 || row > static_cast<int>(program.body.size()))
        row = endRow(program);
    const QString type = paletteType(data);
    std::vector<IndexPath> paths;
    std::vector<const ml::Module*> modules, outside;
    if (!type.isEmpty()) {
        if (!createPaletteModule(type))
            return QStringLiteral("unknown module type '%1'").arg(type);
    } else if (data && decodeModulePaths(data, m_document, paths)) {
        for (const IndexPath& p : paths) {
            const ml::Module* m = m_document->moduleAt(p);
            if (!m || p.empty())
                return QStringLiteral("the model itself cannot be called from its own forward()");
            modules.push_back(m);
            if (!isBelow(m, custom))
                outside.push_back(m);
        }
        if (QString problem = ModuleEditor::dropProblem(custom, outside); !problem.isEmpty())
            return problem;
    } else {
        return QString::fromLatin1(kUnusable);
    }
    if (!commit)
        return {};

    QUndoStack* stack = m_document->undoStack();
    ModuleEditor editor(m_document);
    QStringList names;
    for (const ml::Module* m : modules)
        names << QString::fromStdString(m->name());
    stack->beginMacro(QStringLiteral("Call %1 from %2.forward()")
                          .arg(type.isEmpty() ? names.join(QStringLiteral(", ")) : QStringLiteral("a new ") + type, ownerLabel(*custom)));
    QString problem;
    if (!type.isEmpty()) {
        problem = editor.insertNew(type, owner, childIndex);
        if (problem.isEmpty())
            modules.push_back(custom->child(std::clamp(childIndex, 0, custom->childCount() - 1)));
    } else if (!outside.empty()) {
        std::vector<IndexPath> moving;
        for (const ml::Module* m : outside)
            moving.push_back(indexPathOf(m));
        problem = editor.move(moving, owner, childIndex);
    }
    QStringList calls;
    for (const ml::Module* m : modules)
        if (problem.isEmpty())
            calls << callStatementFor(*custom, *m, variableOf(custom->program()));
    if (problem.isEmpty()) {
        auto edited = withCalls(custom->program(), calls, row);
        if (auto* error = std::get_if<QString>(&edited))
            problem = *error;
        else
            problem = editor.setForward(owner, std::get<ml::ForwardProgram>(std::move(edited)), false, QString());
    }
    stack->endMacro();
    if (!problem.isEmpty())
        stack->undo(); // whatever part was made
    return problem;
}

} // namespace ml::ui
