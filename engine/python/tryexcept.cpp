// try / except / else / finally with Python's semantics for the exceptions the evaluator raises
// as Python would (EvalError of kind Python: "ImportError: ...", "KeyError: 'x'"). ModuleLab's own
// limits ("not supported by ModuleLab yet") and shape errors are never caught: they stay errors
// at their line.
#include "engine/python/evaluator.h"

#include <exception>
#include <map>

namespace ml::detail {

namespace {

// Python's built-in exception classes and their bases (as far as model code meets them).
const std::map<std::string, std::string, std::less<>>& exceptionBases()
{
    static const std::map<std::string, std::string, std::less<>> bases = {
        {"BaseException", ""},
        {"Exception", "BaseException"},
        {"ArithmeticError", "Exception"},
        {"ZeroDivisionError", "ArithmeticError"},
        {"OverflowError", "ArithmeticError"},
        {"FloatingPointError", "ArithmeticError"},
        {"LookupError", "Exception"},
        {"IndexError", "LookupError"},
        {"KeyError", "LookupError"},
        {"ImportError", "Exception"},
        {"ModuleNotFoundError", "ImportError"},
        {"NameError", "Exception"},
        {"UnboundLocalError", "NameError"},
        {"RuntimeError", "Exception"},
        {"NotImplementedError", "RuntimeError"},
        {"RecursionError", "RuntimeError"},
        {"AttributeError", "Exception"},
        {"TypeError", "Exception"},
        {"ValueError", "Exception"},
        {"AssertionError", "Exception"},
        {"StopIteration", "Exception"},
        {"OSError", "Exception"},
        {"FileNotFoundError", "OSError"},
        {"Warning", "Exception"},
        {"UserWarning", "Warning"},
        {"DeprecationWarning", "Warning"},
        {"FutureWarning", "Warning"},
        {"RuntimeWarning", "Warning"},
    };
    return bases;
}

// The exception class of an error's message ("KeyError: 'x'" -> KeyError); "" when the message
// does not name one.
std::string exceptionClassOf(const std::string& message)
{
    const size_t colon = message.find(':');
    const std::string type = message.substr(0, colon);
    return exceptionBases().count(type) ? type : std::string();
}

bool derivesFrom(std::string type, const std::string& base)
{
    while (!type.empty()) {
        if (type == base)
            return true;
        type = exceptionBases().at(type);
    }
    return false;
}

} // namespace

Evaluator::Flow Evaluator::execTry(const Stmt& s, Frame& f)
{
    const Stmt* elseClause = nullptr;
    const Stmt* finallyClause = nullptr;
    std::vector<const Stmt*> handlers;
    for (const Stmt& c : s.orelse) {
        const std::string& what = c.targets.empty() ? std::string() : c.targets[0];
        if (what == "except")
            handlers.push_back(&c);
        else if (what == "else")
            elseClause = &c;
        else if (what == "finally")
            finallyClause = &c;
    }
    // The handler whose class (or one of its tuple's classes) matches the error, if any.
    auto matching = [&](const EvalError& e) -> const Stmt* {
        const std::string type = e.kind == ErrorKind::Python ? exceptionClassOf(e.message) : std::string();
        for (const Stmt* h : handlers) {
            if (h->value.kind == Expr::Kind::None) // a bare except
                return type.empty() ? nullptr : h;
            std::vector<const Expr*> classes;
            if (h->value.kind == Expr::Kind::Tuple)
                for (const Expr& c : h->value.items)
                    classes.push_back(&c);
            else
                classes.push_back(&h->value);
            for (const Expr* c : classes) {
                const std::string name = c->dotted();
                if (!exceptionBases().count(name))
                    notYet(c->loc, "'except' with the exception class " + (name.empty() ? std::string("written here") : "'" + name + "'"));
                if (!type.empty() && derivesFrom(type, name))
                    return h;
            }
        }
        return nullptr;
    };
    Flow flow = Flow::Normal;
    std::exception_ptr pending;
    try {
        bool raised = false;
        try {
            flow = execBlock(s.body, f);
        } catch (const EvalError& e) {
            const Stmt* h = matching(e);
            if (!h)
                throw;
            raised = true;
            if (!h->op.empty()) {
                const size_t colon = e.message.find(": ");
                f.locals[h->op] = Value::ofStr(colon == std::string::npos ? std::string() : e.message.substr(colon + 2));
            }
            flow = execBlock(h->body, f);
            if (!h->op.empty())
                f.locals.erase(h->op); // Python deletes the name when the handler ends
        }
        if (!raised && flow == Flow::Normal && elseClause)
            flow = execBlock(elseClause->body, f);
    } catch (const EvalError&) {
        if (!finallyClause)
            throw;
        pending = std::current_exception();
    }
    if (finallyClause) {
        const Flow after = execBlock(finallyClause->body, f);
        if (after != Flow::Normal)
            return after; // a return, break or continue in finally ends the exception too, as in Python
    }
    if (pending)
        std::rethrow_exception(pending);
    return flow;
}

} // namespace ml::detail
