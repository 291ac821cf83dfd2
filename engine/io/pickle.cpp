#include "engine/io/pickle.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>

namespace ml {

namespace {

struct StorageType {
    std::string_view name;
    std::optional<DType> dtype; // nullopt: a storage PyTorch has and ModuleLab cannot convert
};

constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", DType::F32},   {"DoubleStorage", DType::F64}, {"HalfStorage", DType::F16},
    {"BFloat16Storage", DType::BF16}, {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
    {"ShortStorage", DType::I16},   {"CharStorage", DType::I8},    {"ByteStorage", DType::U8},
    {"BoolStorage", DType::Bool},   {"ComplexFloatStorage", {}},   {"ComplexDoubleStorage", {}},
    {"QInt8Storage", {}},           {"QUInt8Storage", {}},         {"QInt32Storage", {}},
    {"QUInt4x2Storage", {}},        {"QUInt2x4Storage", {}},       {"UntypedStorage", {}},
};

const StorageType* storageType(std::string_view global)
{
    if (global.rfind("torch.", 0) != 0)
        return nullptr;
    for (const StorageType& t : kStorageTypes)
        if (global.substr(6) == t.name)
            return &t;
    return nullptr;
}

// The globals torch.load(weights_only=True) allows and that ModuleLab gives a meaning to.
constexpr std::string_view kAllowed[] = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch.nn.parameter.Parameter",
    "torch.Size",
};

// Allowed by PyTorch's weights_only unpickler but meaning tensors ModuleLab does not read yet.
constexpr std::string_view kKnownUnsupported[] = {
    "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage", "torch._utils._rebuild_qtensor",
    "torch.serialization._get_layout",
};

struct Failure {
    std::string message;
};

class Unpickler {
public:
    Unpickler(std::string_view bytes, size_t pos, PickleData& out) : m_bytes(bytes), m_pos(pos), m_out(out) {}

    void run()
    {
        for (;;) {
            if (m_pos >= m_bytes.size())
                fail(m_pos, "the pickle ends before its STOP opcode: the file is truncated");
            m_opPos = m_pos;
            const auto op = static_cast<unsigned char>(m_bytes[m_pos++]);
            if (op == '.') {
                if (m_stack.size() != 1 || !m_marks.empty())
                    fail(m_opPos, "STOP with " + std::to_string(m_stack.size()) + " values on the stack instead of 1");
                m_out.root = m_stack.back();
                return;
            }
            step(op);
        }
    }
    size_t position() const { return m_pos; }

private:
    [[noreturn]] void fail(size_t at, const std::string& what) { throw Failure{"byte " + std::to_string(at) + ": " + what}; }
    [[noreturn]] void fail(const std::string& what) { fail(m_opPos, what); }

