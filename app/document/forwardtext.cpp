#include "app/document/forwardtext.h"

#include "engine/python/syntax.h"

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
    const std::string source = text.toStdString();
    auto parsed = ml::python::parseFile(source, "forward");
    if (auto* err = std::get_if<ml::ParseError>(&parsed))
        return *err;
    const auto& file = std::get<ml::python::SourceFile>(parsed);
    if (file.body.size() != 1 || file.body[0].kind != ml::python::Statement::Kind::Def || file.body[0].name != "forward")
        return ml::ParseError{"forward", file.body.empty() ? ml::SourceLoc{1, 1} : file.body[0].loc,
                              "write exactly one method: def forward(self, x):"};
    const auto& def = file.body[0];
    if (def.params.empty() || def.params[0].name != "self")
        return ml::ParseError{"forward", def.loc, "forward's first parameter must be self"};
    try {
        ml::ForwardProgram program;
        program.params.clear();
        for (size_t i = 1; i < def.params.size(); ++i)
            program.params.push_back(def.params[i].name);
        program.body = statements(def.body);
        return program;
    } catch (const Failure& f) {
        return f.error;
    }
}

QString forwardText(const ml::ForwardProgram& program)
{
    return QString::fromStdString(ml::toSource(program));
}

} // namespace ml::ui
