#include "engine/python/exporter.h"

#include "engine/layer.h"
#include "engine/names.h"
#include "engine/program.h"

#include <algorithm>
#include <map>
#include <cctype>
#include <set>
#include <vector>

namespace ml::python {

namespace {

// A parameter's or buffer's initial value as Python source: torch.zeros/ones/full of its shape,
// or torch.tensor of its values.
std::string initialTensorSource(const Shape& shape, float fill, const Tensor* data)
{
    auto dims = [&] {
        std::string s;
        for (int k = 0; k < shape.rank(); ++k)
            s += (k ? ", " : "") + std::to_string(shape[k]);
        return shape.rank() == 0 ? std::string("()") : s;
    };
    if (data) {
        int64_t at = 0;
        auto nested = [&](int d, auto& self) -> std::string {
            if (d == shape.rank()) {
                Expr e;
                e.kind = Expr::Kind::Float;
                e.f = (*data)[at++];
                return toSource(e);
            }
            std::string s = "[";
            for (int64_t k = 0; k < shape[d]; ++k)
                s += (k ? ", " : "") + self(d + 1, self);
            return s + "]";
        };
        return "torch.tensor(" + nested(0, nested) + ")";
    }
    if (fill == 0.0f)
        return "torch.zeros(" + dims() + ")";
    if (fill == 1.0f)
        return "torch.ones(" + dims() + ")";
    Expr e;
    e.kind = Expr::Kind::Float;
    e.f = fill;
    return "torch.full((" + dims() + (shape.rank() == 1 ? "," : "") + "), " + toSource(e) + ")";
}

// An argument as Python source: repr() except for the floats Python has no literal for
// (inf is written 1e999, which Python reads back as inf; nan as float('nan')).
std::string argSource(const ArgValue& v)
{
    if (v.type != ArgValue::Type::Float)
        return v.repr();
    Expr e;
    e.kind = Expr::Kind::Float;
    e.f = v.f;
    return toSource(e);
}

std::string pad(int spaces)
{
    return std::string(static_cast<size_t>(spaces), ' ');
}

// A name `self.NAME` can be written with: an ASCII Python identifier (other names go through
// add_module, register_parameter or setattr, which take any string).
bool isIdentifier(const std::string& name)
{
    return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]))
        && std::all_of(name.begin(), name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
}

