#pragma once

#include "engine/diagnostic.h"
#include "engine/tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ml {

// Element types of the safetensors format that ModuleLab reads. Everything is converted to
// float32 on reading; the original type is remembered.
enum class DType { F32, F64, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::string_view dtypeName(DType t); // as the format spells it: "F32", "BF16", "BOOL"
int dtypeSize(DType t);              // bytes per element
std::optional<DType> dtypeFromName(std::string_view name);

// Converts `count` little-endian elements of `dtype` at src to float32 (integers and bools by
// value, wider or narrower floats rounded to nearest).
void decodeElements(DType dtype, const char* src, int64_t count, float* dst);

struct NamedTensor {
    std::string name;
    Tensor tensor;
    DType dtype = DType::F32; // on reading: the type in the file; on writing: F32 or I64
};

// Appends t's elements to out as little-endian F32, or I64 when its dtype says so (values
// rounded to the nearest integer). Returns an error message naming the tensor when a value
// does not fit in an int64.
std::optional<std::string> appendElements(const NamedTensor& t, std::string& out);

struct SafeTensors {
    std::vector<NamedTensor> tensors;                             // in header order
    std::vector<std::pair<std::string, std::string>> metadata;    // "__metadata__", in order
    const NamedTensor* find(std::string_view name) const;
};

// Largest header accepted, as in the reference implementation.
inline constexpr uint64_t kSafeTensorsMaxHeader = 100'000'000;

// Reads a .safetensors file. Everything is validated before any tensor is allocated: header
// length, JSON, dtypes, shapes (no negative dims, element counts without overflow), offsets
// (in bounds, contiguous, non-overlapping, covering the whole data section) and byte counts.
// Messages name the tensor concerned; header errors carry the line:column inside the header.
std::variant<SafeTensors, ParseError> readSafeTensors(const std::string& path);
// The same for bytes already in memory.
std::variant<SafeTensors, ParseError> parseSafeTensors(std::string_view bytes, std::string_view fileName = {});

// Serialises as the reference implementation does: compact JSON header (metadata first, then
// tensors in the given order), padded with spaces to a multiple of 8 bytes. Tensors are written
// as F32, or I64 when their dtype says so. Returns an error message or nullopt.
std::optional<std::string> serializeSafeTensors(const SafeTensors& st, std::string& bytes);
// Serialises and writes atomically (temporary file, fsync, rename).
std::optional<std::string> writeSafeTensors(const std::string& path, const SafeTensors& st);

} // namespace ml
