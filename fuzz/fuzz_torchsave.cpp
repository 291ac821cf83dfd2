// libFuzzer target for torch.save files (zip and legacy formats, the restricted unpickler, the
// checkpoint search and the tensor views). Whatever is read must survive a write/read round trip
// bit for bit. Any crash, sanitizer report, huge allocation or broken round trip is a bug.
// It needs only engine/io, so it also builds on its own (see README.md).
#include "engine/io/torchcheckpoint.h"
#include "engine/io/torchsave.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool sameTensors(const ml::SafeTensors& a, const ml::SafeTensors& b)
{
    if (a.tensors.size() != b.tensors.size())
        return false;
    for (size_t k = 0; k < a.tensors.size(); ++k) {
        const ml::Tensor& x = a.tensors[k].tensor;
        const ml::Tensor& y = b.tensors[k].tensor;
        if (a.tensors[k].name != b.tensors[k].name || !(x.shape() == y.shape())
            || std::memcmp(x.data(), y.data(), static_cast<size_t>(x.numel()) * sizeof(float)) != 0)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto read = ml::TorchCheckpoint::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.pth");
    auto* c = std::get_if<ml::TorchCheckpoint>(&read);
    if (!c)
        return 0;
    for (size_t i = 0; i < c->stateDicts().size(); ++i) {
        auto tensors = c->tensors(i);
        auto* st = std::get_if<ml::SafeTensors>(&tensors);
        if (!st)
            continue;
        for (ml::NamedTensor& t : st->tensors)
            t.dtype = ml::DType::F32; // every value survives float32 exactly
        std::string written;
        if (ml::serializeTorchSave(*st, "fuzz", written)) {
            std::fputs("a state_dict that was read could not be written\n", stderr);
            std::abort();
        }
        auto again = ml::TorchCheckpoint::parse(written, "again.pth");
        auto* c2 = std::get_if<ml::TorchCheckpoint>(&again);
        auto back = c2 && c2->stateDicts().size() == 1 ? c2->tensors(0) : std::variant<ml::SafeTensors, ml::ParseError>{};
        if (!std::holds_alternative<ml::SafeTensors>(back) || !sameTensors(*st, std::get<ml::SafeTensors>(back))) {
            std::fputs("torch.save write/read round trip changed the tensors\n", stderr);
            std::abort();
        }
    }
    return 0;
}