// Python's repr of a str, single-quoted.
std::string quoted(const std::string& s)
{
    std::string out = "'";
    for (char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out + "'";
}

// Instances of one class that differ only in layer arguments share one exported class whose
// constructor takes the differing values: Block(8, 8, 1) and Block(8, 16, 2). Instances that
// differ in structure or forward get classes of their own (Name, Name_2, ...).
struct Param {
    std::string name;
    std::vector<ArgValue> values; // one per instance of the class
};

struct ClassGroup {
    std::string typeName;
    std::string signature;
    std::string name; // exported
    std::vector<const CustomModule*> instances;
    std::vector<Param> params;
};

// One editable value in a class body: a layer argument or an argument of a nested class.
struct Slot {
    std::string path;
    std::string argName;
    const Module* module;
    int index;
    ArgValue value;
};

class Exporter {
public:
    std::string run(const Module& root, const Shape* inputShape, std::string_view instanceName);

private:
    void collectGroups(const Module& m);
    std::string signature(const Module& m) const;
    void slotsOf(const Module& m, const std::string& path, std::vector<Slot>& out) const;
    void deriveParams(ClassGroup& g);
    std::string classText(const ClassGroup& g);
    std::string moduleExpr(const Module& m, int indent);
    std::string layerExpr(const Layer& l);
    std::string listBody(const Module& m, int indent, const char* open, const char* close);
    const ArgValue& instanceArg(const Module& custom, int j) const
    {
        const ClassGroup& g = m_groups[static_cast<size_t>(m_groupOf.at(&custom))];
        return g.params[static_cast<size_t>(j)].values[static_cast<size_t>(m_instanceIndex.at(&custom))];
    }

    std::vector<ClassGroup> m_groups;
    std::map<const Module*, int> m_groupOf;
    std::map<const Module*, int> m_instanceIndex;
    std::map<std::pair<const Module*, int>, std::string> m_paramAt; // value written as a parameter name
    std::set<std::string> m_takenNames;
    bool m_needsOrderedDict = false;
    // The class being written and where it placed the modules stored in several places: a later
    // place is written as the first one's attribute (self.fc), the one PyTorch object.
    const Module* m_writing = nullptr;
    std::map<const void*, std::string> m_sharedAt;
};

std::string Exporter::signature(const Module& m) const
{
    switch (m.kind()) {
    case ModuleKind::Layer: return "L" + m.typeName();
    case ModuleKind::Custom: return "C" + std::to_string(m_groupOf.at(&m));
    default: break;
    }
    std::string s = "K" + std::string(moduleKindName(m.kind())) + "(";
    for (const Module::Child& c : m.children())
        s += c.name + "=" + signature(*c.module) + ";";
    return s + ")";
}

void Exporter::slotsOf(const Module& m, const std::string& path, std::vector<Slot>& out) const
{
    if (m.kind() == ModuleKind::Layer) {
        const auto& l = static_cast<const Layer&>(m);
        const LayerSchema& schema = l.schema();
        for (size_t i = 0; i < schema.args.size() && i < l.args().size(); ++i)
            out.push_back({path, std::string(schema.args[i].name), &m, static_cast<int>(i), l.args()[i]});
        return;
    }
    if (m.kind() == ModuleKind::Custom && !path.empty()) {
        const ClassGroup& g = m_groups[static_cast<size_t>(m_groupOf.at(&m))];
        for (size_t j = 0; j < g.params.size(); ++j)
            out.push_back({path, g.params[j].name, &m, static_cast<int>(j), instanceArg(m, static_cast<int>(j))});
        return;
    }
    for (const Module::Child& c : m.children())
        slotsOf(*c.module, joinName(path, c.name), out);
}

// Post-order, so that a class's children are grouped before the class itself.
void Exporter::collectGroups(const Module& m)
{
    for (const Module::Child& c : m.children())
        collectGroups(*c.module);
    if (m.kind() != ModuleKind::Custom)
        return;
    const auto& custom = static_cast<const CustomModule&>(m);
    std::string sig;
    for (const Module::Child& c : m.children())
        sig += c.name + "=" + signature(*c.module) + ";";
    sig += "|" + toSource(custom.program());
    const std::vector<TensorSpec> specs = custom.tensorSpecs();
    for (size_t k = 0; k < specs.size(); ++k)
        sig += "|" + specs[k].name + (specs[k].isBuffer ? (specs[k].persistent ? "B" : "b") : "P") + specs[k].shape.toString()
            + initialTensorSource(specs[k].shape, custom.initialFill(k), custom.initialData(k));
    for (const auto& [name, value] : custom.program().attributes)
        sig += "|" + name + "=" + toSource(value);
    for (const Method& method : custom.program().methods)
        sig += "|" + toSource(method);
    for (size_t g = 0; g < m_groups.size(); ++g) {
        if (m_groups[g].typeName == custom.typeName() && m_groups[g].signature == sig) {
            m_groupOf[&m] = static_cast<int>(g);
            m_instanceIndex[&m] = static_cast<int>(m_groups[g].instances.size());
            m_groups[g].instances.push_back(&custom);
            return;
        }
    }
    ClassGroup g;
    g.typeName = custom.typeName();
    g.signature = sig;
    g.instances.push_back(&custom);
    m_groupOf[&m] = static_cast<int>(m_groups.size());
    m_instanceIndex[&m] = 0;
    m_groups.push_back(std::move(g));
}

// The values that differ between instances become constructor parameters; slots that always
// hold equal values share one parameter. Named after the argument (in_channels), or after the
// child and the argument (conv_in_channels) where that is ambiguous.
void Exporter::deriveParams(ClassGroup& g)
{
    std::vector<std::vector<Slot>> perInstance;
    for (const CustomModule* inst : g.instances) {
        perInstance.emplace_back();
        slotsOf(*inst, {}, perInstance.back());
    }
    const std::vector<Slot>& first = perInstance[0];
    struct Candidate {
        std::vector<ArgValue> values;
        std::vector<size_t> slots;
    };
    std::vector<Candidate> candidates;
    for (size_t k = 0; k < first.size(); ++k) {
        std::vector<ArgValue> values;
        bool varies = false;
        for (const auto& slots : perInstance) {
            values.push_back(slots[k].value);
            varies = varies || !(slots[k].value == first[k].value);
        }
        if (!varies)
            continue;
        auto same = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.values == values; });
        if (same != candidates.end())
            same->slots.push_back(k);
        else
            candidates.push_back({std::move(values), {k}});
    }
    std::vector<std::string> names;
    for (const Candidate& c : candidates)
        names.push_back(first[c.slots[0]].argName);
    for (size_t i = 0; i < candidates.size(); ++i) {
        const Slot& s = first[candidates[i].slots[0]];
        const bool ambiguous = std::count(names.begin(), names.end(), s.argName) > 1;
        std::string name = s.argName;
        if (ambiguous || !isPythonIdentifier(name) || name == "self") {
            name = s.path + "_" + s.argName;
            std::replace(name.begin(), name.end(), '.', '_');
        }
        std::string unique = name;
        for (int n = 2; std::any_of(g.params.begin(), g.params.end(), [&](const Param& p) { return p.name == unique; })
             || !isPythonIdentifier(unique);
             ++n)
            unique = "arg" + std::to_string(n) + "_" + name;
        g.params.push_back({unique, candidates[i].values});
        for (size_t k : candidates[i].slots)
            m_paramAt[{first[k].module, first[k].index}] = unique;
    }
}

