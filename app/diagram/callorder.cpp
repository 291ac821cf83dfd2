#include "app/diagram/callorder.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

namespace ml::ui {

namespace {

// What the evaluator knows about a value: enough to resolve module calls, nothing more.
struct Sym {
    enum class Kind { Unknown, Int, Str, Module, Seq, Builtin, Op, DictView };
    Kind kind = Kind::Unknown;
    int64_t i = 0;
    std::string s;                  // Str; Builtin/Op/DictView name
    const Module* module = nullptr; // Module; DictView receiver
    std::vector<Sym> items;         // Seq

    static Sym integer(int64_t v) { Sym x; x.kind = Kind::Int; x.i = v; return x; }
    static Sym str(std::string v) { Sym x; x.kind = Kind::Str; x.s = std::move(v); return x; }
    static Sym mod(const Module* m) { Sym x; x.kind = Kind::Module; x.module = m; return x; }
    static Sym seq(std::vector<Sym> items) { Sym x; x.kind = Kind::Seq; x.items = std::move(items); return x; }
    static Sym named(Kind k, std::string n, const Module* m = nullptr) { Sym x; x.kind = k; x.s = std::move(n); x.module = m; return x; }
};

bool isSequenceContainer(const Module& m)
{
    return m.kind() == ModuleKind::ModuleList || m.kind() == ModuleKind::PlainList || m.kind() == ModuleKind::Sequential;
}

constexpr int64_t kMaxRange = 100000;

} // namespace

class CallOrderEvaluator {
public:
    CallOrderEvaluator(const CustomModule& self, CallOrder& out) : m_self(self), m_out(out) {}

    void run()
    {
        for (const std::string& p : m_self.program().params)
            m_vars[p] = Sym{};
        execBlock(m_self.program().body);
        m_out.m_trailingOps = std::move(m_pendingOps);
    }

private:
    struct Stop {};

    void execBlock(const std::vector<Stmt>& body)
    {
        for (const Stmt& s : body) {
            if (m_returned)
                return;
            exec(s);
        }
    }

    void exec(const Stmt& s)
    {
        switch (s.kind) {
        case Stmt::Kind::Assign: assign(s.targets, eval(s.value)); return;
        case Stmt::Kind::Return:
            eval(s.value);
            m_returned = true;
            return;
        case Stmt::Kind::For: {
            const Sym iterable = eval(s.value);
            const std::optional<std::vector<Sym>> items = iterate(iterable);
            if (!items) {
                // Unknown iterable (a tensor, an unresolved name): show the body's calls once.
                assign(s.targets, Sym{});
                execBlock(s.body);
                return;
            }
            for (const Sym& item : *items) {
                assign(s.targets, item);
                execBlock(s.body);
                if (m_returned)
                    return;
            }
            return;
        }
        }
    }

    void assign(const std::vector<std::string>& targets, const Sym& v)
    {
        if (targets.size() == 1) {
            m_vars[targets[0]] = v;
            return;
        }
        const bool unpack = v.kind == Sym::Kind::Seq && v.items.size() == targets.size();
        for (size_t k = 0; k < targets.size(); ++k)
            m_vars[targets[k]] = unpack ? v.items[k] : Sym{};
    }

    std::optional<std::vector<Sym>> iterate(const Sym& v) const
    {
        if (v.kind == Sym::Kind::Seq)
            return v.items;
        if (v.kind != Sym::Kind::Module)
            return std::nullopt;
        std::vector<Sym> out;
        if (isSequenceContainer(*v.module)) {
            for (const Module::Child& c : v.module->children())
                out.push_back(Sym::mod(c.module.get()));
            return out;
        }
        if (v.module->kind() == ModuleKind::ModuleDict) {
            for (const Module::Child& c : v.module->children())
                out.push_back(Sym::str(c.name));
            return out;
        }
        return std::nullopt;
    }

