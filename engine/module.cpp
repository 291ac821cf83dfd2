#include "engine/module.h"

#include <algorithm>
#include <cassert>
#include <set>

namespace ml {

std::string_view moduleKindName(ModuleKind kind)
{
    switch (kind) {
    case ModuleKind::Layer: return "layer";
    case ModuleKind::Sequential: return "sequential";
    case ModuleKind::ModuleList: return "modulelist";
    case ModuleKind::ModuleDict: return "moduledict";
    case ModuleKind::Custom: return "module";
    case ModuleKind::PlainList: return "list";
    }
    return "layer";
}

Module::~Module() = default;

Module* Module::findChild(std::string_view name) const
{
    for (const Child& c : m_children)
        if (c.name == name)
            return c.module.get();
    return nullptr;
}

int Module::indexOfChild(const Module* m) const
{
    return m && m->m_parent == this ? m->m_index : -1;
}

namespace {
bool isDecimal(const std::string& s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
} // namespace

bool Module::namesArePositions() const
{
    switch (m_kind) {
    case ModuleKind::ModuleList:
    case ModuleKind::PlainList:
        return true;
    case ModuleKind::Sequential:
        return m_nonDecimalNames == 0;
    default:
        return false;
    }
}

void Module::reindexFrom(int index, bool positional)
{
    for (size_t i = static_cast<size_t>(index); i < m_children.size(); ++i) {
        m_children[i].module->m_index = static_cast<int>(i);
        if (positional)
            m_children[i].name = std::to_string(i);
    }
    if (positional)
        m_nonDecimalNames = 0;
}

Module* Module::insertChild(int index, std::string name, std::unique_ptr<Module> child)
{
    assert(child && index >= 0 && index <= childCount());
    const bool positional = namesArePositions() && (m_kind != ModuleKind::Sequential || isDecimal(name) || name.empty());
    if (!positional && !isDecimal(name))
        ++m_nonDecimalNames;
    child->m_parent = this;
    Module* raw = child.get();
    m_children.insert(m_children.begin() + index, Child{std::move(name), std::move(child)});
    reindexFrom(index, positional);
    return raw;
}

Module* Module::appendChild(std::string name, std::unique_ptr<Module> child)
{
    return insertChild(childCount(), std::move(name), std::move(child));
}

std::unique_ptr<Module> Module::takeChild(int index)
{
    assert(index >= 0 && index < childCount());
    const bool positional = namesArePositions();
    std::unique_ptr<Module> m = std::move(m_children[static_cast<size_t>(index)].module);
    if (!isDecimal(m_children[static_cast<size_t>(index)].name))
        --m_nonDecimalNames;
    m_children.erase(m_children.begin() + index);
    m->m_parent = nullptr;
    m->m_index = -1;
    reindexFrom(index, positional);
    return m;
}

void Module::renameChild(int index, std::string name)
{
    std::string& old = m_children[static_cast<size_t>(index)].name;
    m_nonDecimalNames += (isDecimal(name) ? 0 : 1) - (isDecimal(old) ? 0 : 1);
    old = std::move(name);
}

std::string Module::name() const
{
    if (!m_parent)
        return {};
    return m_parent->childName(m_index);
}

std::string Module::path() const
{
    if (!m_parent)
        return {};
    // Names from the root down, joined once (no intermediate strings per level).
    std::vector<const Module*> chain;
    for (const Module* m = this; m->m_parent; m = m->m_parent)
        chain.push_back(m);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
        out = joinName(out, (*it)->m_parent->childName((*it)->m_index));
    return out;
}

Module* Module::root()
{
    Module* m = this;
    while (m->m_parent)
        m = m->m_parent;
    return m;
}

bool Module::isRegistered() const
{
    for (const Module* m = this; m; m = m->m_parent)
        if (m->m_kind == ModuleKind::PlainList)
            return false;
    return true;
}

Module* Module::findPath(std::string_view dottedPath)
{
    Module* m = this;
    while (!dottedPath.empty() && m) {
        const size_t dot = dottedPath.find('.');
        const std::string_view part = dottedPath.substr(0, dot);
        m = m->findChild(part);
        dottedPath = dot == std::string_view::npos ? std::string_view() : dottedPath.substr(dot + 1);
    }
    return m;
}

std::vector<Tensor>& Module::tensors()
{
    if (!m_tensors)
        m_tensors = std::make_shared<std::vector<Tensor>>();
    else if (m_tensors.use_count() > 1)
        m_tensors = std::make_shared<std::vector<Tensor>>(*m_tensors);
    return *m_tensors;
}

const std::vector<Tensor>& Module::tensors() const
{
    static const std::vector<Tensor> none;
    return m_tensors ? *m_tensors : none;
}

bool Module::hasTensors() const
{
    const std::vector<TensorSpec> specs = tensorSpecs();
    const std::vector<Tensor>& values = tensors();
    if (specs.size() != values.size())
        return false;
    for (size_t i = 0; i < specs.size(); ++i)
        if (!(values[i].shape() == specs[i].shape))
            return false;
    return true;
}

const Tensor* Module::tensor(std::string_view specName) const
{
    const std::vector<TensorSpec> specs = tensorSpecs();
    const std::vector<Tensor>& values = tensors();
    for (size_t i = 0; i < specs.size() && i < values.size(); ++i)
        if (specs[i].name == specName)
            return &values[i];
    return nullptr;
}

void Module::copyTreeInto(Module& target) const
{
    for (const Child& c : m_children)
        target.appendChild(c.name, c.module->clone());
    target.m_tensors = m_tensors;
    target.m_identity = m_identity;
    target.m_sourceLoc = m_sourceLoc;
    target.m_training = m_training;
    target.m_frozen = m_frozen;
    target.m_frozenParameters = m_frozenParameters;
    target.m_initRecipe = m_initRecipe;
}

void Module::setParameterFrozen(std::string_view specName, bool frozen)
{
    auto listed = std::find(m_frozenParameters.begin(), m_frozenParameters.end(), specName);
    if (frozen) {
        const std::vector<TensorSpec> specs = tensorSpecs();
        const bool known = std::any_of(specs.begin(), specs.end(), [&](const TensorSpec& s) { return !s.isBuffer && s.name == specName; });
        if (m_frozen || listed != m_frozenParameters.end() || !known)
            return;
        m_frozenParameters.emplace_back(specName);
        const bool all = std::all_of(specs.begin(), specs.end(), [&](const TensorSpec& s) {
            return s.isBuffer || std::find(m_frozenParameters.begin(), m_frozenParameters.end(), s.name) != m_frozenParameters.end();
        });
        if (all && m_children.empty()) {
            m_frozen = true;
            m_frozenParameters.clear();
        }
        return;
    }
    // The frozen modules at and above this one stay frozen except the path down to this parameter.
    std::vector<Module*> chain;
    for (Module* m = this; m; m = m->m_parent)
        chain.push_back(m);
    size_t top = chain.size();
    for (size_t i = 0; i < chain.size(); ++i)
        if (chain[i]->m_frozen)
            top = i;
    for (size_t i = top; i < chain.size() && i != static_cast<size_t>(-1); --i) {
        Module& m = *chain[i];
        m.m_frozen = false;
        m.m_frozenParameters.clear();
        for (const TensorSpec& s : m.tensorSpecs())
            if (!s.isBuffer)
                m.m_frozenParameters.push_back(s.name);
        for (const Child& c : m.m_children)
            if (i == 0 || c.module.get() != chain[i - 1])
                c.module->setFrozen(true);
    }
    listed = std::find(m_frozenParameters.begin(), m_frozenParameters.end(), specName);
    if (listed != m_frozenParameters.end())
        m_frozenParameters.erase(listed);
}

bool Module::requiresGrad(std::string_view specName) const
{
    for (const Module* m = this; m; m = m->parent())
        if (m->frozen())
            return false;
    return std::find(m_frozenParameters.begin(), m_frozenParameters.end(), specName) == m_frozenParameters.end();
}

std::string Container::typeName() const
{
    if (!m_className.empty())
        return m_className;
    switch (kind()) {
    case ModuleKind::Sequential: return "Sequential";
    case ModuleKind::ModuleList: return "ModuleList";
    case ModuleKind::ModuleDict: return "ModuleDict";
    case ModuleKind::PlainList: return "list";
    default: return "Module";
    }
}

std::unique_ptr<Module> Container::clone() const
{
    auto c = std::make_unique<Container>(kind());
    c->m_className = m_className;
    c->m_program = m_program;
    copyTreeInto(*c);
    return c;
}

std::unique_ptr<Module> CustomModule::clone() const
{
    auto c = std::make_unique<CustomModule>(m_className);
    c->m_program = m_program;
    c->m_specs = m_specs;
    c->m_fill = m_fill;
    c->m_data = m_data;
    copyTreeInto(*c);
    return c;
}

void CustomModule::setOwnTensor(TensorSpec spec, float fill, std::shared_ptr<const Tensor> data)
{
    dropTensors();
    for (size_t k = 0; k < m_specs.size(); ++k)
        if (m_specs[k].name == spec.name) {
            m_specs[k] = std::move(spec);
            m_fill[k] = fill;
            m_data[k] = std::move(data);
            return;
        }
    m_specs.push_back(std::move(spec));
    m_fill.push_back(fill);
    m_data.push_back(std::move(data));
}

void CustomModule::resetOwnTensors()
{
    if (m_specs.empty())
        return;
    std::vector<Tensor> values;
    for (size_t k = 0; k < m_specs.size(); ++k)
        values.push_back(m_data[k] && m_data[k]->shape() == m_specs[k].shape ? *m_data[k] : Tensor::filled(m_specs[k].shape, m_fill[k]));
    tensors() = std::move(values);
}

void markShared(Module& original, Module& copy)
{
    if (!original.m_identity)
        original.m_identity = std::make_shared<const int>(0);
    copy.m_identity = original.m_identity;
    copy.m_tensors = original.m_tensors;
    for (int k = 0; k < original.childCount() && k < copy.childCount(); ++k)
        markShared(*original.child(k), *copy.child(k));
}

std::unique_ptr<Module> makeContainer(ModuleKind kind)
{
    if (kind == ModuleKind::Custom)
        return std::make_unique<CustomModule>("Module");
    assert(kind != ModuleKind::Layer);
    return std::make_unique<Container>(kind);
}

// ---- recursions ------------------------------------------------------------------------

std::string joinName(std::string_view prefix, std::string_view name)
{
    if (prefix.empty())
        return std::string(name);
    std::string s(prefix);
    s += '.';
    s += name;
    return s;
}

namespace {

// Python's _addindent(s, 2): indent every line but the first.
std::string addIndent(const std::string& s, int spaces)
{
    std::string out;
    out.reserve(s.size() + 16);
    const std::string pad(static_cast<size_t>(spaces), ' ');
    for (char c : s) {
        out += c;
        if (c == '\n')
            out += pad;
    }
    return out;
}

std::string joinLines(const std::string& head, const std::vector<std::string>& lines)
{
    std::string s = head + "(";
    if (!lines.empty()) {
        s += "\n  ";
        for (size_t i = 0; i < lines.size(); ++i) {
            if (i)
                s += "\n  ";
            s += lines[i];
        }
        s += "\n";
    }
    return s + ")";
}

std::vector<const Module::Child*> registeredChildren(const Module& m)
{
    std::vector<const Module::Child*> out;
    for (const Module::Child& c : m.children())
        if (c.module->kind() != ModuleKind::PlainList)
            out.push_back(&c);
    return out;
}

} // namespace

std::string repr(const Module& m)
{
    if (m.kind() == ModuleKind::ModuleList) {
        // PyTorch 2.x ModuleList.__repr__: consecutive equal entries fold into one line.
        if (m.childCount() == 0)
            return m.typeName() + "()";
        std::vector<std::string> lines;
        int start = 0;
        std::string block = repr(*m.child(0));
        auto flush = [&](int end) {
            std::string local = start == end
                ? "(" + std::to_string(start) + "): " + block
                : "(" + std::to_string(start) + "-" + std::to_string(end) + "): " + std::to_string(end - start + 1) + " x " + block;
            lines.push_back(addIndent(local, 2));
        };
        for (int i = 1; i < m.childCount(); ++i) {
            std::string r = repr(*m.child(i));
            if (r == block)
                continue;
            flush(i - 1);
            start = i;
            block = std::move(r);
        }
        flush(m.childCount() - 1);
        return joinLines(m.typeName(), lines);
    }

    std::vector<std::string> lines;
    const std::string extra = m.extraRepr();
    size_t extraLines = 0;
    if (!extra.empty()) {
        size_t pos = 0;
        while (true) {
            const size_t nl = extra.find('\n', pos);
            lines.push_back(extra.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
            ++extraLines;
            if (nl == std::string::npos)
                break;
            pos = nl + 1;
        }
    }
    const std::vector<const Module::Child*> kids = registeredChildren(m);
    for (const Module::Child* c : kids)
        lines.push_back("(" + c->name + "): " + addIndent(repr(*c->module), 2));
    if (extraLines == 1 && kids.empty())
        return m.typeName() + "(" + lines[0] + ")";
    return joinLines(m.typeName(), lines);
}

int64_t ownParameterCount(const Module& m)
{
    int64_t n = 0;
    for (const TensorSpec& s : m.tensorSpecs())
        if (!s.isBuffer)
            n += s.shape.numel().value_or(0);
    return n;
}

namespace {
void countInto(const Module& m, bool frozen, std::set<const void*>& seen, ParamCounts& pc)
{
    if (m.isShared() && !seen.insert(m.identity()).second)
        return; // a module stored in several places counts once, as parameters() yields it once
    frozen = frozen || m.frozen(); // requires_grad = False below here: torchinfo counts none of it as trainable
    for (const TensorSpec& s : m.tensorSpecs()) {
        const int64_t n = s.shape.numel().value_or(0);
        if (s.isBuffer) {
            pc.buffers += n;
        } else {
            pc.total += n;
            if (!frozen && std::find(m.frozenParameters().begin(), m.frozenParameters().end(), s.name) == m.frozenParameters().end())
                pc.trainable += n;
        }
    }
    for (const Module::Child& c : m.children())
        if (c.module->kind() != ModuleKind::PlainList)
            countInto(*c.module, frozen, seen, pc);
}
} // namespace

ParamCounts countParameters(const Module& m)
{
    ParamCounts pc;
    std::set<const void*> seen;
    countInto(m, false, seen, pc);
    return pc;
}

namespace {
void collectState(const Module& m, const std::string& prefix, std::vector<StateEntry>& out)
{
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < specs.size(); ++i) {
            if (specs[i].isBuffer != (pass == 1) || !specs[i].persistent)
                continue;
            out.push_back({joinName(prefix, specs[i].name), &m, static_cast<int>(i), specs[i]});
        }
    }
    for (const Module::Child& c : m.children())
        if (c.module->kind() != ModuleKind::PlainList)
            collectState(*c.module, joinName(prefix, c.name), out);
}

void collectModules(const Module& m, const std::string& path, bool all, std::set<const void*>& seen, std::vector<NamedModule>& out)
{
    if (!all && m.isShared() && !seen.insert(m.identity()).second)
        return;
    out.push_back({path, &m});
    for (const Module::Child& c : m.children())
        if (all || c.module->kind() != ModuleKind::PlainList)
            collectModules(*c.module, joinName(path, c.name), all, seen, out);
}
} // namespace

std::vector<StateEntry> stateDict(const Module& m)
{
    std::vector<StateEntry> out;
    collectState(m, {}, out);
    return out;
}

std::vector<NamedModule> namedModules(const Module& m, bool includeUnregistered)
{
    std::vector<NamedModule> out;
    std::set<const void*> seen;
    collectModules(m, {}, includeUnregistered, seen, out);
    return out;
}

void setTrainMode(Module& m, bool training)
{
    if (m.kind() == ModuleKind::PlainList)
        return;
    m.setTraining(training);
    for (const Module::Child& c : m.children())
        setTrainMode(*c.module, training);
}

} // namespace ml
