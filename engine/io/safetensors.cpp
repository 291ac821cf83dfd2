#include "engine/io/safetensors.h"

#include "engine/io/atomicfile.h"
#include "engine/io/json.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

namespace ml {

namespace {

struct DTypeInfo {
    DType type;
    std::string_view name;
    int size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "F32", 4}, {DType::F64, "F64", 8}, {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4}, {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},   {DType::Bool, "BOOL", 1},
};

} // namespace

std::string_view dtypeName(DType t)
{
    for (const DTypeInfo& d : kDTypes)
        if (d.type == t)
            return d.name;
    return "?";
}

int dtypeSize(DType t)
{
    for (const DTypeInfo& d : kDTypes)
        if (d.type == t)
            return d.size;
    return 0;
}

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const DTypeInfo& d : kDTypes)
        if (d.name == name)
            return d.type;
    return std::nullopt;
}

const NamedTensor* SafeTensors::find(std::string_view name) const
{
    for (const NamedTensor& t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

// ---- reading ---------------------------------------------------------------------------------

namespace {

// Random access to the bytes of a file or a buffer.
struct ByteSource {
    uint64_t size = 0;
    std::function<bool(uint64_t offset, size_t n, char* dst)> read;
};

struct Failure {
    SourceLoc loc;
    std::string message;
};

[[noreturn]] void fail(std::string message, SourceLoc loc = {}) { throw Failure{loc, std::move(message)}; }

template <typename T>
T loadLE(const char* p)
{
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
        auto* b = reinterpret_cast<unsigned char*>(&v);
        std::reverse(b, b + sizeof v);
    }
    return v;
}

float halfToFloat(uint16_t h)
{
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mant <<= 1;
            } while ((mant & 0x400) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3FF) << 13;
        }
    } else if (exp == 0x1F) {
        bits = sign | 0x7F800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    return std::bit_cast<float>(bits);
}

} // namespace

void decodeElements(DType dtype, const char* src, int64_t count, float* dst)
{
    switch (dtype) {
    case DType::F32:
        if constexpr (std::endian::native == std::endian::little) {
            std::memcpy(dst, src, static_cast<size_t>(count) * 4);
        } else {
            for (int64_t k = 0; k < count; ++k)
                dst[k] = loadLE<float>(src + 4 * k);
        }
        return;
    case DType::F64:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(loadLE<double>(src + 8 * k));
        return;
    case DType::F16:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = halfToFloat(loadLE<uint16_t>(src + 2 * k));
        return;
    case DType::BF16:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = std::bit_cast<float>(static_cast<uint32_t>(loadLE<uint16_t>(src + 2 * k)) << 16);
        return;
    case DType::I64:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(loadLE<int64_t>(src + 8 * k));
        return;
    case DType::I32:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(loadLE<int32_t>(src + 4 * k));
        return;
    case DType::I16:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(loadLE<int16_t>(src + 2 * k));
        return;
    case DType::I8:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(static_cast<int8_t>(src[k]));
        return;
    case DType::U8:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = static_cast<float>(static_cast<unsigned char>(src[k]));
        return;
    case DType::Bool:
        for (int64_t k = 0; k < count; ++k)
            dst[k] = src[k] != 0 ? 1.0f : 0.0f;
        return;
    }
}

