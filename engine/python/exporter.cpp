#include "engine/python/exporter.h"

#include "engine/layer.h"
#include "engine/names.h"
#include "engine/program.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
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

// Every instance of one class is written as one class whose constructor takes what differs
// between them: layer arguments and attributes as values (Block(8, 8, 1), Block(8, 16, 2)), a
// child whose structure differs as a module (BasicBlock(64, 128, 2, nn.Sequential(...))), a
// child only some instances have as an optional module (Tree(..., prev_root=...)). Only
// instances that differ in forward, helper methods or own tensors, or whose attributes and
// children cannot be written by one __init__, get classes of their own (Name, Name_2, ...).
enum class Placement {
    Inline,   // the same in every instance: written in __init__, its differing arguments as parameters
    Argument, // differs in structure (or is None in some instances): a constructor argument
    Optional, // missing in some instances: a constructor argument that defaults to None
};

struct Member {
    std::string name;
    Placement placement = Placement::Inline;
};

struct Param {
    std::string name;
    std::vector<std::string> values; // Python source, one per instance (a value parameter)
    int member = -1;                 // a module parameter: its index in members
};

// The attributes every instance sets (in order) and the children in one order all follow.
struct Layout {
    std::vector<std::string> attributes;
    std::vector<Member> members;
};

struct ClassGroup {
    std::string typeName;
    std::string core; // forward, helper methods and own tensors: equal in every instance
    std::string name; // exported
    std::vector<const CustomModule*> instances;
    Layout layout;
    std::vector<Param> params;
    enum class State { New, Placing, Placed, Deriving, Derived } state = State::New;
};

// One value in a class body that may differ between instances: a layer argument, an attribute,
// or a value argument of a nested class.
struct Slot {
    std::string path;    // relative to the class: "conv1", "layer.0", "" for an attribute
    std::string argName; // "in_channels", the nested class's parameter, the attribute's name
    std::pair<const Module*, std::string> key;
    std::string value;   // Python source
    bool attribute = false;
    bool nested = false; // a nested class's parameter: its name means something inside that class
};

bool isNone(const Expr& e)
{
    return e.kind == Expr::Kind::None;
}

// Names a parameter must not take: they would hide what __init__ reads.
bool reservedName(const std::string& name)
{
    static const std::set<std::string> kReserved = {"self", "torch", "nn", "F", "super", "setattr", "float", "OrderedDict"};
    return kReserved.count(name) > 0;
}

// The layout one __init__ writes for all of instances, or nothing when none can: an attribute
// only some set, children in different orders, a name that is a child in one instance and a
// value other than None in another.
std::optional<Layout> layoutOf(const std::vector<const CustomModule*>& instances)
{
    std::vector<std::string> merged;
    for (const CustomModule* inst : instances) {
        size_t pos = 0;
        for (const Module::Child& c : inst->children()) {
            const auto it = std::find(merged.begin(), merged.end(), c.name);
            if (it == merged.end()) {
                merged.insert(merged.begin() + static_cast<std::ptrdiff_t>(pos), c.name);
                ++pos;
            } else {
                const size_t at = static_cast<size_t>(it - merged.begin());
                if (at < pos)
                    return std::nullopt;
                pos = at + 1;
            }
        }
    }
    Layout layout;
    bool firstInstance = true;
    for (const CustomModule* inst : instances) {
        std::vector<std::string> attributes;
        for (const auto& [name, value] : inst->program().attributes) {
            if (std::find(merged.begin(), merged.end(), name) == merged.end())
                attributes.push_back(name);
            else if (!isNone(value))
                return std::nullopt;
        }
        if (firstInstance)
            layout.attributes = attributes;
        else if (attributes != layout.attributes)
            return std::nullopt;
        firstInstance = false;
    }
    for (const std::string& name : merged) {
        size_t asChild = 0, asNone = 0;
        for (const CustomModule* inst : instances) {
            if (inst->findChild(name))
                ++asChild;
            else if (inst->program().attribute(name))
                ++asNone;
        }
        Member m{name, Placement::Inline};
        if (asChild + asNone < instances.size()) {
            if (asNone > 0)
                return std::nullopt;
            m.placement = Placement::Optional;
        } else if (asNone > 0) {
            m.placement = Placement::Argument;
        }
        layout.members.push_back(std::move(m));
    }
    return layout;
}