    std::string_view take(uint64_t n)
    {
        if (n > m_bytes.size() - m_pos)
            fail("needs " + std::to_string(n) + " bytes but only " + std::to_string(m_bytes.size() - m_pos)
                 + " remain: the file is truncated or corrupt");
        std::string_view s = m_bytes.substr(m_pos, static_cast<size_t>(n));
        m_pos += static_cast<size_t>(n);
        return s;
    }
    uint64_t unsignedLE(int n)
    {
        const std::string_view s = take(static_cast<uint64_t>(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k)
            v = v << 8 | static_cast<unsigned char>(s[static_cast<size_t>(k)]);
        return v;
    }
    std::string_view line()
    {
        const size_t nl = m_bytes.find('\n', m_pos);
        if (nl == std::string_view::npos || nl - m_pos > 4096)
            fail("a text argument has no end of line");
        std::string_view s = m_bytes.substr(m_pos, nl - m_pos);
        m_pos = nl + 1;
        return s;
    }

    PickleValue newObject(PickleObject o)
    {
        if (m_out.objects.size() >= kPickleMaxObjects)
            fail("more than " + std::to_string(kPickleMaxObjects) + " objects: not a checkpoint ModuleLab reads");
        const PickleKind kind = o.kind;
        m_out.objects.push_back(std::move(o));
        return {kind, static_cast<int64_t>(m_out.objects.size() - 1), 0.0};
    }
    PickleValue text(PickleKind kind, std::string_view s)
    {
        PickleObject o;
        o.kind = kind;
        o.text = std::string(s);
        return newObject(std::move(o));
    }
    PickleObject& obj(const PickleValue& v) { return m_out.objects[static_cast<size_t>(v.i)]; }
    bool isObject(const PickleValue& v) const { return v.kind >= PickleKind::String; }

    void push(PickleValue v) { m_stack.push_back(v); }
    // Values above the innermost MARK are the current stack, as in Python's unpickler.
    size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    PickleValue pop()
    {
        if (m_stack.size() <= floor())
            fail("pops from an empty stack");
        PickleValue v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    PickleValue& top()
    {
        if (m_stack.size() <= floor())
            fail("needs a value on an empty stack");
        return m_stack.back();
    }
    std::vector<PickleValue> popMark()
    {
        if (m_marks.empty())
            fail("needs a MARK that is not there");
        const size_t at = m_marks.back();
        m_marks.pop_back();
        std::vector<PickleValue> items(m_stack.begin() + static_cast<std::ptrdiff_t>(at), m_stack.end());
        m_stack.resize(at);
        return items;
    }
    PickleValue tupleOf(std::vector<PickleValue> items)
    {
        PickleObject o;
        o.kind = PickleKind::Tuple;
        o.items = std::move(items);
        return newObject(std::move(o));
    }
    void memoPut(uint64_t index) { m_memo[index] = top(); }
    void memoGet(uint64_t index)
    {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            fail("refers to memo entry " + std::to_string(index) + ", which was never stored");
        push(it->second);
    }
    uint64_t decimalLine()
    {
        const std::string_view s = line();
        uint64_t v = 0;
        if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail("expects a decimal number");
        for (char c : s)
            v = v * 10 + static_cast<uint64_t>(c - '0');
        return v;
    }
    PickleValue longValue(uint64_t n)
    {
        const std::string_view s = take(n);
        if (n > 8)
            return {PickleKind::BigInt, 0, 0.0};
        uint64_t v = 0;
        for (size_t k = n; k-- > 0;)
            v = v << 8 | static_cast<unsigned char>(s[k]);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(s[n - 1]) & 0x80))
            v |= ~uint64_t(0) << (8 * n); // sign-extend
        return {PickleKind::Int, static_cast<int64_t>(v), 0.0};
    }
    void global(std::string name)
    {
        const bool allowed = std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed)
                             || std::find(std::begin(kKnownUnsupported), std::end(kKnownUnsupported), name) != std::end(kKnownUnsupported)
                             || storageType(name);
        if (!allowed && std::find(m_out.refused.begin(), m_out.refused.end(), name) == m_out.refused.end())
            m_out.refused.push_back(name);
        push(text(allowed ? PickleKind::Global : PickleKind::Refused, name));
    }

