#include "engine/python/evaluator.h"

#include "engine/analysis/forwardop.h"
#include "engine/python/stackguard.h"

#include "engine/argvalue.h"
#include "engine/names.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ml::detail {

std::string typeNameOf(const Value& v)
{
    switch (v.kind) {
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Str: return "str";
    case Value::Kind::Tensor: return "Tensor";
    case Value::Kind::Module: return v.module->typeName();
    case Value::Kind::List: return "list";
    case Value::Kind::Tuple: return v.cls ? v.cls->name : "tuple"; // a namedtuple's own class
    case Value::Kind::Namespace: return "module";
    case Value::Kind::Builtin: return "builtin_function_or_method";
    case Value::Kind::Function: return "function";
    case Value::Kind::Method: return "method";
    case Value::Kind::Class: return "type";
    case Value::Kind::Dict: return v.dict && v.dict->ordered ? "OrderedDict" : "dict";
    case Value::Kind::Range: return "range";
    case Value::Kind::Slice: return "slice";
    case Value::Kind::Partial: return "functools.partial";
    }
    return "object";
}

const Value* ClassDef::own(std::string_view name) const
{
    for (const auto& [n, v] : attrs)
        if (n == name)
            return &v;
    return nullptr;
}

const Value* ClassDef::lookup(std::string_view name, const ClassDef* after) const
{
    // A linearisation good for the single and simple multiple inheritance of model files.
    std::vector<const ClassDef*> order;
    std::vector<const ClassDef*> stack{this};
    auto visit = [&](const ClassDef* c, auto& self) -> void {
        if (std::find(order.begin(), order.end(), c) != order.end())
            return;
        order.push_back(c);
        for (const auto& b : c->bases)
            self(b.get(), self);
    };
    visit(this, visit);
    bool passed = after == nullptr;
    for (const ClassDef* c : order) {
        if (!passed) {
            passed = c == after;
            continue;
        }
        if (const Value* v = c->own(name))
            return v;
    }
    return nullptr;
}

bool ClassDef::derivesFrom(const ClassDef* other) const
{
    if (this == other)
        return true;
    for (const auto& b : bases)
        if (b->derivesFrom(other))
            return true;
    return false;
}

Evaluator::Evaluator(std::string fileName, Limits limits) : m_file(std::move(fileName)), m_limits(limits) {}

Evaluator::~Evaluator()
{
    // Functions and classes refer to each other (methods name their class): break the cycles.
    for (const std::weak_ptr<ClassDef>& c : m_classDefs)
        if (std::shared_ptr<ClassDef> cls = c.lock()) {
            cls->attrs.clear();
            cls->bases.clear();
        }
}

void Evaluator::fail(SourceLoc loc, std::string message, ErrorKind kind)
{
    throw EvalError{loc, std::move(message), kind, m_frame ? m_frame->path : std::string()};
}

void Evaluator::warn(SourceLoc loc, std::string message, Severity s)
{
    const std::string path = m_frame ? m_frame->path : std::string();
    for (const Diagnostic& d : m_notes)
        if (d.loc == loc && d.message == message)
            return;
    m_notes.push_back({path, s, std::move(message), loc});
}

void Evaluator::step(SourceLoc loc)
{
    m_loc = loc;
    if (++m_steps > m_limits.steps)
        fail(loc, "not supported by ModuleLab yet: code that runs more than " + withThousands(m_limits.steps)
                      + " steps (ModuleLab stops there; is this an endless loop?)",
             ErrorKind::NotYet);
    guardStack(loc);
}

void Evaluator::guardStack(SourceLoc loc)
{
    if (StackGuard::low())
        notYet(loc, "the code nests too deeply (" + std::to_string(m_depth) + " calls deep, with the expressions and values nested in them; "
                        "ModuleLab stops before its stack of " + std::to_string(StackGuard::size() >> 10) + " KiB runs out)");
}

// Python counts nested values against the same limit of 1000 as nested calls.
Evaluator::ValueNesting::ValueNesting(Evaluator& ev, const char* pythonMessage) : e(ev)
{
    if (e.m_valueDepth + e.m_depth >= 1000)
        e.fail(e.m_loc, std::string("RecursionError: maximum recursion depth exceeded") + pythonMessage);
    e.guardStack(e.m_loc);
    ++e.m_valueDepth;
}

int64_t Evaluator::checkedCount(int64_t n, SourceLoc loc, const char* what)
{
    if (n > m_limits.collection)
        fail(loc, std::string("not supported by ModuleLab yet: ") + what + " of more than " + withThousands(m_limits.collection)
                      + " elements",
             ErrorKind::NotYet);
    return n;
}

// ---- statements ------------------------------------------------------------------------

Evaluator::Flow Evaluator::execBlock(const std::vector<Stmt>& body, Frame& f)
{
    for (const Stmt& s : body) {
        const Flow flow = exec(s, f);
        if (flow != Flow::Normal)
            return flow;
    }
    return Flow::Normal;
}