// Whether b can join a group whose first instance is a without changing its layout: the same
// children and attributes in the same order.
bool sameNames(const CustomModule& a, const CustomModule& b)
{
    if (a.childCount() != b.childCount() || a.program().attributes.size() != b.program().attributes.size())
        return false;
    for (int k = 0; k < a.childCount(); ++k)
        if (a.childName(k) != b.childName(k))
            return false;
    for (size_t k = 0; k < a.program().attributes.size(); ++k)
        if (a.program().attributes[k].first != b.program().attributes[k].first
            || isNone(a.program().attributes[k].second) != isNone(b.program().attributes[k].second))
            return false;
    return true;
}

class Exporter {
public:
    std::string run(const Module& root, const Shape* inputShape, std::string_view instanceName);

private:
    void collectGroups(const Module& m);
    std::string core(const CustomModule& m) const;
    std::string signature(const Module& m);
    void place(ClassGroup& g);
    bool sharedOutside(const Module& instance, const Module& child) const;
    void derive(ClassGroup& g);
    void slotsOf(const Module& m, const std::string& path, std::vector<Slot>& out, bool classRoot);
    void nameParams(ClassGroup& g, const std::vector<std::vector<Slot>>& perInstance);
    std::string classText(const ClassGroup& g);
    std::string moduleExpr(const Module& m, int indent);
    std::string customExpr(const CustomModule& m, int indent);
    std::string layerExpr(const Layer& l);
    std::string listBody(const Module& m, int indent, const char* open, const char* close);
    // A class of the file derived from a container (class ConvBNReLU(nn.Sequential)): its
    // signature ("" for a plain container), and the name it is exported under (its class is
    // written once per different forward: Name, Name_2, ...).
    static std::string derivedSignature(const Module& m);
    std::string derivedName(const Module& m);
    std::string derivedClassText(const Module& m, const std::string& name) const;
    std::optional<std::string> pathExpr(const Module& m) const;
    int deferFrom(const Module& container, std::vector<std::string>* items, int indent);
    std::string statement(const std::string& head, const Module& value, int indent, const std::string& tail = {});
    std::string stepwise(const std::string& head, const Module& container, int indent, const std::string& tail);
    int nesting(const Module& m) const;
    bool builtInSteps(const Module& m) const;
    std::string frozenLines(const Module& root);
    ClassGroup& groupOf(const Module& m) { return m_groups[static_cast<size_t>(m_groupOf.at(&m))]; }
    size_t instanceIndex(const Module& m) const { return static_cast<size_t>(m_instanceIndex.at(&m)); }

    std::vector<ClassGroup> m_groups;
    std::map<const Module*, int> m_groupOf;
    std::map<const Module*, int> m_instanceIndex;
    std::map<const void*, int> m_places; // how often the tree holds each shared module
    // A value written as a parameter name: (layer, argument), (nested class, its parameter),
    // (class, "." + attribute).
    std::map<std::pair<const Module*, std::string>, std::string> m_paramAt;
    std::set<std::string> m_takenNames;
    bool m_needsOrderedDict = false;
    // The class being written and where it placed the modules stored in several places: a later
    // place is written as the first one's attribute (self.fc), the one PyTorch object.
    const Module* m_writing = nullptr;
    std::string m_self = "self"; // how the code names m_writing: self, or the model's variable
    std::map<const void*, std::string> m_sharedAt;
    // The statement being written: the shared modules it places first, which cannot be named
    // before it ends, and the statements that follow it (a container's children from a later
    // place of such a module on, appended to it).
    struct Statement {
        int indent = 0;
        std::set<const void*> placed;
        std::vector<std::string> after;
    };
    std::vector<Statement> m_statements;
    int m_nestedCount = 0; // containers built in steps (_nested1, _nested2, ...)
    std::map<std::string, std::string> m_derivedNames; // derivedSignature -> exported class name
    std::string m_derivedClasses;                      // their class texts, in order of first use
};