std::string Exporter::layerExpr(const Layer& l)
{
    std::string s = "nn." + l.typeName() + "(";
    const LayerSchema& schema = l.schema();
    bool first = true;
    bool keywords = false;
    for (size_t i = 0; i < schema.args.size() && i < l.args().size(); ++i) {
        const ArgSpec& spec = schema.args[i];
        auto param = m_paramAt.find({&l, static_cast<int>(i)});
        const bool isParam = param != m_paramAt.end();
        if (!isParam && !spec.required && l.args()[i] == spec.defaultValue)
            continue;
        const std::string value = isParam ? param->second : argSource(l.args()[i]);
        s += first ? "" : ", ";
        first = false;
        if (spec.required && !keywords) {
            s += value;
        } else {
            keywords = true;
            s += std::string(spec.name) + "=" + value;
        }
    }
    return s + ")";
}

// "[\n    a,\n    b,\n]" with the elements one indentation deeper than `indent`; a list of
// two or more identical modules becomes "[a for _ in range(n)]".
std::string Exporter::listBody(const Module& m, int indent, const char* open, const char* close)
{
    std::vector<std::string> items;
    for (const Module::Child& c : m.children())
        items.push_back(moduleExpr(*c.module, indent + 4));
    bool same = items.size() >= 2;
    for (const std::string& i : items)
        same = same && i == items[0];
    if (same) {
        // the comprehension's element is written at the list's own depth
        return std::string(open) + "[" + moduleExpr(*m.child(0), indent) + " for _ in range(" + std::to_string(items.size())
            + ")]" + close;
    }
    std::string s = std::string(open) + "[\n";
    for (const std::string& i : items)
        s += pad(indent + 4) + i + ",\n";
    return s + pad(indent) + "]" + close;
}

std::string Exporter::moduleExpr(const Module& m, int indent)
{
    if (m.isShared() && m_writing) {
        std::string path;
        const Module* p = &m;
        for (; p && p != m_writing; p = p->parent()) {
            const std::string& n = p->name();
            const bool digits = !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
            path = (digits ? "[" + n + "]" : "." + n) + path;
        }
        if (p == m_writing) {
            const auto [it, first] = m_sharedAt.emplace(m.identity(), "self" + path);
            if (!first)
                return it->second;
        }
    }
    switch (m.kind()) {
    case ModuleKind::Layer: return layerExpr(static_cast<const Layer&>(m));
    case ModuleKind::Custom: {
        const ClassGroup& g = m_groups[static_cast<size_t>(m_groupOf.at(&m))];
        std::string s = g.name + "(";
        for (size_t j = 0; j < g.params.size(); ++j) {
            auto param = m_paramAt.find({&m, static_cast<int>(j)});
            s += (j ? ", " : "") + (param != m_paramAt.end() ? param->second : argSource(instanceArg(m, static_cast<int>(j))));
        }
        return s + ")";
    }
    case ModuleKind::Sequential: {
        if (m.childCount() == 0)
            return "nn.Sequential()";
        if (m.namesArePositions()) {
            std::string s = "nn.Sequential(\n";
            for (const Module::Child& c : m.children())
                s += pad(indent + 4) + moduleExpr(*c.module, indent + 4) + ",\n";
            return s + pad(indent) + ")";
        }
        m_needsOrderedDict = true;
        std::string s = "nn.Sequential(OrderedDict([\n";
        for (const Module::Child& c : m.children())
            s += pad(indent + 4) + "(" + quoted(c.name) + ", " + moduleExpr(*c.module, indent + 4) + "),\n";
        return s + pad(indent) + "]))";
    }
    case ModuleKind::ModuleList:
        if (m.childCount() == 0)
            return "nn.ModuleList()";
        return listBody(m, indent, "nn.ModuleList(", ")");
    case ModuleKind::PlainList:
        if (m.childCount() == 0)
            return "[]";
        return listBody(m, indent, "", "");
    case ModuleKind::ModuleDict: {
        if (m.childCount() == 0)
            return "nn.ModuleDict()";
        std::string s = "nn.ModuleDict({\n";
        for (const Module::Child& c : m.children())
            s += pad(indent + 4) + quoted(c.name) + ": " + moduleExpr(*c.module, indent + 4) + ",\n";
        return s + pad(indent) + "})";
    }
    }
    return {};
}

