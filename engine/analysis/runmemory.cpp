#include "engine/analysis/runmemory.h"

#include "engine/shape.h"

#include <cstdio>

namespace ml {

int64_t float32Bytes(const std::optional<Shape>& shape)
{
    if (!shape)
        return 0;
    int64_t b = 0;
    if (!checkedMul(shape->numel().value_or(INT64_MAX / 8), 4, b))
        return INT64_MAX / 4;
    return b;
}

void addBytes(int64_t& sum, int64_t bytes)
{
    if (!checkedAdd(sum, bytes, sum))
        sum = INT64_MAX / 4;
}

int64_t RunMemory::total() const
{
    int64_t sum = weights;
    addBytes(sum, activations);
    addBytes(sum, kept);
    return sum;
}

RunMemory runMemory(const Module& root, const Analysis& analysis, bool keepCalls)
{
    RunMemory m;
    m.weights = tensorBytes(root);
    addBytes(m.activations, analysis.opOutputBytes);
    for (const auto& [module, info] : analysis.nodes) {
        int64_t perCall = float32Bytes(info.outputShape);
        addBytes(m.activations, perCall);
        if (!keepCalls)
            continue;
        addBytes(perCall, float32Bytes(info.inputShape));
        int64_t calls = 0;
        if (!checkedMul(perCall, int64_t{info.calls}, calls))
            calls = INT64_MAX / 4;
        addBytes(m.kept, calls);
    }
    return m;
}

std::optional<std::string> runMemoryProblem(const RunMemory& need, int64_t available, int64_t keepLimit)
{
    const std::string parts = "the weights need " + byteSize(need.weights) + ", the activations up to "
        + byteSize(need.activations) + (need.kept > 0 ? ", the copies kept for display " + byteSize(need.kept) : "");
    if (need.total() > available)
        return "refusing to run: " + parts + " (" + byteSize(need.total()) + " in all), but only " + byteSize(available)
            + " of memory are available. Use a smaller input shape";
    if (need.kept > keepLimit)
        return "not supported by ModuleLab yet: showing this run keeps every module call's input and output, "
            + byteSize(need.kept) + ", above ModuleLab's limit of " + byteSize(keepLimit) + " for display ("
            + parts + "). Use a smaller input shape, or run it with modulelab-cli run";
    return std::nullopt;
}

std::string byteSize(int64_t bytes)
{
    char buf[64];
    const double b = static_cast<double>(bytes);
    if (b >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
    else if (b >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
    return buf;
}

} // namespace ml