    Sym eval(const Expr& e)
    {
        switch (e.kind) {
        case Expr::Kind::Name: {
            if (auto it = m_vars.find(e.text); it != m_vars.end())
                return it->second;
            if (e.text == "self")
                return Sym::mod(&m_self);
            if (e.text == "len" || e.text == "range" || e.text == "enumerate" || e.text == "zip"
                || e.text == "reversed" || e.text == "list")
                return Sym::named(Sym::Kind::Builtin, e.text);
            return Sym::named(Sym::Kind::Op, e.text); // F, torch, nn and unknown globals
        }
        case Expr::Kind::Int: return Sym::integer(e.i);
        case Expr::Kind::Bool: return Sym::integer(e.b ? 1 : 0);
        case Expr::Kind::Str: return Sym::str(e.text);
        case Expr::Kind::Float:
        case Expr::Kind::None: return Sym{};
        case Expr::Kind::Tuple:
        case Expr::Kind::List: {
            std::vector<Sym> items;
            for (const Expr& x : e.items)
                items.push_back(eval(x));
            return Sym::seq(std::move(items));
        }
        case Expr::Kind::Neg: {
            const Sym v = eval(e.items[0]);
            return v.kind == Sym::Kind::Int ? Sym::integer(-v.i) : Sym{};
        }
        case Expr::Kind::BinOp: return binOp(e);
        case Expr::Kind::Attr: return attr(e);
        case Expr::Kind::Subscript: return subscript(e);
        case Expr::Kind::Call: return call(e);
        }
        return {};
    }

    Sym binOp(const Expr& e)
    {
        const Sym a = eval(e.items[0]);
        const Sym b = eval(e.items[1]);
        if (a.kind != Sym::Kind::Int || b.kind != Sym::Kind::Int)
            return {};
        int64_t r = 0;
        if (e.text == "+" && !__builtin_add_overflow(a.i, b.i, &r))
            return Sym::integer(r);
        if (e.text == "-" && !__builtin_sub_overflow(a.i, b.i, &r))
            return Sym::integer(r);
        if (e.text == "*" && !__builtin_mul_overflow(a.i, b.i, &r))
            return Sym::integer(r);
        if (e.text == "//" && b.i != 0) {
            r = a.i / b.i;
            if (a.i % b.i != 0 && ((a.i < 0) != (b.i < 0)))
                --r;
            return Sym::integer(r);
        }
        return {};
    }

    Sym attr(const Expr& e)
    {
        const Sym obj = eval(e.items[0]);
        if (obj.kind == Sym::Kind::Module) {
            if (const Module* c = obj.module->findChild(e.text))
                return Sym::mod(c);
            if (obj.module->kind() == ModuleKind::ModuleDict && (e.text == "keys" || e.text == "values" || e.text == "items"))
                return Sym::named(Sym::Kind::DictView, e.text, obj.module);
            return {};
        }
        if (obj.kind == Sym::Kind::Op) // F.relu, torch.flatten
            return Sym::named(Sym::Kind::Op, obj.s + "." + e.text);
        if (obj.kind == Sym::Kind::Unknown) // a tensor method: x.view
            return Sym::named(Sym::Kind::Op, "." + e.text);
        return {};
    }

    Sym subscript(const Expr& e)
    {
        const Sym obj = eval(e.items[0]);
        const Sym idx = eval(e.items[1]);
        if (obj.kind == Sym::Kind::Module && obj.module->kind() == ModuleKind::ModuleDict) {
            if (idx.kind == Sym::Kind::Str)
                if (const Module* c = obj.module->findChild(idx.s))
                    return Sym::mod(c);
            return {};
        }
        int64_t size = -1;
        if (obj.kind == Sym::Kind::Module && isSequenceContainer(*obj.module))
            size = obj.module->childCount();
        else if (obj.kind == Sym::Kind::Seq)
            size = static_cast<int64_t>(obj.items.size());
        if (size < 0 || idx.kind != Sym::Kind::Int)
            return {};
        const int64_t k = idx.i < 0 ? idx.i + size : idx.i;
        if (k < 0 || k >= size)
            return {};
        if (obj.kind == Sym::Kind::Module)
            return Sym::mod(obj.module->child(static_cast<int>(k)));
        return obj.items[static_cast<size_t>(k)];
    }

