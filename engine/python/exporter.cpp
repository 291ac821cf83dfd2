#include "engine/python/exporter.h"

#include "engine/layer.h"
#include "engine/program.h"

#include <map>
#include <set>
#include <vector>

namespace ml::python {

namespace {

std::string pad(int spaces)
{
    return std::string(static_cast<size_t>(spaces), ' ');
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

class Exporter {
public:
    std::string run(const Module& root, const Shape* inputShape, std::string_view instanceName);

private:
    void collectClasses(const Module& m);
    std::string classBody(const CustomModule& m);
    std::string moduleExpr(const Module& m, int indent);
    std::string layerExpr(const Layer& l);
    std::string listBody(const Module& m, int indent, const char* open, const char* close);

    std::map<const Module*, std::string> m_classOf; // custom module -> exported class name
    std::vector<std::pair<std::string, std::string>> m_classes; // (name, text) in output order
    std::set<std::string> m_takenNames;
    bool m_needsOrderedDict = false;
};

std::string Exporter::layerExpr(const Layer& l)
{
    std::string s = "nn." + l.typeName() + "(";
    const LayerSchema& schema = l.schema();
    bool first = true;
    bool keywords = false;
    for (const auto& [name, value] : l.nonDefaultArgs()) {
        const int i = schema.indexOf(name);
        const bool required = i >= 0 && schema.args[static_cast<size_t>(i)].required;
        s += first ? "" : ", ";
        first = false;
        if (required && !keywords) {
            s += value->repr();
        } else {
            keywords = true;
            s += std::string(name) + "=" + value->repr();
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
    switch (m.kind()) {
    case ModuleKind::Layer: return layerExpr(static_cast<const Layer&>(m));
    case ModuleKind::Custom: return m_classOf.at(&m) + "()";
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

std::string Exporter::classBody(const CustomModule& m)
{
    std::string s = "(nn.Module):\n    def __init__(self):\n        super().__init__()\n";
    for (const Module::Child& c : m.children())
        s += "        self." + c.name + " = " + moduleExpr(*c.module, 8) + "\n";
    s += "\n" + toSource(m.program(), 1);
    if (m.program().body.empty())
        s += "\n        pass";
    return s + "\n";
}

// Post-order: the classes a class uses are written before it.
void Exporter::collectClasses(const Module& m)
{
    for (const Module::Child& c : m.children())
        collectClasses(*c.module);
    if (m.kind() != ModuleKind::Custom)
        return;
    const auto& custom = static_cast<const CustomModule&>(m);
    const std::string base = custom.typeName();
    const std::string body = classBody(custom);
    for (int suffix = 1;; ++suffix) {
        const std::string name = suffix == 1 ? base : base + "_" + std::to_string(suffix);
        bool clash = false;
        for (const auto& [existing, text] : m_classes) {
            if (existing != name)
                continue;
            if (text == body) {
                m_classOf[&m] = name;
                return;
            }
            clash = true;
        }
        if (!clash && (suffix == 1 || !m_takenNames.count(name))) {
            m_classOf[&m] = name;
            m_classes.emplace_back(name, body);
            return;
        }
    }
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
    collectClasses(root);
    std::string body;
    for (const auto& [name, text] : m_classes)
        body += "\n\nclass " + name + text;
    const std::string instance = root.kind() == ModuleKind::Custom ? m_classOf.at(&root) + "()" : moduleExpr(root, 0);
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