namespace {

using ExecFn = Evaluator::Flow (*)(Evaluator&, const Stmt&, Evaluator::Frame&);

} // namespace

Evaluator::Flow Evaluator::exec(const Stmt& s, Frame& f)
{
    step(s.loc);
    switch (s.kind) {
    case Stmt::Kind::Assign: {
        Value v = eval(s.value, f);
        if (!s.targets.empty())
            assignNames(s.targets, v, f, s.loc);
        else
            assign(s.target, std::move(v), f, s.loc);
        return Flow::Normal;
    }
    case Stmt::Kind::AugAssign: {
        const Value cur = eval(s.target, f);
        const Value rhs = eval(s.value, f);
        if (cur.kind == Value::Kind::List && s.op == "+") { // list += iterable extends in place
            for (Value& x : iterate(rhs, s.loc))
                cur.list->push_back(std::move(x));
            checkedCount(static_cast<int64_t>(cur.list->size()), s.loc, "a list");
            return Flow::Normal;
        }
        if (cur.kind == Value::Kind::Module && cur.module->kind() == ModuleKind::ModuleList && s.op == "+") {
            (void)moduleMethod(cur, "extend", {rhs}, {}, s.loc, f);
            return Flow::Normal;
        }
        assign(s.target, binary(s.op, cur, rhs, s.loc), f, s.loc);
        return Flow::Normal;
    }
    case Stmt::Kind::ExprStmt: (void)eval(s.value, f); return Flow::Normal;
    case Stmt::Kind::Pass: return Flow::Normal;
    case Stmt::Kind::Break: return Flow::Break;
    case Stmt::Kind::Continue: return Flow::Continue;
    case Stmt::Kind::Return:
        f.returned = eval(s.value, f);
        return Flow::Return;
    case Stmt::Kind::If:
        return execBlock(truthy(eval(s.value, f), s.value.loc) ? s.body : s.orelse, f);
    case Stmt::Kind::While: {
        while (truthy(eval(s.value, f), s.value.loc)) {
            const Flow flow = execBlock(s.body, f);
            if (flow == Flow::Break)
                return Flow::Normal;
            if (flow == Flow::Return)
                return flow;
        }
        return execBlock(s.orelse, f);
    }
    case Stmt::Kind::For: {
        const Value iterable = eval(s.value, f);
        for (const Value& item : iterate(iterable, s.value.loc)) {
            if (!s.targets.empty())
                assignNames(s.targets, item, f, s.loc);
            else
                assign(s.target, item, f, s.loc);
            const Flow flow = execBlock(s.body, f);
            if (flow == Flow::Break)
                return Flow::Normal;
            if (flow == Flow::Return)
                return flow;
        }
        return execBlock(s.orelse, f);
    }
    case Stmt::Kind::Assert: {
        if (truthy(eval(s.value, f), s.value.loc))
            return Flow::Normal;
        std::string msg = "AssertionError";
        if (s.target.kind != Expr::Kind::None)
            msg += ": " + str(eval(s.target, f));
        fail(s.loc, msg + " (assert " + toSource(s.value) + ")");
    }
    case Stmt::Kind::Raise: {
        if (s.value.kind == Expr::Kind::None)
            fail(s.loc, "RuntimeError: No active exception to reraise");
        const Expr& ex = s.value;
        std::string type = ex.kind == Expr::Kind::Call ? ex.items[0].dotted() : ex.dotted();
        std::string msg;
        if (ex.kind == Expr::Kind::Call && ex.items.size() > 1)
            msg = str(eval(ex.items[1], f));
        fail(s.loc, (type.empty() ? std::string("Exception") : type) + (msg.empty() ? std::string() : ": " + msg));
    }
    case Stmt::Kind::Del: {
        if (s.target.kind == Expr::Kind::Name) {
            if (!f.locals.erase(s.target.text))
                fail(s.loc, "NameError: name '" + s.target.text + "' is not defined");
            return Flow::Normal;
        }
        notYet(s.loc, "del of anything but a local name");
    }
    case Stmt::Kind::With: {
        // torch.no_grad() and the like change nothing ModuleLab computes: the body runs
        Value manager = eval(s.value, f);
        if (s.target.kind != Expr::Kind::None)
            assign(s.target, manager, f, s.loc);
        return execBlock(s.body, f);
    }
    case Stmt::Kind::Try: return execTry(s, f);
    case Stmt::Kind::Def: f.locals[s.op] = nestedFunction(s.op, s.params, s.body, s.loc, f); return Flow::Normal;
    }
    return Flow::Normal;
}

