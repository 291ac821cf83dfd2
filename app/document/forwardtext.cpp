#include "app/document/forwardtext.h"

#include "engine/python/syntax.h"


namespace ml::ui {

std::variant<ml::ForwardProgram, ml::ParseError> parseForwardText(const QString& text)
{
    return ml::python::parseForwardProgram(text.toStdString(), "forward");
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

ml::Stmt returnStatement(const std::string& var)
{
    ml::Stmt s;
    s.kind = ml::Stmt::Kind::Return;
    s.value = ml::Expr::name(var);
    return s;
}

ml::Stmt identityStatement(const std::string& var)
{
    ml::Stmt s;
    s.kind = ml::Stmt::Kind::Assign;
    s.targets = {var};
    s.value = ml::Expr::name(var);
    return s;
}

} // namespace ml::ui
