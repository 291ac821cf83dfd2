// libFuzzer target for torch.save files (zip and legacy formats, the restricted unpickler, the
// checkpoint search and the tensor views). Whatever is read must survive a write/read round trip
// bit for bit. Any crash, sanitizer report, huge allocation or broken round trip is a bug.
#include "engine/io/torchsave.h"
#include "engine/io/weights.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string bytes(reinterpret_cast<const char*>(data), size);
    auto read = ml::parseWeights(std::move(bytes), "fuzz.pth", nullptr);
    auto* w = std::get_if<ml::WeightsFile>(&read);
    if (!w)
        return 0;
    for (ml::NamedTensor& t : w->tensors.tensors)
        t.dtype = t.dtype == ml::DType::I64 ? ml::DType::I64 : ml::DType::F32;
    std::string written;
    if (ml::serializeTorchSave(w->tensors, "fuzz", written))
        return 0; // e.g. an int64 buffer holding NaN after conversion: refused with a message
    auto again = ml::parseWeights(written, "again.pth", nullptr);
    auto* w2 = std::get_if<ml::WeightsFile>(&again);
    bool same = w2 && w2->tensors.tensors.size() == w->tensors.tensors.size();
    for (size_t k = 0; same && k < w->tensors.tensors.size(); ++k) {
        const ml::Tensor& a = w->tensors.tensors[k].tensor;
        const ml::Tensor& b = w2->tensors.tensors[k].tensor;
        same = a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * 4) == 0;
    }
    if (!same) {
        std::fputs("torch.save write/read round trip changed the tensors\n", stderr);
        std::abort();
    }
    return 0;
}