// A function defined inside a function (def) or by a lambda: its defaults evaluated now; the
// enclosing function's names are looked up when it runs, as Python does (a lambda made in a loop
// sees the loop variable's last value).
Value Evaluator::nestedFunction(const std::string& name, const std::vector<Param>& params, const std::vector<Stmt>& body,
                                SourceLoc loc, Frame& f, std::shared_ptr<const std::vector<Stmt>> lambdaBody)
{
    auto fn = std::make_shared<FunctionDef>();
    fn->name = name;
    fn->params = params;
    fn->body = &body;
    fn->lambdaBody = std::move(lambdaBody);
    fn->loc = loc;
    for (const Param& p : params) {
        fn->hasDefault.push_back(p.defaultValue.has_value());
        fn->defaults.push_back(p.defaultValue ? eval(*p.defaultValue, f) : Value());
    }
    if (!f.cells) {
        // each call that defines a function keeps its names for as long as the evaluation runs
        constexpr size_t kMaxEnclosings = 100'000;
        if (m_enclosings.size() >= kMaxEnclosings)
            notYet(loc, "more than 100,000 calls that define functions");
        f.cells = std::make_shared<Enclosing>();
        f.cells->live = &f.locals;
        f.cells->outer = f.outer;
        m_enclosings.push_back(f.cells);
    }
    fn->closure = f.cells;
    fn->nested = true;
    Value v;
    v.kind = Value::Kind::Function;
    v.fn = fn;
    return v;
}

const Value* Enclosing::find(std::string_view name) const
{
    for (const Enclosing* e = this; e; e = e->outer.get()) {
        const auto& names = e->live ? *e->live : e->last;
        if (auto it = names.find(name); it != names.end())
            return &it->second;
    }
    return nullptr;
}

Evaluator::Frame::~Frame()
{
    if (cells && cells->live == &locals) {
        cells->last = std::move(locals);
        cells->live = nullptr;
    }
}

// lambda params: body, as a function whose body returns body.
Value Evaluator::lambdaFunction(const Expr& e, Frame& f)
{
    Stmt ret;
    ret.kind = Stmt::Kind::Return;
    ret.value = e.items[0];
    ret.loc = e.items[0].loc;
    auto body = std::make_shared<const std::vector<Stmt>>(std::vector<Stmt>{std::move(ret)});
    const std::vector<Stmt>& statements = *body;
    return nestedFunction("<lambda>", e.params, statements, e.loc, f, std::move(body));
}

void Evaluator::assignNames(const std::vector<std::string>& names, const Value& v, Frame& f, SourceLoc loc)
{
    if (names.size() == 1) {
        f.locals[names[0]] = v;
        return;
    }
    std::vector<Value> items = iterate(v, loc);
    if (items.size() != names.size())
        fail(loc, items.size() < names.size() ? "ValueError: not enough values to unpack (expected " + std::to_string(names.size())
                                                    + ", got " + std::to_string(items.size()) + ")"
                                              : "ValueError: too many values to unpack (expected " + std::to_string(names.size()) + ")");
    for (size_t k = 0; k < names.size(); ++k)
        f.locals[names[k]] = std::move(items[k]);
}

void Evaluator::assign(const Expr& target, Value v, Frame& f, SourceLoc loc)
{
    switch (target.kind) {
    case Expr::Kind::Name: f.locals[target.text] = std::move(v); return;
    case Expr::Kind::Attr: setAttr(eval(target.items[0], f), target.text, std::move(v), target.loc, f); return;
    case Expr::Kind::Subscript: {
        Value obj = eval(target.items[0], f);
        Value idx = eval(target.items[1], f);
        if (obj.kind == Value::Kind::List) {
            if (!idx.isInt())
                notYet(target.loc, "assigning to a list slice");
            int64_t k = idx.integer();
            const int64_t n = static_cast<int64_t>(obj.list->size());
            if (k < 0)
                k += n;
            if (k < 0 || k >= n)
                fail(target.loc, "IndexError: list assignment index out of range");
            (*obj.list)[static_cast<size_t>(k)] = std::move(v);
            return;
        }
        if (obj.kind == Value::Kind::Dict) {
            for (auto& [key, value] : obj.dict->entries)
                if (equal(key, idx)) {
                    value = std::move(v);
                    return;
                }
            obj.dict->entries.emplace_back(std::move(idx), std::move(v));
            checkedCount(static_cast<int64_t>(obj.dict->entries.size()), target.loc, "a dict");
            return;
        }
        if (obj.kind == Value::Kind::Module && obj.module->kind() == ModuleKind::ModuleDict && idx.kind == Value::Kind::Str) {
            (void)moduleMethod(obj, "__setitem__", {idx, v}, {}, target.loc, f);
            return;
        }
        if (obj.kind == Value::Kind::Module && (obj.module->kind() == ModuleKind::ModuleList || obj.module->kind() == ModuleKind::Sequential)) {
            (void)moduleMethod(obj, "__setitem__", {idx, v}, {}, target.loc, f);
            return;
        }
        fail(target.loc, "TypeError: '" + typeNameOf(obj) + "' object does not support item assignment");
    }
    case Expr::Kind::Tuple:
    case Expr::Kind::List: {
        std::vector<Value> items = iterate(v, loc);
        size_t star = target.items.size();
        for (size_t k = 0; k < target.items.size(); ++k)
            if (target.items[k].kind == Expr::Kind::Starred)
                star = k;
        if (star == target.items.size()) {
            if (items.size() != target.items.size())
                fail(loc, items.size() < target.items.size()
                              ? "ValueError: not enough values to unpack (expected " + std::to_string(target.items.size()) + ", got "
                                    + std::to_string(items.size()) + ")"
                              : "ValueError: too many values to unpack (expected " + std::to_string(target.items.size()) + ")");
            for (size_t k = 0; k < items.size(); ++k)
                assign(target.items[k], std::move(items[k]), f, loc);
            return;
        }
        const size_t after = target.items.size() - star - 1;
        if (items.size() < star + after)
            fail(loc, "ValueError: not enough values to unpack");
        for (size_t k = 0; k < star; ++k)
            assign(target.items[k], items[k], f, loc);
        std::vector<Value> rest(items.begin() + static_cast<long>(star), items.end() - static_cast<long>(after));
        assign(target.items[star].items[0], Value::ofList(std::move(rest)), f, loc);
        for (size_t k = 0; k < after; ++k)
            assign(target.items[star + 1 + k], items[items.size() - after + k], f, loc);
        return;
    }
    default: fail(target.loc, "SyntaxError: cannot assign to " + toSource(target));
    }
}