std::string Exporter::derivedSignature(const Module& m)
{
    const std::string& cls = static_cast<const Container&>(m).className();
    if (cls.empty())
        return {};
    const ForwardProgram* own = m.ownForward();
    std::string s = ":" + cls + "{";
    if (own) {
        s += toSource(*own);
        for (const auto& [name, value] : own->attributes)
            s += "|" + name + "=" + toSource(value);
        for (const Method& method : own->methods)
            s += "|" + toSource(method, 1);
    }
    return s + "}";
}

std::string Exporter::derivedName(const Module& m)
{
    const std::string sig = derivedSignature(m);
    if (auto it = m_derivedNames.find(sig); it != m_derivedNames.end())
        return it->second;
    const std::string& cls = m.typeName();
    std::string name = cls;
    auto taken = [&](const std::string& n) {
        for (const auto& kv : m_derivedNames)
            if (kv.second == n)
                return true;
        return std::any_of(m_groups.begin(), m_groups.end(), [&](const ClassGroup& g) { return g.name == n; });
    };
    for (int n = 2; taken(name); ++n)
        name = cls + "_" + std::to_string(n);
    m_derivedNames.emplace(sig, name);
    m_derivedClasses += derivedClassText(m, name);
    return name;
}

std::string Exporter::derivedClassText(const Module& m, const std::string& name) const
{
    std::string s = "\n\nclass " + name + "(nn." + std::string(m.kind() == ModuleKind::Sequential ? "Sequential"
                                                                 : m.kind() == ModuleKind::ModuleList ? "ModuleList" : "ModuleDict")
        + "):\n";
    const ForwardProgram* own = m.ownForward();
    if (!own)
        return s + "    pass\n"; // the container's __init__ and forward
    for (const auto& [attr, value] : own->attributes) // read by forward as self.NAME
        if (isIdentifier(attr))
            s += "    " + attr + " = " + toSource(value) + "\n";
    s += "\n" + toSource(*own, 1);
    for (const Method& method : own->methods)
        if (!method.isFunction)
            s += "\n\n" + toSource(method, 1);
    return s + "\n";
}

std::string Exporter::core(const CustomModule& custom) const
{
    std::string sig = toSource(custom.program());
    const std::vector<TensorSpec> specs = custom.tensorSpecs();
    for (size_t k = 0; k < specs.size(); ++k)
        sig += "|" + specs[k].name + (specs[k].isBuffer ? (specs[k].persistent ? "B" : "b") : "P") + specs[k].shape.toString()
            + initialTensorSource(specs[k].shape, custom.initialFill(k), custom.initialData(k));
    for (const Method& method : custom.program().methods)
        sig += "|" + toSource(method);
    return sig;
}

// Post-order, so that a class's children are grouped before the class itself.
void Exporter::collectGroups(const Module& m)
{
    for (const Module::Child& c : m.children())
        collectGroups(*c.module);
    if (m.kind() != ModuleKind::Custom)
        return;
    const auto& custom = static_cast<const CustomModule&>(m);
    const std::string sig = core(custom);
    for (size_t g = 0; g < m_groups.size(); ++g) {
        ClassGroup& group = m_groups[g];
        if (group.typeName != custom.typeName() || group.core != sig)
            continue;
        if (!sameNames(*group.instances[0], custom)) {
            std::vector<const CustomModule*> all = group.instances;
            all.push_back(&custom);
            std::optional<Layout> layout = layoutOf(all);
            if (!layout)
                continue;
            group.layout = std::move(*layout);
        }
        m_groupOf[&m] = static_cast<int>(g);
        m_instanceIndex[&m] = static_cast<int>(group.instances.size());
        group.instances.push_back(&custom);
        return;
    }
    ClassGroup g;
    g.typeName = custom.typeName();
    g.core = sig;
    g.instances.push_back(&custom);
    g.layout = *layoutOf(g.instances);
    m_groupOf[&m] = static_cast<int>(m_groups.size());
    m_instanceIndex[&m] = 0;
    m_groups.push_back(std::move(g));
}

