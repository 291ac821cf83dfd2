#include "app/document/forwardtext.h"

#include "engine/python/syntax.h"

#include <QStringList>

#include <algorithm>

namespace ml::ui {

namespace {

struct Failure {
    ml::ParseError error;
};

ml::Expr expr(const ml::python::Node& node)
{
    auto converted = ml::python::toForwardExpr(node, "forward");
    if (auto* err = std::get_if<ml::ParseError>(&converted))
        throw Failure{*err};
    return std::get<ml::Expr>(converted);
}

std::vector<ml::Stmt> statements(const std::vector<ml::python::Statement>& body)
{
    using K = ml::python::Statement::Kind;
    std::vector<ml::Stmt> out;
    for (const auto& s : body) {
        ml::Stmt st;
        st.loc = s.loc;
        switch (s.kind) {
        case K::Assign:
            if (s.target.kind != ml::python::Node::Kind::Name)
                throw Failure{{"forward", s.target.loc, "forward() can only assign to a plain name, like x = ..."}};
            st.kind = ml::Stmt::Kind::Assign;
            st.targets = {s.target.text};
            st.value = expr(s.value);
            break;
        case K::For:
            st.kind = ml::Stmt::Kind::For;
            st.targets = s.targets;
            st.value = expr(s.value);
            st.body = statements(s.body);
            break;
        case K::Return:
            st.kind = ml::Stmt::Kind::Return;
            st.value = s.bareReturn ? ml::Expr{} : expr(s.value);
            break;
        case K::Pass:
            continue;
        default:
            throw Failure{{"forward", s.loc, "forward() may only contain assignments, for loops and return"}};
        }
        out.push_back(std::move(st));
    }
    return out;
}

} // namespace

std::variant<ml::ForwardProgram, ml::ParseError> parseForwardText(const QString& text)
{
    // The file parser reads methods inside classes: wrap the text in one, then map locations back.
    std::string source = "class Forward:\n";
    for (const QString& line : text.split(QLatin1Char('\n')))
        source += (line.trimmed().isEmpty() ? std::string() : "    " + line.toStdString()) + "\n";
    const auto unwrap = [](ml::ParseError e) {
        if (e.loc.valid()) {
            e.loc.line = std::max(1, e.loc.line - 1);
            e.loc.column = std::max(1, e.loc.column - 4);
        }
        return e;
    };
    auto parsed = ml::python::parseFile(source, "forward");
    if (auto* err = std::get_if<ml::ParseError>(&parsed))
        return unwrap(*err);
    const auto& file = std::get<ml::python::SourceFile>(parsed);
    const auto& cls = file.body.front();
    if (cls.body.size() != 1 || cls.body[0].kind != ml::python::Statement::Kind::Def || cls.body[0].name != "forward")
        return ml::ParseError{"forward", {1, 1}, "write exactly one method: def forward(self, x):"};
    const auto& def = cls.body[0];
    if (def.params.empty() || def.params[0].name != "self")
        return ml::ParseError{"forward", {1, 1}, "forward's first parameter must be self"};
    try {
        ml::ForwardProgram program;
        program.params.clear();
        for (size_t i = 1; i < def.params.size(); ++i)
            program.params.push_back(def.params[i].name);
        program.body = statements(def.body);
        return program;
    } catch (const Failure& f) {
        return unwrap(f.error);
    }
}
QString forwardText(const ml::ForwardProgram& program)
{
    return QString::fromStdString(ml::toSource(program));
}

QString callStatementFor(const ml::Module& owner, const ml::Module& target, const QString& var)
{
    std::vector<const ml::Module*> chain; // target up to (not including) owner
    for (const ml::Module* m = &target; m != &owner; m = m->parent()) {
        if (!m || !m->parent())
            return {};
        chain.push_back(m);
    }
    if (chain.empty())
        return {};
    QString expr = QStringLiteral("self");
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const ml::Module* m = *it;
        const ml::Module* parent = m->parent();
        const QString name = QString::fromStdString(m->name());
        if (parent == &owner || parent->kind() == ml::ModuleKind::Custom)
            expr += QLatin1Char('.') + name;
        else if (parent->kind() == ml::ModuleKind::ModuleDict)
            expr += QStringLiteral("['%1']").arg(name);
        else
            expr += QStringLiteral("[%1]").arg(parent->indexOfChild(m));
    }
    switch (target.kind()) {
    case ml::ModuleKind::ModuleList:
    case ml::ModuleKind::PlainList:
        return QStringLiteral("for m in %1:\n    %2 = m(%2)").arg(expr, var);
    case ml::ModuleKind::ModuleDict:
        return QStringLiteral("for m in %1.values():\n    %2 = m(%2)").arg(expr, var);
    default:
        return QStringLiteral("%2 = %1(%2)").arg(expr, var);
    }
}

} // namespace ml::ui