namespace {

struct Entry {
    std::string name;
    DType dtype = DType::F32;
    Shape shape;
    int64_t numel = 0;
    uint64_t begin = 0;
    uint64_t end = 0;
    SourceLoc loc;
};

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string range(uint64_t b, uint64_t e) { return std::to_string(b) + ".." + std::to_string(e); }

std::vector<Entry> readHeader(const JsonValue& header, uint64_t dataSize, SafeTensors& out)
{
    if (!header.isObject())
        fail("the header must be a JSON object, got " + std::string(jsonTypeName(header.type())), header.loc());
    std::vector<Entry> entries;
    for (const JsonMember& m : header.members()) {
        if (m.key == "__metadata__") {
            if (!m.value.isObject())
                fail("__metadata__ must be an object of strings", m.value.loc());
            for (const JsonMember& kv : m.value.members()) {
                if (!kv.value.isString())
                    fail("__metadata__ value of '" + kv.key + "' must be a string, got "
                             + std::string(jsonTypeName(kv.value.type())), kv.value.loc());
                out.metadata.emplace_back(kv.key, kv.value.stringValue());
            }
            continue;
        }
        const std::string who = "tensor " + quoted(m.key);
        if (!m.value.isObject())
            fail(who + ": entry must be an object with dtype, shape and data_offsets", m.value.loc());
        Entry e;
        e.name = m.key;
        e.loc = m.keyLoc;
        const JsonValue* dtype = m.value.find("dtype");
        const JsonValue* shape = m.value.find("shape");
        const JsonValue* offsets = m.value.find("data_offsets");
        if (!dtype || !shape || !offsets)
            fail(who + ": entry is missing " + std::string(!dtype ? "dtype" : !shape ? "shape" : "data_offsets"), m.value.loc());
        if (!dtype->isString())
            fail(who + ": dtype must be a string", dtype->loc());
        const auto dt = dtypeFromName(dtype->stringValue());
        if (!dt) {
            std::string known;
            for (const DTypeInfo& d : kDTypes)
                known += (known.empty() ? "" : ", ") + std::string(d.name);
            fail(who + ": unsupported dtype '" + dtype->stringValue() + "' (ModuleLab reads " + known + ")", dtype->loc());
        }
        e.dtype = *dt;
        if (!shape->isArray())
            fail(who + ": shape must be an array of non-negative integers", shape->loc());
        for (const JsonValue& d : shape->items()) {
            if (!d.isInt() || d.intValue() < 0)
                fail(who + ": shape must be an array of non-negative integers", d.loc());
            e.shape.dims().push_back(d.intValue());
        }
        const auto numel = e.shape.numel();
        if (!numel)
            fail(who + ": shape " + e.shape.toString() + " has more elements than fit in 64 bits", shape->loc());
        e.numel = *numel;
        if (!offsets->isArray() || offsets->items().size() != 2 || !offsets->items()[0].isInt()
            || !offsets->items()[1].isInt() || offsets->items()[0].intValue() < 0 || offsets->items()[1].intValue() < 0)
            fail(who + ": data_offsets must be [begin, end] with non-negative integers", offsets->loc());
        e.begin = static_cast<uint64_t>(offsets->items()[0].intValue());
        e.end = static_cast<uint64_t>(offsets->items()[1].intValue());
        if (e.begin > e.end)
            fail(who + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] end before they begin",
                 offsets->loc());
        if (e.end > dataSize)
            fail(who + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end)
                     + "] run past the end of the data section (" + std::to_string(dataSize) + " bytes)", offsets->loc());
        int64_t bytes = 0;
        if (!checkedMul(e.numel, dtypeSize(e.dtype), bytes) || static_cast<uint64_t>(bytes) != e.end - e.begin)
            fail(who + ": shape " + e.shape.toString() + " of " + std::string(dtypeName(e.dtype)) + " needs "
                     + (bytes > 0 || e.numel == 0 ? std::to_string(bytes) : std::string("more than 2^63")) + " bytes, but data_offsets hold "
                     + std::to_string(e.end - e.begin), offsets->loc());
        entries.push_back(std::move(e));
    }

    // The tensors must tile the data section exactly: no gaps, no overlaps, nothing left over.
    std::vector<const Entry*> byOffset;
    for (const Entry& e : entries)
        byOffset.push_back(&e);
    std::stable_sort(byOffset.begin(), byOffset.end(),
                     [](const Entry* a, const Entry* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
    uint64_t covered = 0;
    const Entry* previous = nullptr;
    for (const Entry* e : byOffset) {
        if (e->begin < covered)
            fail("tensor " + quoted(e->name) + " (bytes " + range(e->begin, e->end) + ") overlaps tensor "
                     + quoted(previous->name) + " (bytes " + range(previous->begin, previous->end) + ")", e->loc);
        if (e->begin > covered)
            fail("bytes " + range(covered, e->begin) + " of the data section belong to no tensor (before tensor "
                     + quoted(e->name) + ")", e->loc);
        covered = e->end;
        previous = e;
    }
    if (covered != dataSize)
        fail("the data section has " + std::to_string(dataSize) + " bytes but the tensors cover only " + std::to_string(covered));
    return entries;
}

SafeTensors parse(const ByteSource& src, std::string_view fileName)
{
    if (src.size < 8)
        fail("too short for a safetensors file (" + std::to_string(src.size) + " bytes; the header length alone takes 8)");
    char lenBytes[8];
    if (!src.read(0, 8, lenBytes))
        fail("cannot read the header length");
    const uint64_t headerLen = loadLE<uint64_t>(lenBytes);
    if (headerLen > kSafeTensorsMaxHeader)
        fail("header length " + std::to_string(headerLen) + " exceeds the limit of " + std::to_string(kSafeTensorsMaxHeader)
             + " bytes: not a safetensors file, or a corrupt one");
    if (headerLen > src.size - 8)
        fail("header length " + std::to_string(headerLen) + " runs past the end of the file (" + std::to_string(src.size)
             + " bytes): the file is truncated or not a safetensors file");
    std::string headerText(static_cast<size_t>(headerLen), '\0');
    if (!src.read(8, headerText.size(), headerText.data()))
        fail("cannot read the header");
    auto parsed = parseJson(headerText, fileName);
    if (auto* err = std::get_if<ParseError>(&parsed))
        fail("invalid JSON header: " + err->message, err->loc);
    const JsonValue& header = std::get<JsonValue>(parsed);

    SafeTensors out;
    const uint64_t dataStart = 8 + headerLen;
    const std::vector<Entry> entries = readHeader(header, src.size - dataStart, out);

    constexpr size_t kChunk = size_t(1) << 20;
    std::vector<char> buffer;
    for (const Entry& e : entries) {
        NamedTensor nt{e.name, Tensor(e.shape), e.dtype};
        const int size = dtypeSize(e.dtype);
        const int64_t perChunk = static_cast<int64_t>(kChunk) / size;
        for (int64_t done = 0; done < e.numel;) {
            const int64_t n = std::min(perChunk, e.numel - done);
            buffer.resize(static_cast<size_t>(n * size));
            if (!src.read(dataStart + e.begin + static_cast<uint64_t>(done * size), buffer.size(), buffer.data()))
                fail("cannot read the data of tensor " + quoted(e.name));
            decodeElements(e.dtype, buffer.data(), n, nt.tensor.data() + done);
            done += n;
        }
        out.tensors.push_back(std::move(nt));
    }
    return out;
}

} // namespace