std::string Exporter::classText(const ClassGroup& g)
{
    const CustomModule& m = *g.instances[0];
    std::string s = "\n\nclass " + g.name + "(nn.Module):\n    def __init__(self";
    for (const Param& p : g.params)
        s += ", " + p.name;
    s += "):\n        super().__init__()\n";
    // `self.NAME = ...` only for an identifier; add_module, register_parameter and setattr take any name
    for (const auto& [name, value] : m.program().attributes)
        s += isIdentifier(name) ? "        self." + name + " = " + toSource(value) + "\n"
                                : "        setattr(self, " + quoted(name) + ", " + toSource(value) + ")\n";
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    for (size_t k = 0; k < specs.size(); ++k) {
        const std::string value = initialTensorSource(specs[k].shape, m.initialFill(k), m.initialData(k));
        if (specs[k].isBuffer)
            s += "        self.register_buffer(" + quoted(specs[k].name) + ", " + value + (specs[k].persistent ? "" : ", persistent=False") + ")\n";
        else if (isIdentifier(specs[k].name))
            s += "        self." + specs[k].name + " = nn.Parameter(" + value + ")\n";
        else
            s += "        self.register_parameter(" + quoted(specs[k].name) + ", nn.Parameter(" + value + "))\n";
    }
    m_writing = &m;
    m_sharedAt.clear();
    for (const Module::Child& c : m.children()) {
        const std::string value = moduleExpr(*c.module, 8);
        s += isIdentifier(c.name) ? "        self." + c.name + " = " + value + "\n" : "        self.add_module(" + quoted(c.name) + ", " + value + ")\n";
    }
    m_writing = nullptr;
    s += "\n" + toSource(m.program(), 1);
    for (const Method& method : m.program().methods)
        if (!method.isFunction)
            s += "\n\n" + toSource(method, 1);
    return s + "\n";
}

void collectNames(const Module& m, std::set<std::string>& names)
{
    if (m.kind() == ModuleKind::Custom)
        names.insert(m.typeName());
    for (const Module::Child& c : m.children())
        collectNames(*c.module, names);
}

std::string Exporter::run(const Module& root, const Shape* inputShape, std::string_view instanceName)
{
    collectNames(root, m_takenNames);
    collectGroups(root);
    // names: the first group of a class name keeps it, later ones get the next free Name_N
    std::set<std::string> used;
    for (ClassGroup& g : m_groups) {
        g.name = g.typeName;
        for (int n = 2; used.count(g.name); ++n) {
            const std::string candidate = g.typeName + "_" + std::to_string(n);
            if (!used.count(candidate) && !m_takenNames.count(candidate))
                g.name = candidate;
        }
        used.insert(g.name);
    }
    for (ClassGroup& g : m_groups) // children's groups come first
        deriveParams(g);
    std::string body;
    std::set<std::string> functions; // the file's functions forward calls, at the module level, once
    for (const ClassGroup& g : m_groups)
        for (const Method& method : g.instances[0]->program().methods)
            if (method.isFunction && functions.insert(method.name).second) {
                const std::string text = toSource(method, 0);
                body += "\n\n" + text.substr(text.find('\n') + 1) + "\n"; // without the @staticmethod line
            }
    for (const ClassGroup& g : m_groups)
        body += classText(g);
    const std::string instance = moduleExpr(root, 0);
    std::string s = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n";
    if (m_needsOrderedDict)
        s += "from collections import OrderedDict\n";
    s += body + "\n\n" + std::string(instanceName) + " = " + instance + "\n";
    if (inputShape) {
        s += "# input: ";
        for (int k = 0; k < inputShape->rank(); ++k)
            s += (k ? "," : "") + std::to_string((*inputShape)[k]);
        s += "\n";
    }
    return s;
}

} // namespace

std::string exportPython(const Module& root, std::string_view instanceName)
{
    return Exporter().run(root, nullptr, instanceName);
}

std::string exportPython(const Module& root, const Shape& inputShape, std::string_view instanceName)
{
    return Exporter().run(root, &inputShape, instanceName);
}

} // namespace ml::python