    std::vector<PickleValue> tupleItems(const PickleValue& v, const char* what)
    {
        if (v.kind != PickleKind::Tuple)
            fail(std::string(what) + " expects a tuple of arguments, got " + std::string(pickleKindName(v.kind)));
        return obj(v).items;
    }
    std::vector<int64_t> intTuple(const PickleValue& v, const char* what)
    {
        if (v.kind != PickleKind::Tuple)
            fail(std::string(what) + " must be a tuple of integers, got " + std::string(pickleKindName(v.kind)));
        std::vector<int64_t> out;
        for (const PickleValue& x : obj(v).items) {
            if (x.kind != PickleKind::Int)
                fail(std::string(what) + " must be a tuple of integers, holds a " + std::string(pickleKindName(x.kind)));
            out.push_back(x.i);
        }
        return out;
    }
    PickleValue rebuildTensor(const std::vector<PickleValue>& a, const std::string& fn)
    {
        if (a.size() < 4)
            fail(fn + " needs (storage, offset, size, stride, ...), got " + std::to_string(a.size()) + " arguments");
        if (a[0].kind != PickleKind::Storage)
            fail(fn + ": the first argument must be a storage, got " + std::string(pickleKindName(a[0].kind)));
        if (a[1].kind != PickleKind::Int || a[1].i < 0)
            fail(fn + ": the storage offset must be a non-negative integer");
        PickleObject o;
        o.kind = PickleKind::Tensor;
        o.tensor.storage = a[0].i;
        o.tensor.offset = a[1].i;
        o.tensor.sizes = intTuple(a[2], "the size");
        o.tensor.strides = intTuple(a[3], "the stride");
        if (o.tensor.sizes.size() != o.tensor.strides.size())
            fail(fn + ": size has " + std::to_string(o.tensor.sizes.size()) + " dimensions but stride has "
                 + std::to_string(o.tensor.strides.size()));
        for (size_t k = 0; k < o.tensor.sizes.size(); ++k)
            if (o.tensor.sizes[k] < 0 || o.tensor.strides[k] < 0)
                fail(fn + ": negative size or stride");
        return newObject(std::move(o));
    }
    PickleValue call(const PickleValue& callable, const PickleValue& args)
    {
        if (callable.kind == PickleKind::Refused) {
            PickleObject o;
            o.kind = PickleKind::Refused;
            o.text = obj(callable).text;
            o.instance = true;
            return newObject(std::move(o));
        }
        if (callable.kind != PickleKind::Global)
            fail("calls a " + std::string(pickleKindName(callable.kind)) + ", which is not callable");
        const std::string name = obj(callable).text;
        const std::vector<PickleValue> a = tupleItems(args, name.c_str());
        if (name == "collections.OrderedDict") {
            if (!a.empty())
                fail("collections.OrderedDict with arguments is not supported by ModuleLab yet");
            PickleObject o;
            o.kind = PickleKind::Dict;
            return newObject(std::move(o));
        }
        if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
            return rebuildTensor(a, name);
        if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state"
            || name == "torch.nn.parameter.Parameter") {
            if (a.empty() || a[0].kind != PickleKind::Tensor)
                fail(name + " expects a tensor as its first argument");
            return a[0];
        }
        if (name == "torch.Size") {
            if (a.size() != 1 || a[0].kind != PickleKind::Tuple)
                fail("torch.Size expects one tuple");
            return a[0];
        }
        fail("not supported by ModuleLab yet: " + name + " (only dense CPU-layout tensors are read)");
    }
    void persistentLoad()
    {
        const PickleValue pid = pop();
        if (pid.kind != PickleKind::Tuple)
            fail("a persistent id must be a tuple, got " + std::string(pickleKindName(pid.kind)));
        const std::vector<PickleValue> t = obj(pid).items;
        if (!t.empty() && t[0].kind == PickleKind::String && obj(t[0]).text == "module") {
            // The legacy format records the class of a pickled nn.Module this way.
            if (t.size() > 1 && (t[1].kind == PickleKind::Refused || t[1].kind == PickleKind::Global)) {
                const std::string name = obj(t[1]).text;
                if (std::find(m_out.refused.begin(), m_out.refused.end(), name) == m_out.refused.end())
                    m_out.refused.push_back(name);
            }
            PickleObject o;
            o.kind = PickleKind::Refused;
            o.text = t.size() > 1 && isObject(t[1]) ? obj(t[1]).text : std::string("module");
            o.instance = true;
            push(newObject(std::move(o)));
            return;
        }
        if (t.size() < 5 || t[0].kind != PickleKind::String || obj(t[0]).text != "storage")
            fail("a persistent id must be ('storage', type, key, location, numel)");
        if (t[1].kind != PickleKind::Global || !storageType(obj(t[1]).text))
            fail("a persistent id names " + (isObject(t[1]) ? obj(t[1]).text : std::string(pickleKindName(t[1].kind)))
                 + " instead of a torch storage type");
        const StorageType* st = storageType(obj(t[1]).text);
        if (!st->dtype)
            fail("not supported by ModuleLab yet: tensors stored as torch." + std::string(st->name));
        if (t[2].kind != PickleKind::String && t[2].kind != PickleKind::Int)
            fail("a storage key must be a string");
        if (t[4].kind != PickleKind::Int || t[4].i < 0)
            fail("a storage size must be a non-negative integer");
        PickleObject o;
        o.kind = PickleKind::Storage;
        o.storage.key = t[2].kind == PickleKind::String ? obj(t[2]).text : std::to_string(t[2].i);
        o.storage.dtype = *st->dtype;
        o.storage.numel = t[4].i;
        if (t.size() > 5 && t[5].kind != PickleKind::None)
            fail("not supported by ModuleLab yet: storage views of the legacy format (view_metadata)");
        push(newObject(std::move(o)));
    }
    void append(const std::vector<PickleValue>& items)
    {
        PickleValue& target = top();
        if (target.kind != PickleKind::List && target.kind != PickleKind::Set)
            fail("appends to a " + std::string(pickleKindName(target.kind)) + " instead of a list");
        auto& list = obj(target).items;
        list.insert(list.end(), items.begin(), items.end());
    }
    void setItems(const std::vector<PickleValue>& items)
    {
        if (items.size() % 2)
            fail("sets an odd number of dict items");
        PickleValue& target = top();
        if (target.kind == PickleKind::Refused)
            return;
        if (target.kind != PickleKind::Dict)
            fail("sets items of a " + std::string(pickleKindName(target.kind)) + " instead of a dict");
        auto& dict = obj(target).items;
        dict.insert(dict.end(), items.begin(), items.end());
    }
    void build()
    {
        const PickleValue state = pop();
        (void)state;
        const PickleValue& target = top();
        // OrderedDict state (state_dict._metadata) and Parameter state carry no weights.
        if (target.kind != PickleKind::Dict && target.kind != PickleKind::Tensor && target.kind != PickleKind::Refused)
            fail("sets the state of a " + std::string(pickleKindName(target.kind)) + ", which only objects have");
    }

    void step(unsigned char op);

    std::string_view m_bytes;
    size_t m_pos = 0;
    size_t m_opPos = 0;
    PickleData& m_out;
    std::vector<PickleValue> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, PickleValue> m_memo;
};