std::variant<SafeTensors, ParseError> parseSafeTensors(std::string_view bytes, std::string_view fileName)
{
    ByteSource src;
    src.size = bytes.size();
    src.read = [bytes](uint64_t offset, size_t n, char* dst) {
        if (offset > bytes.size() || n > bytes.size() - offset)
            return false;
        std::memcpy(dst, bytes.data() + offset, n);
        return true;
    };
    try {
        return parse(src, fileName);
    } catch (const Failure& f) {
        return ParseError{std::string(fileName), f.loc, f.message};
    }
}

std::variant<SafeTensors, ParseError> readSafeTensors(const std::string& path)
{
    if (auto error = cannotOpen(path))
        return std::move(*error);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return ParseError{path, {1, 1}, "cannot open the file"};
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0)
        return ParseError{path, {}, "cannot determine the file size"};
    ByteSource src;
    src.size = static_cast<uint64_t>(size);
    src.read = [&in](uint64_t offset, size_t n, char* dst) {
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(dst, static_cast<std::streamsize>(n));
        return static_cast<size_t>(in.gcount()) == n;
    };
    try {
        return parse(src, path);
    } catch (const Failure& f) {
        return ParseError{path, f.loc, f.message};
    }
}

// ---- writing ---------------------------------------------------------------------------------