// ---- expressions ---------------------------------------------------------------------

// Tuples are values: reading a name that holds one copies every tuple inside it. The copy counts
// against the step budget, and the tuples a value holds are bounded in depth and number.
void Evaluator::chargeHeld(const std::vector<Value>& items, SourceLoc loc, int64_t times)
{
    int64_t held = 0;
    std::vector<std::pair<const std::vector<Value>*, int>> open{{&items, 1}};
    while (!open.empty()) {
        const auto [values, depth] = open.back();
        open.pop_back();
        held += static_cast<int64_t>(values->size());
        if (held > m_limits.collection / std::max<int64_t>(times, 1))
            notYet(loc, "values holding more than " + withThousands(m_limits.collection) + " elements (counting the elements of the tuples in them)");
        if (depth > 1 && held - static_cast<int64_t>(items.size()) > kMaxTupleValues)
            notYet(loc, "tuples holding more than " + withThousands(kMaxTupleValues) + " values in the tuples inside them");
        for (const Value& v : *values) {
            if (v.kind != Value::Kind::Tuple || v.items.empty())
                continue;
            if (depth >= kMaxTupleNesting)
                notYet(loc, "tuples nested more than " + std::to_string(kMaxTupleNesting) + " levels deep");
            open.emplace_back(&v.items, depth + 1);
        }
    }
    m_steps += held * std::max<int64_t>(times, 1);
    step(loc);
}

Value Evaluator::lookupName(const std::string& name, SourceLoc loc, Frame& f)
{
    auto held = [&](const Value& v) -> const Value& {
        if (v.kind == Value::Kind::Tuple)
            chargeHeld(v.items, loc);
        return v;
    };
    if (auto it = f.locals.find(name); it != f.locals.end())
        return held(it->second);
    if (f.outer)
        if (const Value* v = f.outer->find(name))
            return held(*v);
    if (auto it = m_globals.find(name); it != m_globals.end())
        return held(it->second);
    if (isBuiltinName(name))
        return Value::ofBuiltin(name);
    if (isPythonBuiltinName(name))
        notYet(loc, "Python's builtin '" + name + "'");
    std::vector<std::string> known;
    for (const auto& kv : f.locals)
        known.push_back(kv.first);
    for (const auto& kv : m_globals)
        known.push_back(kv.first);
    std::string msg = "NameError: name '" + name + "' is not defined";
    if (auto hint = didYouMean(name, known))
        msg += ": did you mean '" + *hint + "'?";
    if (name == "nn" || name == "F" || name == "torch")
        msg += " (add the import: import torch, import torch.nn as nn, import torch.nn.functional as F)";
    fail(loc, msg);
}