void Unpickler::step(unsigned char op)
{
    switch (op) {
    case 0x80: // PROTO
        if (static_cast<unsigned char>(take(1)[0]) > 5)
            fail("pickle protocol above 5");
        return;
    case 0x95: take(8); return; // FRAME: a hint for buffering
    case '(': m_marks.push_back(m_stack.size()); return;
    case '0': // POP; on an empty stack it drops the MARK instead, as Python does
        if (m_stack.size() == floor() && !m_marks.empty())
            m_marks.pop_back();
        else
            pop();
        return;
    case '1': popMark(); return;
    case '2': push(top()); return;
    case 'N': push({}); return;
    case 0x88: push({PickleKind::Bool, 1, 0.0}); return;
    case 0x89: push({PickleKind::Bool, 0, 0.0}); return;
    case 'J': push({PickleKind::Int, static_cast<int32_t>(unsignedLE(4)), 0.0}); return;
    case 'K': push({PickleKind::Int, static_cast<int64_t>(unsignedLE(1)), 0.0}); return;
    case 'M': push({PickleKind::Int, static_cast<int64_t>(unsignedLE(2)), 0.0}); return;
    case 0x8a: { const uint64_t n = unsignedLE(1); push(longValue(n)); return; }
    case 0x8b: { const uint64_t n = unsignedLE(4); push(longValue(n)); return; }
    case 'I': {
        const std::string_view s = line();
        if (s == "00" || s == "01") {
            push({PickleKind::Bool, s == "01", 0.0});
            return;
        }
        const bool neg = !s.empty() && s[0] == '-';
        const std::string_view digits = s.substr(neg ? 1 : 0);
        if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail("INT expects a decimal number");
        int64_t v = 0;
        for (char c : digits)
            v = v * 10 + (c - '0');
        push({PickleKind::Int, neg ? -v : v, 0.0});
        return;
    }
    case 'G': { // BINFLOAT: a big-endian double
        const std::string_view b = take(8);
        uint64_t v = 0;
        for (char c : b)
            v = v << 8 | static_cast<unsigned char>(c);
        push({PickleKind::Float, 0, std::bit_cast<double>(v)});
        return;
    }
    case 'X': { const uint64_t n = unsignedLE(4); push(text(PickleKind::String, take(n))); return; }
    case 0x8c: { const uint64_t n = unsignedLE(1); push(text(PickleKind::String, take(n))); return; }
    case 0x8d: { const uint64_t n = unsignedLE(8); push(text(PickleKind::String, take(n))); return; }
    case 'T': { const uint64_t n = unsignedLE(4); push(text(PickleKind::String, take(n))); return; }  // BINSTRING (Python 2 str)
    case 'U': { const uint64_t n = unsignedLE(1); push(text(PickleKind::String, take(n))); return; }  // SHORT_BINSTRING
    case 'B': { const uint64_t n = unsignedLE(4); push(text(PickleKind::Bytes, take(n))); return; }
    case 'C': { const uint64_t n = unsignedLE(1); push(text(PickleKind::Bytes, take(n))); return; }
    case 0x8e: { const uint64_t n = unsignedLE(8); push(text(PickleKind::Bytes, take(n))); return; }
    case ')': push(tupleOf({})); return;
    case 't': push(tupleOf(popMark())); return;
    case 0x85: case 0x86: case 0x87: {
        const size_t n = op - 0x84u;
        if (m_stack.size() < n + floor())
            fail("TUPLE" + std::to_string(n) + " needs " + std::to_string(n) + " values on the stack");
        std::vector<PickleValue> items(m_stack.end() - static_cast<std::ptrdiff_t>(n), m_stack.end());
        m_stack.resize(m_stack.size() - n);
        push(tupleOf(std::move(items)));
        return;
    }
    case ']': case 0x8f: { // EMPTY_LIST, EMPTY_SET
        PickleObject o;
        o.kind = op == ']' ? PickleKind::List : PickleKind::Set;
        push(newObject(std::move(o)));
        return;
    }
    case 'l': case 0x91: { // LIST, FROZENSET
        PickleObject o;
        o.kind = op == 'l' ? PickleKind::List : PickleKind::Set;
        o.items = popMark();
        push(newObject(std::move(o)));
        return;
    }
    case 'a': { const PickleValue v = pop(); append({v}); return; }
    case 'e': case 0x90: append(popMark()); return; // APPENDS, ADDITEMS
    case '}': {
        PickleObject o;
        o.kind = PickleKind::Dict;
        push(newObject(std::move(o)));
        return;
    }
    case 'd': {
        PickleObject o;
        o.kind = PickleKind::Dict;
        o.items = popMark();
        if (o.items.size() % 2)
            fail("DICT with an odd number of values");
        push(newObject(std::move(o)));
        return;
    }
    case 's': {
        const PickleValue v = pop();
        const PickleValue k = pop();
        setItems({k, v});
        return;
    }
    case 'u': setItems(popMark()); return;
    case 'c': {
        const std::string module(line());
        const std::string name(line());
        global(module + "." + name);
        return;
    }
    case 0x93: { // STACK_GLOBAL
        const PickleValue name = pop();
        const PickleValue module = pop();
        if (name.kind != PickleKind::String || module.kind != PickleKind::String)
            fail("STACK_GLOBAL needs two strings");
        global(obj(module).text + "." + obj(name).text);
        return;
    }
    case 'i': { // INST: a class instantiated from protocol 0
        const std::string module(line());
        const std::string name(line());
        popMark();
        global(module + "." + name);
        const PickleValue cls = pop();
        push(call(cls, tupleOf({})));
        return;
    }
    case 'o': { // OBJ
        std::vector<PickleValue> items = popMark();
        if (items.empty())
            fail("OBJ without a class");
        const PickleValue cls = items.front();
        items.erase(items.begin());
        push(call(cls, tupleOf(std::move(items))));
        return;
    }
    case 'R': {
        const PickleValue args = pop();
        const PickleValue fn = pop();
        push(call(fn, args));
        return;
    }
    case 0x81: { // NEWOBJ
        const PickleValue args = pop();
        const PickleValue cls = pop();
        push(call(cls, args));
        return;
    }
    case 0x92: { // NEWOBJ_EX
        pop(); // kwargs
        const PickleValue args = pop();
        const PickleValue cls = pop();
        push(call(cls, args));
        return;
    }
    case 'b': build(); return;
    case 'Q': persistentLoad(); return;
    case 'q': memoPut(unsignedLE(1)); return;
    case 'r': memoPut(unsignedLE(4)); return;
    case 0x94: memoPut(m_memo.size()); return; // MEMOIZE
    case 'p': memoPut(decimalLine()); return;
    case 'h': memoGet(unsignedLE(1)); return;
    case 'j': memoGet(unsignedLE(4)); return;
    case 'g': memoGet(decimalLine()); return;
    default: {
        static const char* hex = "0123456789abcdef";
        fail(std::string("opcode 0x") + hex[op >> 4] + hex[op & 15]
             + " is not one a checkpoint uses (not a torch.save file, or a corrupt one)");
    }
    }
}

} // namespace