std::optional<std::string> appendElements(const NamedTensor& t, std::string& out)
{
    const float* data = t.tensor.data();
    const int64_t n = t.tensor.numel();
    if (t.dtype == DType::F32 && std::endian::native == std::endian::little) {
        out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n) * 4);
        return std::nullopt;
    }
    out.reserve(out.size() + static_cast<size_t>(n) * (t.dtype == DType::I64 ? 8 : 4));
    for (int64_t k = 0; k < n; ++k) {
        uint64_t bits;
        int size;
        if (t.dtype == DType::I64) {
            const float v = data[k];
            if (!std::isfinite(v) || std::fabs(v) > 9.2e18f)
                return "tensor '" + t.name + "': value " + std::to_string(v) + " does not fit in an int64";
            bits = static_cast<uint64_t>(static_cast<int64_t>(std::llround(v)));
            size = 8;
        } else {
            bits = std::bit_cast<uint32_t>(data[k]);
            size = 4;
        }
        for (int b = 0; b < size; ++b)
            out += static_cast<char>((bits >> (8 * b)) & 0xFF);
    }
    return std::nullopt;
}

std::optional<std::string> serializeSafeTensors(const SafeTensors& st, std::string& bytes)
{
    JsonValue header = JsonValue::object();
    if (!st.metadata.empty()) {
        JsonValue& meta = header.set("__metadata__", JsonValue::object());
        for (const auto& [k, v] : st.metadata)
            meta.set(k, JsonValue::string(v));
    }
    uint64_t offset = 0;
    for (const NamedTensor& t : st.tensors) {
        if (t.name == "__metadata__")
            return std::string("a tensor cannot be called __metadata__");
        if (header.find(t.name))
            return "tensor '" + t.name + "' appears twice";
        if (t.dtype != DType::F32 && t.dtype != DType::I64)
            return "tensor '" + t.name + "': writing " + std::string(dtypeName(t.dtype)) + " is not supported (F32 or I64)";
        JsonValue entry = JsonValue::object();
        entry.set("dtype", JsonValue::string(std::string(dtypeName(t.dtype))));
        JsonValue& shape = entry.set("shape", JsonValue::array());
        for (int64_t d : t.tensor.shape().dims())
            shape.append(JsonValue::integer(d));
        const uint64_t size = static_cast<uint64_t>(t.tensor.numel()) * static_cast<uint64_t>(dtypeSize(t.dtype));
        JsonValue& offsets = entry.set("data_offsets", JsonValue::array());
        offsets.append(JsonValue::integer(static_cast<int64_t>(offset)));
        offsets.append(JsonValue::integer(static_cast<int64_t>(offset + size)));
        offset += size;
        header.set(t.name, std::move(entry));
    }
    std::string text = writeJson(header, {.indent = 0});
    text.append((8 - text.size() % 8) % 8, ' ');

    bytes.clear();
    bytes.reserve(8 + text.size() + offset);
    const uint64_t len = text.size();
    for (int k = 0; k < 8; ++k)
        bytes += static_cast<char>((len >> (8 * k)) & 0xFF);
    bytes += text;
    for (const NamedTensor& t : st.tensors)
        if (auto err = appendElements(t, bytes))
            return err;
    return std::nullopt;
}

std::optional<std::string> writeSafeTensors(const std::string& path, const SafeTensors& st)
{
    std::string bytes;
    if (auto err = serializeSafeTensors(st, bytes))
        return "cannot save " + path + ": " + *err;
    return writeFileAtomically(path, bytes);
}

} // namespace ml