Value Evaluator::eval(const Expr& e, Frame& f)
{
    step(e.loc);
    switch (e.kind) {
    case Expr::Kind::Name:
        if (e.text == "self" && f.self.kind != Value::Kind::None && !f.locals.count("self"))
            return f.self;
        return lookupName(e.text, e.loc, f);
    case Expr::Kind::Int: return Value::ofInt(e.i);
    case Expr::Kind::Float: return Value::ofFloat(e.f);
    case Expr::Kind::Bool: return Value::ofBool(e.b);
    case Expr::Kind::None: return Value::none();
    case Expr::Kind::Str: return Value::ofStr(e.text);
    case Expr::Kind::Tuple:
    case Expr::Kind::List:
    case Expr::Kind::Set: {
        std::vector<Value> items;
        for (const Expr& x : e.items) {
            if (x.kind == Expr::Kind::Starred) {
                for (Value& v : iterate(eval(x.items[0], f), x.loc))
                    items.push_back(std::move(v));
            } else {
                items.push_back(eval(x, f));
            }
            checkedCount(static_cast<int64_t>(items.size()), e.loc, "a list");
        }
        chargeHeld(items, e.loc);
        return Value::ofSequence(e.kind == Expr::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List, std::move(items));
    }
    case Expr::Kind::Dict: {
        Value d;
        d.kind = Value::Kind::Dict;
        d.dict = std::make_shared<DictData>();
        for (size_t k = 0; k + 1 < e.items.size(); k += 2) {
            if (e.items[k].kind == Expr::Kind::Starred) {
                const Value other = eval(e.items[k + 1], f);
                if (other.kind != Value::Kind::Dict)
                    fail(e.items[k + 1].loc, "TypeError: '" + typeNameOf(other) + "' object is not a mapping");
                for (const auto& kv : other.dict->entries) {
                    bool replaced = false;
                    for (auto& mine : d.dict->entries)
                        if (equal(mine.first, kv.first)) {
                            mine.second = kv.second;
                            replaced = true;
                        }
                    if (!replaced)
                        d.dict->entries.push_back(kv);
                }
                continue;
            }
            Value key = eval(e.items[k], f);
            Value value = eval(e.items[k + 1], f);
            bool replaced = false;
            for (auto& kv : d.dict->entries)
                if (equal(kv.first, key)) {
                    kv.second = value;
                    replaced = true;
                }
            if (!replaced)
                d.dict->entries.emplace_back(std::move(key), std::move(value));
        }
        return d;
    }
    case Expr::Kind::BinOp: {
        const Value a = eval(e.items[0], f);
        const Value b = eval(e.items[1], f);
        return binary(e.text, a, b, e.loc);
    }
    case Expr::Kind::Neg:
    case Expr::Kind::Pos:
    case Expr::Kind::Invert:
    case Expr::Kind::Not: return unary(e, f);
    case Expr::Kind::BoolOp: {
        Value v;
        for (const Expr& x : e.items) {
            v = eval(x, f);
            const bool t = truthy(v, x.loc);
            if ((e.text == "and" && !t) || (e.text == "or" && t))
                return v;
        }
        return v;
    }
    case Expr::Kind::IfExp: return truthy(eval(e.items[1], f), e.items[1].loc) ? eval(e.items[0], f) : eval(e.items[2], f);
    case Expr::Kind::Lambda: return lambdaFunction(e, f);
    case Expr::Kind::Compare: return evalCompare(e, f);
    case Expr::Kind::Attr: {
        Value obj = eval(e.items[0], f);
        m_attrExpr = &e;
        Value v = getAttr(obj, e.text, e.loc, f);
        m_attrExpr = nullptr;
        return v;
    }
    case Expr::Kind::Subscript: return subscript(eval(e.items[0], f), eval(e.items[1], f), e.loc, f);
    case Expr::Kind::Slice: {
        Value s;
        s.kind = Value::Kind::Slice;
        for (const Expr& x : e.items)
            s.items.push_back(eval(x, f));
        return s;
    }
    case Expr::Kind::Call: return evalCall(e, f);
    case Expr::Kind::Comp: return evalComp(e, f);
    case Expr::Kind::FString: return evalFString(e, f);
    case Expr::Kind::Format: return Value::ofStr(formatValue(eval(e.items[0], f), e.text, e.loc));
    case Expr::Kind::Starred: fail(e.loc, "SyntaxError: can't use starred expression here");
    }
    return Value::none();
}

Value Evaluator::evalFString(const Expr& e, Frame& f)
{
    std::string out;
    for (const Expr& part : e.items) {
        if (part.kind == Expr::Kind::Str) {
            out += part.text;
            continue;
        }
        const Value v = eval(part.items[0], f);
        if (part.i == 'r' || part.i == 'a')
            out += formatValue(Value::ofStr(repr(v)), part.text, part.loc);
        else
            out += formatValue(v, part.text, part.loc);
        checkedCount(static_cast<int64_t>(out.size()), e.loc, "a string");
    }
    return Value::ofStr(std::move(out));
}

Value Evaluator::unary(const Expr& e, Frame& f)
{
    const Value v = eval(e.items[0], f);
    if (e.kind == Expr::Kind::Not)
        return Value::ofBool(!truthy(v, e.loc));
    if (e.kind == Expr::Kind::Pos && (v.isNumber() || v.isTensor()))
        return v.kind == Value::Kind::Bool ? Value::ofInt(v.integer()) : v;
    if (e.kind == Expr::Kind::Invert && v.isInt())
        return Value::ofInt(~v.integer());
    if (e.kind == Expr::Kind::Neg) {
        if (v.isInt()) {
            if (v.integer() == std::numeric_limits<int64_t>::min())
                notYet(e.loc, "integers beyond 64 bits");
            return Value::ofInt(-v.integer());
        }
        if (v.kind == Value::Kind::Float)
            return Value::ofFloat(-v.f);
        if (v.isTensor())
            return binary("*", v, Value::ofInt(-1), e.loc);
    }
    const char* op = e.kind == Expr::Kind::Neg ? "-" : e.kind == Expr::Kind::Pos ? "+" : "~";
    fail(e.loc, std::string("TypeError: bad operand type for unary ") + op + ": '" + typeNameOf(v) + "'");
}

