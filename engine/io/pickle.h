#pragma once

#include "engine/io/safetensors.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ml {

// A safe reader for the pickles inside torch.save files. It builds only what a checkpoint holds:
// None, booleans, integers, floats, strings, bytes, lists, tuples, sets, dicts (OrderedDict),
// storages and tensors rebuilt from them (torch._utils._rebuild_tensor_v2, _rebuild_parameter,
// torch.nn.Parameter, torch.Size), as torch.load(weights_only=True) does. Any other global is
// never looked up, let alone called: it is recorded by name and the file is refused. Nothing is
// executed, every length is checked against the bytes that remain before anything is allocated,
// and the number of objects is bounded.

enum class PickleKind { None, Bool, Int, BigInt, Float, String, Bytes, List, Tuple, Set, Dict, Global, Storage, Tensor, Refused };

// A value on the unpickler's stack: small scalars inline, everything else an index into
// PickleData::objects (so duplicating a value through the memo never copies data).
struct PickleValue {
    PickleKind kind = PickleKind::None;
    int64_t i = 0;  // Bool, Int; the object index for object kinds
    double f = 0.0; // Float
};

// A storage named by a persistent id: ('storage', torch.FloatStorage, key, location, numel).
struct PickleStorage {
    std::string key;
    DType dtype = DType::F32;
    int64_t numel = 0;
};

// A strided view into a storage, as _rebuild_tensor_v2 describes it.
struct PickleTensor {
    int64_t storage = -1; // object index of the PickleStorage
    int64_t offset = 0;   // in elements
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
};

struct PickleObject {
    PickleKind kind = PickleKind::None;
    std::string text;               // String, Bytes; Global and Refused: "module.name"
    std::vector<PickleValue> items; // List, Tuple, Set; Dict: key, value, key, value, ...
    PickleStorage storage;
    PickleTensor tensor;
    bool instance = false;          // Refused: an object built from a refused class
};

struct PickleData {
    std::vector<PickleObject> objects;
    PickleValue root;
    std::vector<std::string> refused; // globals the file names and ModuleLab does not build, in order
    const PickleObject& object(const PickleValue& v) const { return objects[static_cast<size_t>(v.i)]; }
};

inline constexpr size_t kPickleMaxObjects = 2'000'000;

// Parses one pickle starting at bytes[start]; `end` receives the offset after its STOP opcode.
// Errors (malformed, truncated, unsupported opcode, too many objects) carry the byte offset.
// Refused globals are not errors here: they are listed in `refused` for the caller to report.
std::optional<std::string> parsePickle(std::string_view bytes, size_t start, PickleData& out, size_t* end = nullptr);

// Human name of a kind: "dict", "list", "tensor", ...
std::string_view pickleKindName(PickleKind kind);

// Writes pickles (protocol 2) that torch.load(weights_only=True) accepts: only the opcodes its
// restricted unpickler knows, no floats.
class PickleWriter {
public:
    PickleWriter();
    void mark() { op('('); }
    void emptyTuple() { op(')'); }
    void tuple() { op('t'); }
    void emptyDict() { op('}'); }
    void setItems() { op('u'); }
    void reduce() { op('R'); }
    void persistentId() { op('Q'); }
    void boolean(bool v) { op(v ? '\x88' : '\x89'); }
    void none() { op('N'); }
    void integer(int64_t v);
    void string(std::string_view s);
    void global(std::string_view module, std::string_view name);
    std::string finish(); // appends STOP and returns the bytes

private:
    void op(char c) { m_bytes += c; }
    std::string m_bytes;
};

} // namespace ml