// The structure of a subtree, without the values a constructor parameter can carry.
std::string Exporter::signature(const Module& m)
{
    switch (m.kind()) {
    case ModuleKind::Layer: return "L" + m.typeName();
    case ModuleKind::Custom: {
        ClassGroup& g = groupOf(m);
        if (g.state == ClassGroup::State::Placing) // a class inside itself: never written inline
            return "C?" + std::to_string(reinterpret_cast<std::uintptr_t>(&m));
        place(g);
        std::string s = "C" + std::to_string(m_groupOf.at(&m)) + "(";
        for (const Member& member : g.layout.members) {
            if (member.placement == Placement::Inline)
                continue;
            const Module* child = m.findChild(member.name);
            s += child ? signature(*child) + ";" : "-;";
        }
        return s + ")";
    }
    default: break;
    }
    std::string s = "K" + std::string(moduleKindName(m.kind())) + derivedSignature(m) + "(";
    for (const Module::Child& c : m.children())
        s += c.name + "=" + signature(*c.module) + ";";
    return s + ")";
}

// A child present in every instance is written inline where its structure is the same in all.
void Exporter::place(ClassGroup& g)
{
    if (g.state != ClassGroup::State::New)
        return;
    g.state = ClassGroup::State::Placing;
    for (Member& member : g.layout.members) {
        if (member.placement != Placement::Inline)
            continue;
        const std::string first = signature(*g.instances[0]->findChild(member.name));
        for (size_t k = 0; k < g.instances.size() && member.placement == Placement::Inline; ++k)
            if ((k > 0 && signature(*g.instances[k]->findChild(member.name)) != first)
                || sharedOutside(*g.instances[k], *g.instances[k]->findChild(member.name)))
                member.placement = Placement::Argument;
    }
    g.state = ClassGroup::State::Placed;
}

// Whether child (of instance) holds a module that is also stored outside instance (Inner(self.fc)):
// then the class takes it as an argument, and the code that builds the instance names the one
// object, instead of the class making a second one. A module whose sharing comes with a shared
// ancestor inside instance (a copy of the whole block) does not count.
bool Exporter::sharedOutside(const Module& instance, const Module& child) const
{
    std::map<const void*, int> inside;
    auto count = [&](const Module& m, auto& self) -> void {
        if (m.isShared())
            ++inside[m.identity()];
        for (const Module::Child& c : m.children())
            self(*c.module, self);
    };
    count(instance, count);
    auto outside = [&](const Module& m, auto& self) -> bool {
        if (m.isShared()) {
            bool viaAncestor = false;
            for (const Module* a = m.parent(); a && !viaAncestor; a = a == &instance ? nullptr : a->parent())
                viaAncestor = a->isShared();
            if (!viaAncestor && m_places.at(m.identity()) > inside[m.identity()])
                return true;
            if (viaAncestor)
                return false;
        }
        for (const Module::Child& c : m.children())
            if (self(*c.module, self))
                return true;
        return false;
    };
    return outside(child, outside);
}

void Exporter::slotsOf(const Module& m, const std::string& path, std::vector<Slot>& out, bool classRoot)
{
    if (m.kind() == ModuleKind::Layer) {
        const auto& l = static_cast<const Layer&>(m);
        const LayerSchema& schema = l.schema();
        for (size_t i = 0; i < schema.args.size() && i < l.args().size(); ++i)
            out.push_back({path, std::string(schema.args[i].name), {&m, std::string(schema.args[i].name)}, argSource(l.args()[i])});
        return;
    }
    if (m.kind() == ModuleKind::Custom) {
        ClassGroup& g = groupOf(m);
        if (classRoot) {
            for (const std::string& name : g.layout.attributes)
                out.push_back({path, name, {&m, "." + name}, toSource(*static_cast<const CustomModule&>(m).program().attribute(name)), true});
            for (const Member& member : g.layout.members)
                if (member.placement == Placement::Inline)
                    slotsOf(*m.findChild(member.name), joinName(path, member.name), out, false);
            return;
        }
        derive(g);
        if (g.state != ClassGroup::State::Derived)
            return; // a class inside its own module argument: its values are written as they are
        for (const Param& p : g.params) {
            if (p.member < 0) {
                out.push_back({path, p.name, {&m, p.name}, p.values[instanceIndex(m)], false, true});
            } else if (const Module* child = m.findChild(g.layout.members[static_cast<size_t>(p.member)].name)) {
                slotsOf(*child, joinName(path, p.name), out, false);
            }
        }
        return;
    }
    for (const Module::Child& c : m.children())
        slotsOf(*c.module, joinName(path, c.name), out, false);
}