Value Evaluator::evalCompare(const Expr& e, Frame& f)
{
    Value left = eval(e.items[0], f);
    for (size_t k = 0; k < e.ops.size(); ++k) {
        Value right = eval(e.items[k + 1], f);
        const std::string& op = e.ops[k];
        bool r = false;
        if (op == "==")
            r = equal(left, right);
        else if (op == "!=")
            r = !equal(left, right);
        else if (op == "is" || op == "is not") {
            bool same = left.kind == right.kind;
            if (same) {
                switch (left.kind) {
                case Value::Kind::None: same = true; break;
                case Value::Kind::Module: same = left.module == right.module; break;
                case Value::Kind::List: same = left.list == right.list; break;
                case Value::Kind::Dict: same = left.dict == right.dict; break;
                case Value::Kind::Class: same = left.cls == right.cls; break;
                default: same = equal(left, right); break;
                }
            }
            r = op == "is" ? same : !same;
        } else if (op == "in" || op == "not in") {
            r = contains(right, left, e.items[k + 1].loc);
            if (op == "not in")
                r = !r;
        } else if (op == "<") {
            r = less(left, right, e.loc);
        } else if (op == ">") {
            r = less(right, left, e.loc);
        } else if (op == "<=") {
            r = !less(right, left, e.loc);
        } else if (op == ">=") {
            r = !less(left, right, e.loc);
        }
        if (!r)
            return Value::ofBool(false);
        left = std::move(right);
    }
    return Value::ofBool(true);
}

bool Evaluator::less(const Value& a, const Value& b, SourceLoc loc)
{
    const ValueNesting nesting(*this, " in comparison");
    if (a.isNumber() && b.isNumber()) {
        if (a.isInt() && b.isInt())
            return a.integer() < b.integer();
        return a.number() < b.number();
    }
    if (a.kind == Value::Kind::Str && b.kind == Value::Kind::Str)
        return a.s < b.s;
    if (a.isSequence() && b.isSequence() && a.kind == b.kind) {
        const auto& x = a.elements();
        const auto& y = b.elements();
        for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
            if (equal(x[k], y[k]))
                continue;
            return less(x[k], y[k], loc);
        }
        return x.size() < y.size();
    }
    if (a.isTensor() || b.isTensor())
        notYet(loc, "comparing tensors (their values are not known while the model is analysed)");
    fail(loc, "TypeError: '<' not supported between instances of '" + typeNameOf(a) + "' and '" + typeNameOf(b) + "'");
}

bool Evaluator::equal(const Value& a, const Value& b)
{
    const ValueNesting nesting(*this, " in comparison");
    if (a.isNumber() && b.isNumber()) {
        if (a.isInt() && b.isInt())
            return a.integer() == b.integer();
        return a.number() == b.number();
    }
    if (a.kind != b.kind) {
        if (a.isSequence() && b.isSequence())
            return false;
        return false;
    }
    switch (a.kind) {
    case Value::Kind::None: return true;
    case Value::Kind::Str: return a.s == b.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        if (a.list && a.list == b.list)
            return true; // the same list (Python compares items by identity first)
        const auto& x = a.elements();
        const auto& y = b.elements();
        if (x.size() != y.size())
            return false;
        for (size_t k = 0; k < x.size(); ++k)
            if (!equal(x[k], y[k]))
                return false;
        return true;
    }
    case Value::Kind::Module: return a.module == b.module;
    case Value::Kind::Builtin:
    case Value::Kind::Namespace: return a.s == b.s;
    case Value::Kind::Class: return a.cls == b.cls;
    case Value::Kind::Function: return a.fn == b.fn;
    case Value::Kind::Dict: {
        if (a.dict == b.dict)
            return true;
        if (a.dict->entries.size() != b.dict->entries.size())
            return false;
        for (size_t k = 0; k < a.dict->entries.size(); ++k)
            if (!equal(a.dict->entries[k].first, b.dict->entries[k].first) || !equal(a.dict->entries[k].second, b.dict->entries[k].second))
                return false;
        return true;
    }
    case Value::Kind::Range:
    case Value::Kind::Slice: return equal(Value::ofTuple(a.items), Value::ofTuple(b.items));
    case Value::Kind::Tensor: return a.data && a.data == b.data;
    default: return false;
    }
}

bool Evaluator::contains(const Value& container, const Value& item, SourceLoc loc)
{
    switch (container.kind) {
    case Value::Kind::Str:
        if (item.kind != Value::Kind::Str)
            fail(loc, "TypeError: 'in <string>' requires string as left operand, not " + typeNameOf(item));
        return container.s.find(item.s) != std::string::npos;
    case Value::Kind::Dict:
        for (const auto& kv : container.dict->entries)
            if (equal(kv.first, item))
                return true;
        return false;
    case Value::Kind::Module:
        if (container.module->kind() == ModuleKind::ModuleDict && item.kind == Value::Kind::Str)
            return container.module->findChild(item.s) != nullptr;
        break;
    default: break;
    }
    for (const Value& v : iterate(container, loc))
        if (equal(v, item))
            return true;
    return false;
}