    Sym call(const Expr& e)
    {
        const Sym callee = eval(e.items[0]);
        std::vector<Sym> args;
        for (size_t k = 1; k < e.items.size(); ++k)
            args.push_back(eval(e.items[k]));
        for (const auto& kw : e.keywords)
            eval(kw.second);

        switch (callee.kind) {
        case Sym::Kind::Module: record(callee.module, e.loc); return {};
        case Sym::Kind::Builtin: return builtin(callee.s, args);
        case Sym::Kind::DictView: {
            std::vector<Sym> out;
            for (const Module::Child& c : callee.module->children()) {
                if (callee.s == "keys")
                    out.push_back(Sym::str(c.name));
                else if (callee.s == "values")
                    out.push_back(Sym::mod(c.module.get()));
                else
                    out.push_back(Sym::seq({Sym::str(c.name), Sym::mod(c.module.get())}));
            }
            return Sym::seq(std::move(out));
        }
        case Sym::Kind::Op:
            if (!isQuery(callee.s))
                m_pendingOps.push_back(callee.s);
            return {};
        default: return {};
        }
    }

    // Calls that read a property and do not transform the tensor flowing through forward.
    static bool isQuery(const std::string& op)
    {
        return op == ".size" || op == ".dim" || op == ".numel" || op == ".contiguous";
    }

    Sym builtin(const std::string& name, const std::vector<Sym>& args)
    {
        if (name == "len" && args.size() == 1) {
            if (auto items = iterate(args[0]))
                return Sym::integer(static_cast<int64_t>(items->size()));
            return {};
        }
        if (name == "range" && !args.empty() && args.size() <= 3) {
            for (const Sym& a : args)
                if (a.kind != Sym::Kind::Int)
                    return {};
            const int64_t start = args.size() == 1 ? 0 : args[0].i;
            const int64_t stop = args.size() == 1 ? args[0].i : args[1].i;
            const int64_t step = args.size() == 3 ? args[2].i : 1;
            if (step == 0)
                return {};
            std::vector<Sym> out;
            for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
                if (static_cast<int64_t>(out.size()) >= kMaxRange)
                    break;
                out.push_back(Sym::integer(k));
            }
            return Sym::seq(std::move(out));
        }
        if ((name == "enumerate" || name == "reversed" || name == "list") && args.size() == 1) {
            auto items = iterate(args[0]);
            if (!items)
                return {};
            if (name == "reversed")
                return Sym::seq(std::vector<Sym>(items->rbegin(), items->rend()));
            if (name == "list")
                return Sym::seq(std::move(*items));
            std::vector<Sym> out;
            for (size_t k = 0; k < items->size(); ++k)
                out.push_back(Sym::seq({Sym::integer(static_cast<int64_t>(k)), (*items)[k]}));
            return Sym::seq(std::move(out));
        }
        if (name == "zip" && !args.empty()) {
            std::vector<std::vector<Sym>> lists;
            size_t n = SIZE_MAX;
            for (const Sym& a : args) {
                auto items = iterate(a);
                if (!items)
                    return {};
                n = std::min(n, items->size());
                lists.push_back(std::move(*items));
            }
            std::vector<Sym> out;
            for (size_t k = 0; k < n; ++k) {
                std::vector<Sym> tuple;
                for (const auto& l : lists)
                    tuple.push_back(l[k]);
                out.push_back(Sym::seq(std::move(tuple)));
            }
            return Sym::seq(std::move(out));
        }
        return {};
    }

    void record(const Module* m, SourceLoc loc)
    {
        if (m_out.m_calls.size() >= CallOrder::kMaxCalls) {
            m_out.m_truncated = true;
            throw Stop{};
        }
        m_out.m_calls.push_back({m, std::move(m_pendingOps), loc});
        m_pendingOps.clear();
    }

public:
    void runGuarded()
    {
        try {
            run();
        } catch (const Stop&) {
        }
    }

private:
    const CustomModule& m_self;
    CallOrder& m_out;
    std::map<std::string, Sym, std::less<>> m_vars;
    std::vector<std::string> m_pendingOps;
    bool m_returned = false;
};

CallOrder::CallOrder(const CustomModule& module)
{
    CallOrderEvaluator(module, *this).runGuarded();
}

} // namespace ml::ui