// The values that differ between instances become constructor parameters; slots that always
// hold equal values share one, then the module arguments follow.
void Exporter::derive(ClassGroup& g)
{
    if (g.state == ClassGroup::State::Deriving || g.state == ClassGroup::State::Derived)
        return;
    place(g);
    g.state = ClassGroup::State::Deriving;
    std::vector<std::vector<Slot>> perInstance;
    for (const CustomModule* inst : g.instances) {
        perInstance.emplace_back();
        slotsOf(*inst, {}, perInstance.back(), true);
    }
    nameParams(g, perInstance);
    g.state = ClassGroup::State::Derived;
}

// A parameter is named from what it feeds: an attribute's name (self.stride = stride), else the
// argument's name when every layer argument it feeds has that name (or is a BatchNorm's
// num_features following it), else the first place it feeds (conv1_out_channels, root_in_channels
// for a nested class's parameter), never a name that would tell another story. A module argument is named after the child.
void Exporter::nameParams(ClassGroup& g, const std::vector<std::vector<Slot>>& perInstance)
{
    const std::vector<Slot>& first = perInstance[0];
    struct Candidate {
        std::vector<std::string> values;
        std::vector<size_t> slots;
        std::string base, qualified;
    };
    std::vector<Candidate> candidates;
    for (size_t k = 0; k < first.size(); ++k) {
        std::vector<std::string> values;
        bool varies = false;
        for (const auto& slots : perInstance) {
            values.push_back(slots[k].value);
            varies = varies || slots[k].value != first[k].value;
        }
        if (!varies)
            continue;
        auto same = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.values == values; });
        if (same != candidates.end())
            same->slots.push_back(k);
        else
            candidates.push_back({std::move(values), {k}, {}, {}});
    }
    auto flat = [](std::string s) {
        std::replace(s.begin(), s.end(), '.', '_');
        return s;
    };
    for (Candidate& c : candidates) {
        const Slot& s = first[c.slots[0]];
        c.qualified = flat(s.path.empty() ? s.argName : s.path + "_" + s.argName);
        const auto attribute = std::find_if(c.slots.begin(), c.slots.end(), [&](size_t k) { return first[k].attribute; });
        if (attribute != c.slots.end()) {
            c.base = c.qualified = first[*attribute].argName;
            continue;
        }
        std::set<std::string> fed;
        if (first[c.slots[0]].nested) // Root(in_channels): the Tree's root_in_channels
            fed.insert(c.qualified);
        for (size_t k : c.slots)
            if (first[k].argName != "num_features" || first[c.slots[0]].argName == "num_features")
                fed.insert(first[k].argName);
        c.base = fed.size() == 1 ? *fed.begin() : c.qualified;
    }
    std::set<std::string> used;
    auto claim = [&](const std::string& wanted) {
        std::string name = wanted;
        for (int n = 2; used.count(name) || !isPythonIdentifier(name) || reservedName(name) || m_takenNames.count(name); ++n)
            name = "arg" + std::to_string(n) + "_" + flat(wanted);
        used.insert(name);
        return name;
    };
    // module arguments keep their child's name first
    std::map<size_t, std::string> moduleNames;
    for (size_t i = 0; i < g.layout.members.size(); ++i)
        if (g.layout.members[i].placement != Placement::Inline)
            moduleNames[i] = claim(g.layout.members[i].name);
    for (const Candidate& c : candidates) {
        const bool ambiguous = std::count_if(candidates.begin(), candidates.end(), [&](const Candidate& o) { return o.base == c.base; }) > 1;
        const std::string name = claim(ambiguous ? c.qualified : c.base);
        g.params.push_back({name, c.values, -1});
        for (size_t k : c.slots)
            m_paramAt[first[k].key] = name;
    }
    for (Placement placement : {Placement::Argument, Placement::Optional})
        for (size_t i = 0; i < g.layout.members.size(); ++i)
            if (g.layout.members[i].placement == placement)
                g.params.push_back({moduleNames[i], {}, static_cast<int>(i)});
}