bool Evaluator::truthy(const Value& v, SourceLoc loc)
{
    switch (v.kind) {
    case Value::Kind::None: return false;
    case Value::Kind::Bool: return v.b;
    case Value::Kind::Int: return v.i != 0;
    case Value::Kind::Float: return v.f != 0.0;
    case Value::Kind::Str: return !v.s.empty();
    case Value::Kind::List:
    case Value::Kind::Tuple: return !v.elements().empty();
    case Value::Kind::Dict: return !v.dict->entries.empty();
    case Value::Kind::Range: return !iterate(v, loc).empty();
    case Value::Kind::Module:
        if (v.module->kind() == ModuleKind::ModuleList || v.module->kind() == ModuleKind::ModuleDict
            || v.module->kind() == ModuleKind::Sequential)
            return v.module->childCount() > 0;
        return true;
    case Value::Kind::Tensor:
        notYet(loc, "the truth value of a tensor (its values are not known while the model is analysed)");
    default: return true;
    }
}

std::vector<Value> Evaluator::iterate(const Value& v, SourceLoc loc)
{
    switch (v.kind) {
    case Value::Kind::List:
    case Value::Kind::Tuple: return v.elements();
    case Value::Kind::Str: {
        std::vector<Value> out;
        for (char c : v.s)
            out.push_back(Value::ofStr(std::string(1, c)));
        return out;
    }
    case Value::Kind::Dict: {
        std::vector<Value> out;
        for (const auto& kv : v.dict->entries)
            out.push_back(kv.first);
        return out;
    }
    case Value::Kind::Range: {
        const int64_t start = v.items[0].i, stop = v.items[1].i, stepBy = v.items[2].i;
        const long double span = (static_cast<long double>(stop) - start) / stepBy;
        const int64_t count = span <= 0 ? 0 : static_cast<int64_t>(std::ceil(span));
        checkedCount(count, loc, "a range");
        std::vector<Value> out;
        out.reserve(static_cast<size_t>(count));
        for (int64_t k = 0; k < count; ++k)
            out.push_back(Value::ofInt(start + k * stepBy));
        return out;
    }
    case Value::Kind::Module: {
        const Module& m = *v.module;
        std::vector<Value> out;
        switch (m.kind()) {
        case ModuleKind::ModuleList:
        case ModuleKind::PlainList:
        case ModuleKind::Sequential:
            for (const Module::Child& c : m.children())
                out.push_back(Value::ofModule(c.module.get()));
            return out;
        case ModuleKind::ModuleDict:
            for (const Module::Child& c : m.children())
                out.push_back(Value::ofStr(c.name));
            return out;
        default: break;
        }
        break;
    }
    case Value::Kind::Tensor:
        if (v.shape.rank() == 0)
            fail(loc, "TypeError: iteration over a 0-d tensor");
        notYet(loc, "iterating over a tensor");
    default: break;
    }
    fail(loc, "TypeError: '" + typeNameOf(v) + "' object is not iterable");
}

Value Evaluator::evalComp(const Expr& e, Frame& f)
{
    // Comprehension variables live in their own scope, as in Python 3.
    Frame inner;
    inner.locals = f.locals;
    inner.outer = f.outer;
    inner.self = f.self;
    inner.cls = f.cls;
    inner.path = f.path;
    std::vector<Value> out;
    Value dict;
    if (e.text == "dict") {
        dict.kind = Value::Kind::Dict;
        dict.dict = std::make_shared<DictData>();
    }
    auto clause = [&](size_t k, auto& self) -> void {
        if (k + 2 >= e.items.size()) {
            if (e.text == "dict") {
                Value key = eval(e.items[0], inner);
                Value value = eval(e.items[1], inner);
                for (auto& kv : dict.dict->entries)
                    if (equal(kv.first, key)) {
                        kv.second = std::move(value);
                        return;
                    }
                dict.dict->entries.emplace_back(std::move(key), std::move(value));
            } else {
                out.push_back(eval(e.items[0], inner));
                checkedCount(static_cast<int64_t>(out.size()), e.loc, "a list");
            }
            return;
        }
        const Value iterable = eval(e.items[k + 1], inner);
        for (const Value& item : iterate(iterable, e.items[k + 1].loc)) {
            assign(e.items[k], item, inner, e.items[k].loc);
            bool ok = true;
            for (const Expr& c : e.items[k + 2].items)
                if (!truthy(eval(c, inner), c.loc)) {
                    ok = false;
                    break;
                }
            if (ok)
                self(k + 3, self);
        }
    };
    clause(2, clause);
    if (e.text == "dict")
        return dict;
    return Value::ofSequence(e.text == "tuple" ? Value::Kind::Tuple : Value::Kind::List, std::move(out));
}

