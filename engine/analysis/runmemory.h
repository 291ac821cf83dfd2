#pragma once

#include "engine/analysis/analysis.h"

#include <cstdint>
#include <optional>
#include <string>

namespace ml {

// The memory one forward pass needs, from the symbolic analysis alone (nothing allocated yet).
struct RunMemory {
    int64_t weights = 0;     // parameters and buffers, float32
    int64_t activations = 0; // every module output and functional op result the pass produces
    int64_t kept = 0;        // a viewer's copies of every call's input and output
    int64_t total() const;
};

// The bytes of a float32 tensor of `shape` (0 for none), saturating at a size no run can have.
int64_t float32Bytes(const std::optional<Shape>& shape);
// sum += bytes, saturating likewise.
void addBytes(int64_t& sum, int64_t bytes);

// `keepCalls`: the caller keeps every module call's input and output after the pass (the
// application's Activations, Step and thumbnails do), so they are counted as well.
RunMemory runMemory(const Module& root, const Analysis& analysis, bool keepCalls);

// Why such a run must not start: it needs more than the memory available, or what it keeps for
// display exceeds `keepLimit` bytes (ModuleLab's own limit). Names every number; nullopt if fine.
std::optional<std::string> runMemoryProblem(const RunMemory& need, int64_t available, int64_t keepLimit);

// "4.36 GB", "512.00 MB", "12.0 kB": a byte count as people read it.
std::string byteSize(int64_t bytes);

} // namespace ml