std::string Exporter::layerExpr(const Layer& l)
{
    std::string s = "nn." + l.typeName() + "(";
    const LayerSchema& schema = l.schema();
    bool first = true;
    bool keywords = false;
    for (size_t i = 0; i < schema.args.size() && i < l.args().size(); ++i) {
        const ArgSpec& spec = schema.args[i];
        auto param = m_paramAt.find({&l, std::string(spec.name)});
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
    const bool whole = deferFrom(m, &items, indent + 4) == m.childCount();
    bool same = whole && items.size() >= 2;
    for (const std::string& i : items)
        same = same && i == items[0];
    if (same) {
        // the comprehension's element is written at the list's own depth
        return std::string(open) + "[" + moduleExpr(*m.child(0), indent) + " for _ in range(" + std::to_string(items.size())
            + ")]" + close;
    }
    if (items.empty())
        return std::string(open) + "[]" + close;
    std::string s = std::string(open) + "[\n";
    for (const std::string& i : items)
        s += pad(indent + 4) + i + ",\n";
    return s + pad(indent) + "]" + close;
}

// How the code being written reaches m: self.body[1], model[0].fc, or nothing outside it.
std::optional<std::string> Exporter::pathExpr(const Module& m) const
{
    std::string path;
    const Module* p = &m;
    for (; p && p != m_writing; p = p->parent()) {
        const std::string n = p->name();
        const Module* parent = p->parent();
        if (parent && parent->kind() == ModuleKind::ModuleDict)
            path = "[" + quoted(n) + "]" + path;
        else if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos)
            path = "[" + n + "]" + path;
        else if (isIdentifier(n))
            path = "." + n + path;
        else
            path = ".get_submodule(" + quoted(n) + ")" + path;
    }
    if (!m_writing || p != m_writing)
        return std::nullopt;
    return m_self + path;
}

// Writes the container's children into items (one indentation deeper than indent) up to the
// first later place of a shared module the current statement places first: that one and the
// rest are appended after the statement (model.append(model[0]), self.body.add_module('x', ...)),
// when the module is one PyTorch object under two names. Returns where it stopped.
int Exporter::deferFrom(const Module& container, std::vector<std::string>* items, int indent)
{
    int cut = container.childCount();
    for (int k = 0; k < container.childCount(); ++k) {
        const Module& c = *container.child(k);
        if (c.isShared() && !m_statements.empty() && m_statements.back().placed.count(c.identity()) && m_sharedAt.count(c.identity())
            && pathExpr(container)) {
            cut = k;
            break;
        }
        items->push_back(moduleExpr(c, indent));
    }
    if (cut == container.childCount())
        return cut;
    const std::string path = *pathExpr(container);
    const int statementIndent = m_statements.back().indent;
    for (int k = cut; k < container.childCount(); ++k) {
        const std::string& name = container.childName(k);
        std::string head = path + ".append(", tail = ")";
        if (container.kind() == ModuleKind::ModuleDict) {
            head = path + "[" + quoted(name) + "] = ";
            tail.clear();
        } else if (container.kind() == ModuleKind::Sequential && !container.namesArePositions()) {
            head = path + ".add_module(" + quoted(name) + ", ";
        }
        std::string line = statement(head, *container.child(k), statementIndent, tail);
        m_statements.back().after.push_back(std::move(line)); // after statement(), which grows m_statements
    }
    return cut;
}

// head + the module's expression + tail as one statement at indent, with the statements that must
// follow it, as lines without the first line's indentation.
// Containers nested deeper than this are not written as one expression: Python's parser takes
// at most 200 nested brackets (a named Sequential nests three per level), and the lines would
// run far to the right.
constexpr int kInlineNesting = 12;

// How many containers deep m's subtree nests (a layer: 0); -1 when it holds a module the tree
// stores in several places (those are written by their paths, which need the one expression).
int Exporter::nesting(const Module& m) const
{
    if (m.isShared() && m_places.at(m.identity()) > 1)
        return -1;
    int deepest = 0;
    for (int k = 0; k < m.childCount(); ++k) {
        const int d = nesting(*m.child(k));
        if (d < 0)
            return -1;
        deepest = std::max(deepest, d);
    }
    return m.kind() == ModuleKind::Layer ? 0 : deepest + 1;
}

bool Exporter::builtInSteps(const Module& m) const
{
    const bool container = m.kind() == ModuleKind::Sequential || m.kind() == ModuleKind::ModuleList || m.kind() == ModuleKind::ModuleDict
        || m.kind() == ModuleKind::PlainList;
    return container && static_cast<const Container&>(m).className().empty() && nesting(m) > kInlineNesting;
}

