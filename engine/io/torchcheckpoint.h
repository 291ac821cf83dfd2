#pragma once

#include "engine/diagnostic.h"
#include "engine/io/pickle.h"
#include "engine/io/safetensors.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml {

// True for the bytes of a torch.save file: a zip archive (PyTorch >= 1.6) or the legacy format
// (a pickled magic number first).
bool looksLikeTorchSave(std::string_view bytes);

// A file written by torch.save, read without running anything from it (see pickle.h). It may
// hold a state_dict or a checkpoint dict with state_dicts inside ("model_state_dict", "model",
// ...); each dict of name -> tensor found at the top or up to three dict levels below is offered.
class TorchCheckpoint {
public:
    struct StateDict {
        std::string path; // "" for the whole file, "model_state_dict", "ema/model" for nested ones
        std::vector<std::string> keys;
        std::vector<PickleValue> tensors; // parallel to keys
    };

    // Everything is validated before any tensor is allocated: the container, the pickle (only
    // safe globals; a pickled nn.Module or any other class is refused by name), storage record
    // sizes, and every tensor's offset, sizes and strides against its storage.
    static std::variant<TorchCheckpoint, ParseError> parse(std::string bytes, std::string fileName);

    const std::vector<StateDict>& stateDicts() const { return m_stateDicts; }
    // Top-level entries of a checkpoint dict that are not state_dicts ("epoch", "optimizer_state_dict").
    const std::vector<std::string>& otherEntries() const { return m_otherEntries; }
    bool legacyFormat() const { return m_legacy; }

    // The tensors of stateDicts()[index], converted to float32 (the stored dtype is kept in
    // NamedTensor::dtype), in the file's order.
    std::variant<SafeTensors, ParseError> tensors(size_t index) const;

private:
    struct Record {
        uint64_t zipIndex = 0;  // zip format
        uint64_t offset = 0;    // legacy format: where the elements start in m_bytes
        uint64_t size = 0;      // bytes
    };
    std::optional<std::string> readZip(std::string& pickleName);
    std::optional<std::string> readLegacy();
    std::optional<std::string> checkGlobals() const;
    void findStateDicts(const PickleValue& v, const std::string& path, int depth);
    std::optional<std::string> recordBytes(const Record& r, std::string& out) const;

    std::string m_bytes;
    std::string m_fileName;
    bool m_legacy = false;
    bool m_bigEndian = false;
    PickleData m_pickle;
    std::map<std::string, Record> m_records; // storage key -> its bytes
    std::vector<StateDict> m_stateDicts;
    std::vector<std::string> m_otherEntries;
};

} // namespace ml