Value Evaluator::evalCall(const Expr& e, Frame& f)
{
    const Value callee = eval(e.items[0], f);
    Args args;
    for (size_t k = 1; k < e.items.size(); ++k) {
        const Expr& a = e.items[k];
        if (a.kind == Expr::Kind::Starred) {
            for (Value& v : iterate(eval(a.items[0], f), a.loc))
                args.push_back(std::move(v));
        } else {
            args.push_back(eval(a, f));
        }
    }
    Kwargs kwargs;
    for (size_t k = 0; k < e.keywords.size(); ++k) {
        const auto& [name, value] = e.keywords[k];
        if (name.empty()) {
            const Value d = eval(value, f);
            if (d.kind != Value::Kind::Dict)
                fail(value.loc, "TypeError: argument after ** must be a mapping, not " + typeNameOf(d));
            for (const auto& [key, v] : d.dict->entries) {
                if (key.kind != Value::Kind::Str)
                    fail(value.loc, "TypeError: keywords must be strings");
                for (const auto& kw : kwargs)
                    if (kw.first == key.s)
                        fail(value.loc, "TypeError: got multiple values for keyword argument '" + key.s + "'");
                kwargs.emplace_back(key.s, v);
            }
            continue;
        }
        kwargs.emplace_back(name, eval(value, f));
    }
    // where each positional argument was written, for messages about layer arguments
    std::vector<SourceLoc> argLocs;
    for (size_t k = 1; k < e.items.size(); ++k)
        argLocs.push_back(e.items[k].loc);
    for (size_t k = 0; k < e.keywordLocs.size(); ++k)
        argLocs.push_back(e.keywordLocs[k]);
    m_callArgLocs = std::move(argLocs);
    m_callExpr = &e;
    const Expr* inPlace = m_building ? nullptr : inPlaceTarget(e, callee, args, kwargs);
    Value result = call(callee, std::move(args), std::move(kwargs), e.loc, f);
    if (inPlace && result.kind == Value::Kind::Tensor)
        rebindInPlace(inPlace->text, result, f, e.loc);
    return result;
}

// The name an in-place tensor op in forward changes, as written: x in x.mul_(m), torch.relu_(x),
// F.relu(x, inplace=True) or F.relu(x, True); nullptr when the call changes nothing in place
// or works on something other than a name.
const Expr* Evaluator::inPlaceTarget(const Expr& e, const Value& callee, const Args& args, const Kwargs& kwargs)
{
    auto inPlaceName = [](const std::string& n) { return n.size() > 1 && n.back() == '_' && n.rfind("__", 0) != 0; };
    const Expr* target = nullptr;
    if (callee.kind == Value::Kind::Method && !callee.fn && !callee.items.empty() && callee.items[0].kind == Value::Kind::Tensor) {
        if (inPlaceName(callee.s) && e.items[0].kind == Expr::Kind::Attr)
            target = &e.items[0].items[0];
    } else if (callee.kind == Value::Kind::Builtin && e.items.size() > 1 && !args.empty() && args[0].kind == Value::Kind::Tensor) {
        const std::string fn = callee.s.substr(callee.s.rfind('.') + 1);
        const bool functional = callee.s.rfind("torch.nn.functional.", 0) == 0;
        bool inplace = inPlaceName(fn);
        for (const auto& [name, v] : kwargs)
            inplace = inplace || (name == "inplace" && v.kind == Value::Kind::Bool && v.b);
        if (const ForwardOp* op = findForwardOp(functional ? Spelling::Functional : Spelling::Torch, fn)) {
            const auto at = std::find(op->params.begin(), op->params.end(), "inplace");
            const auto k = static_cast<size_t>(at - op->params.begin()) + 1;
            inplace = inplace || (at != op->params.end() && k < args.size() && args[k].kind == Value::Kind::Bool && args[k].b);
        }
        if (inplace && e.items[1].kind != Expr::Kind::Starred)
            target = &e.items[1];
    }
    if (!target || target->kind == Expr::Kind::Name)
        return target;
    // In place on a stored tensor (an attribute, element or slice) that others may read later;
    // on a value made in the call itself (F.relu(self.fc(x), inplace=True)) nothing else sees it.
    if (target->kind == Expr::Kind::Attr || target->kind == Expr::Kind::Subscript)
        notYet(e.loc, "an in-place op on '" + toSource(*target)
                          + "' (ModuleLab changes names of a tensor in place, not attributes, elements or slices)");
    return nullptr;
}

// After x.mul_(m): x, and every other name of this call for the same tensor (identity = x),
// hold the result, as PyTorch changes the one tensor they all name.
void Evaluator::rebindInPlace(const std::string& name, const Value& result, Frame& f, SourceLoc loc)
{
    auto it = f.locals.find(name);
    if (it == f.locals.end() || it->second.kind != Value::Kind::Tensor)
        return;
    const Value before = it->second;
    if (before.data) {
        for (auto& [other, v] : f.locals) {
            if (other == name || v.kind != Value::Kind::Tensor || v.data != before.data)
                continue;
            if (!(v.shape == before.shape))
                notYet(loc, "an in-place op on '" + name + "' while '" + other + "' views the same tensor with another shape");
            v = result;
        }
    }
    it->second = result;
}

} // namespace ml::detail