std::string Exporter::statement(const std::string& head, const Module& value, int indent, const std::string& tail)
{
    if (m_self == "self" && builtInSteps(value))
        return stepwise(head, value, indent, tail);
    m_statements.push_back({indent, {}, {}});
    std::string s = head + moduleExpr(value, indent) + tail;
    const Statement done = std::move(m_statements.back());
    m_statements.pop_back();
    for (const std::string& line : done.after)
        s += "\n" + pad(indent) + line;
    return s;
}

// A container too deep for one expression, built in steps as PyTorch code builds one:
// _nested1 = nn.Sequential(), then _nested1.append(child) for each child in order (add_module for
// a named Sequential, _nested1['key'] = child for a ModuleDict), then head + _nested1 + tail. The
// layers are made in the order the one expression would make them (the same initial weights).
std::string Exporter::stepwise(const std::string& head, const Module& c, int indent, const std::string& tail)
{
    const std::string var = "_nested" + std::to_string(++m_nestedCount);
    std::string s = var + " = " + (c.kind() == ModuleKind::PlainList ? std::string("[]") : "nn." + c.typeName() + "()");
    for (int k = 0; k < c.childCount(); ++k) {
        std::string h = var + ".append(", t = ")";
        if (c.kind() == ModuleKind::ModuleDict) {
            h = var + "[" + quoted(c.childName(k)) + "] = ";
            t.clear();
        } else if (c.kind() == ModuleKind::Sequential && !c.namesArePositions()) {
            h = var + ".add_module(" + quoted(c.childName(k)) + ", ";
        }
        s += "\n" + pad(indent) + statement(h, *c.child(k), indent, t);
    }
    return s + "\n" + pad(indent) + head + var + tail;
}

// model.features.requires_grad_(False) for every frozen module, outermost first, and
// model.fc.bias.requires_grad_(False) for every single frozen parameter, as fine-tuning code freezes
// them after building the model.
std::string Exporter::frozenLines(const Module& root)
{
    std::string s;
    auto visit = [&](const Module& m, auto& self) -> void {
        if (m.frozen())
            s += *pathExpr(m) + ".requires_grad_(False)\n";
        for (const std::string& p : m.frozenParameters())
            s += *pathExpr(m) + "." + p + ".requires_grad_(False)\n";
        for (const Module::Child& c : m.children())
            self(*c.module, self);
    };
    visit(root, visit);
    return s;
}

// Class(values..., modules..., optional=module): a value the enclosing class takes as its own
// parameter is written as that parameter's name.
std::string Exporter::customExpr(const CustomModule& m, int indent)
{
    ClassGroup& g = groupOf(m);
    std::string s = g.name + "(";
    bool first = true;
    for (const Param& p : g.params) {
        std::string value;
        if (p.member < 0) {
            auto param = m_paramAt.find({&m, p.name});
            value = param != m_paramAt.end() ? param->second : p.values[instanceIndex(m)];
        } else {
            const Member& member = g.layout.members[static_cast<size_t>(p.member)];
            const Module* child = m.findChild(member.name);
            if (member.placement == Placement::Optional && !child)
                continue;
            value = child ? moduleExpr(*child, indent) : "None";
            if (member.placement == Placement::Optional)
                value = p.name + "=" + value;
        }
        s += (first ? "" : ", ") + value;
        first = false;
    }
    return s + ")";
}

