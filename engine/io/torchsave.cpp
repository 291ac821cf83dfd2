#include "engine/io/torchsave.h"

#include "engine/io/atomicfile.h"
#include "engine/io/pickle.h"
#include "engine/io/ziparchive.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <set>

namespace ml {

namespace {

// torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()) for a
// contiguous tensor in storage `key`.
void pickleTensor(PickleWriter& w, const NamedTensor& t, const std::string& key)
{
    w.global("torch._utils", "_rebuild_tensor_v2");
    w.mark();
    w.mark();
    w.string("storage");
    w.global("torch", t.dtype == DType::I64 ? "LongStorage" : "FloatStorage");
    w.string(key);
    w.string("cpu");
    w.integer(t.tensor.numel());
    w.tuple();
    w.persistentId();
    w.integer(0);
    const std::vector<int64_t>& dims = t.tensor.shape().dims();
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t d = dims.size(); d-- > 1;)
        strides[d - 1] = strides[d] * std::max<int64_t>(dims[d], 1);
    w.mark();
    for (int64_t d : dims)
        w.integer(d);
    w.tuple();
    w.mark();
    for (int64_t s : strides)
        w.integer(s);
    w.tuple();
    w.boolean(false);
    w.global("collections", "OrderedDict");
    w.emptyTuple();
    w.reduce();
    w.tuple();
    w.reduce();
}

} // namespace

std::optional<std::string> serializeTorchSave(const SafeTensors& st, const std::string& archiveName, std::string& bytes)
{
    PickleWriter w;
    w.global("collections", "OrderedDict");
    w.emptyTuple();
    w.reduce();
    std::vector<std::string> data(st.tensors.size());
    std::set<std::string> names;
    if (!st.tensors.empty())
        w.mark();
    for (size_t k = 0; k < st.tensors.size(); ++k) {
        const NamedTensor& t = st.tensors[k];
        if (t.dtype != DType::F32 && t.dtype != DType::I64)
            return "tensor '" + t.name + "': writing " + std::string(dtypeName(t.dtype)) + " is not supported (F32 or I64)";
        if (!names.insert(t.name).second)
            return "tensor '" + t.name + "' appears twice";
        if (auto err = appendElements(t, data[k]))
            return err;
        w.string(t.name);
        pickleTensor(w, t, std::to_string(k));
    }
    if (!st.tensors.empty())
        w.setItems();
    const std::string pickle = w.finish();

    // As torch orders them: the pickle, the storages by key as strings sort, the version last.
    const std::string prefix = (archiveName.empty() ? std::string("archive") : archiveName) + "/";
    std::vector<std::pair<std::string, std::string_view>> records{{prefix + "data.pkl", pickle}};
    std::vector<std::string> keys;
    for (size_t k = 0; k < data.size(); ++k)
        keys.push_back(std::to_string(k));
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys)
        records.emplace_back(prefix + "data/" + key, data[std::stoul(key)]);
    records.emplace_back(prefix + "version", "3\n");
    return ZipArchive::create(records, bytes);
}

std::optional<std::string> writeTorchSave(const std::string& path, const SafeTensors& st)
{
    std::string bytes;
    const std::string stem = std::filesystem::path(path).stem().string();
    if (auto err = serializeTorchSave(st, stem, bytes))
        return "cannot save " + path + ": " + *err;
    return writeFileAtomically(path, bytes);
}

} // namespace ml