std::string_view pickleKindName(PickleKind kind)
{
    switch (kind) {
    case PickleKind::None: return "None";
    case PickleKind::Bool: return "bool";
    case PickleKind::Int: return "int";
    case PickleKind::BigInt: return "int";
    case PickleKind::Float: return "float";
    case PickleKind::String: return "str";
    case PickleKind::Bytes: return "bytes";
    case PickleKind::List: return "list";
    case PickleKind::Tuple: return "tuple";
    case PickleKind::Set: return "set";
    case PickleKind::Dict: return "dict";
    case PickleKind::Global: return "global";
    case PickleKind::Storage: return "storage";
    case PickleKind::Tensor: return "tensor";
    case PickleKind::Refused: return "object";
    }
    return "?";
}

std::optional<std::string> parsePickle(std::string_view bytes, size_t start, PickleData& out, size_t* end)
{
    Unpickler u(bytes, start, out);
    try {
        u.run();
    } catch (const Failure& f) {
        return f.message;
    }
    if (end)
        *end = u.position();
    return std::nullopt;
}

// ---- writing ---------------------------------------------------------------------------------

PickleWriter::PickleWriter() { m_bytes = "\x80\x02"; }

void PickleWriter::integer(int64_t v)
{
    if (v >= 0 && v < 256) {
        m_bytes += 'K';
        m_bytes += static_cast<char>(v);
    } else if (v >= 0 && v < 65536) {
        m_bytes += 'M';
        m_bytes += static_cast<char>(v & 0xFF);
        m_bytes += static_cast<char>(v >> 8);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        m_bytes += 'J';
        for (int k = 0; k < 4; ++k)
            m_bytes += static_cast<char>((static_cast<uint64_t>(v) >> (8 * k)) & 0xFF);
    } else {
        m_bytes += '\x8a';
        m_bytes += '\x08';
        for (int k = 0; k < 8; ++k)
            m_bytes += static_cast<char>((static_cast<uint64_t>(v) >> (8 * k)) & 0xFF);
    }
}

void PickleWriter::string(std::string_view s)
{
    m_bytes += 'X';
    const uint64_t n = s.size();
    for (int k = 0; k < 4; ++k)
        m_bytes += static_cast<char>((n >> (8 * k)) & 0xFF);
    m_bytes += s;
}

void PickleWriter::global(std::string_view module, std::string_view name)
{
    m_bytes += 'c';
    m_bytes += module;
    m_bytes += '\n';
    m_bytes += name;
    m_bytes += '\n';
}

std::string PickleWriter::finish()
{
    m_bytes += '.';
    return std::move(m_bytes);
}

} // namespace ml