std::string Exporter::moduleExpr(const Module& m, int indent)
{
    if (m.isShared()) {
        if (const std::optional<std::string> path = pathExpr(m)) {
            const auto [it, first] = m_sharedAt.emplace(m.identity(), *path);
            if (!first)
                return it->second;
            if (!m_statements.empty())
                m_statements.back().placed.insert(m.identity());
        }
    }
    if (m.kind() == ModuleKind::Layer)
        return layerExpr(static_cast<const Layer&>(m));
    if (m.kind() == ModuleKind::Custom)
        return customExpr(static_cast<const CustomModule&>(m), indent);
    const bool derived = !static_cast<const Container&>(m).className().empty();
    const std::string cls = derived ? derivedName(m) : "nn." + m.typeName();
    switch (m.kind()) {
    case ModuleKind::Layer:
    case ModuleKind::Custom: break;
    case ModuleKind::Sequential: {
        if (m.childCount() == 0)
            return cls + "()";
        std::vector<std::string> items;
        deferFrom(m, &items, indent + 4);
        if (items.empty())
            return cls + "()";
        if (m.namesArePositions()) {
            std::string s = cls + "(\n";
            for (const std::string& i : items)
                s += pad(indent + 4) + i + ",\n";
            return s + pad(indent) + ")";
        }
        m_needsOrderedDict = true;
        std::string s = cls + "(OrderedDict([\n";
        for (size_t k = 0; k < items.size(); ++k)
            s += pad(indent + 4) + "(" + quoted(m.childName(static_cast<int>(k))) + ", " + items[k] + "),\n";
        return s + pad(indent) + "]))";
    }
    case ModuleKind::ModuleList:
        if (m.childCount() == 0)
            return cls + "()";
        return listBody(m, indent, (cls + "(").c_str(), ")");
    case ModuleKind::PlainList:
        if (m.childCount() == 0)
            return "[]";
        return listBody(m, indent, "", "");
    case ModuleKind::ModuleDict: {
        std::vector<std::string> items;
        deferFrom(m, &items, indent + 4);
        if (items.empty())
            return cls + "()";
        std::string s = cls + "({\n";
        for (size_t k = 0; k < items.size(); ++k)
            s += pad(indent + 4) + quoted(m.childName(static_cast<int>(k))) + ": " + items[k] + ",\n";
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
        s += ", " + p.name + (p.member >= 0 && g.layout.members[static_cast<size_t>(p.member)].placement == Placement::Optional ? "=None" : "");
    s += "):\n        super().__init__()\n";
    // `self.NAME = ...` only for an identifier; add_module, register_parameter and setattr take any name
    auto assign = [](const std::string& name, const std::string& value) {
        return isIdentifier(name) ? "self." + name + " = " + value : "setattr(self, " + quoted(name) + ", " + value + ")";
    };
    for (const std::string& name : g.layout.attributes) {
        auto param = m_paramAt.find({&m, "." + name});
        s += "        " + assign(name, param != m_paramAt.end() ? param->second : toSource(*m.program().attribute(name))) + "\n";
    }
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
    m_self = "self";
    m_sharedAt.clear();
    for (size_t i = 0; i < g.layout.members.size(); ++i) {
        const Member& member = g.layout.members[i];
        if (member.placement == Placement::Inline) {
            const Module& child = *m.findChild(member.name);
            s += "        " + (isIdentifier(member.name) ? statement("self." + member.name + " = ", child, 8)
                                                         : statement("self.add_module(" + quoted(member.name) + ", ", child, 8, ")")) + "\n";
            continue;
        }
        const auto param = std::find_if(g.params.begin(), g.params.end(), [&](const Param& p) { return p.member == static_cast<int>(i); });
        const std::string line = isIdentifier(member.name) ? "self." + member.name + " = " + param->name
                                                           : "self.add_module(" + quoted(member.name) + ", " + param->name + ")";
        if (member.placement == Placement::Optional)
            s += "        if " + param->name + " is not None:\n            " + line + "\n";
        else
            s += "        " + line + "\n";
    }
    m_writing = nullptr;
    m_self = "self";
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
    auto places = [&](const Module& m, auto& self) -> void {
        if (m.isShared())
            ++m_places[m.identity()];
        for (const Module::Child& c : m.children())
            self(*c.module, self);
    };
    places(root, places);
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
        m_takenNames.insert(g.name);
    }
    for (ClassGroup& g : m_groups)
        derive(g);
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
    // the model's variable names a module stored in several places of a container at the root
    // (model[0]), and the frozen modules (model.features.requires_grad_(False))
    m_writing = &root;
    m_self = std::string(instanceName);
    m_sharedAt.clear();
    const std::string instance = statement(std::string(instanceName) + " = ", root, 0) + "\n" + frozenLines(root);
    body = m_derivedClasses + body; // Python looks the classes up when the model is built
    std::string s = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n";
    if (body.find("collections.namedtuple(") != std::string::npos) // a namedtuple forward returns
        s += "import collections\n";
    if (m_needsOrderedDict)
        s += "from collections import OrderedDict\n";
    s += body + "\n\n" + instance;
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
