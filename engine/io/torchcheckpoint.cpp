#include "engine/io/torchcheckpoint.h"

#include "engine/io/ziparchive.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace ml {

namespace {

// torch.save's legacy format begins with the pickled magic number 0x1950a86a20f9469cfc6c.
constexpr std::string_view kLegacyMagic = "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string joinNames(const std::vector<std::string>& names, size_t limit = 12)
{
    std::string out;
    for (size_t k = 0; k < names.size() && k < limit; ++k)
        out += (k ? ", " : "") + names[k];
    if (names.size() > limit)
        out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
}

} // namespace

bool looksLikeTorchSave(std::string_view bytes)
{
    if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4))
        return true;
    return bytes.size() > 2 + kLegacyMagic.size() && bytes[0] == '\x80' && bytes.substr(2, kLegacyMagic.size()) == kLegacyMagic;
}

std::variant<TorchCheckpoint, ParseError> TorchCheckpoint::parse(std::string bytes, std::string fileName)
{
    TorchCheckpoint c;
    c.m_bytes = std::move(bytes);
    c.m_fileName = std::move(fileName);
    std::string where;
    std::optional<std::string> err;
    if (c.m_bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
        err = c.readZip(where);
    } else if (looksLikeTorchSave(c.m_bytes)) {
        c.m_legacy = true;
        err = c.readLegacy();
    } else {
        err = "not a torch.save file (neither a zip archive nor the legacy pickle format)";
    }
    if (!err)
        err = c.checkGlobals();
    if (err)
        return ParseError{c.m_fileName, {}, (where.empty() ? "" : where + ": ") + *err};
    c.findStateDicts(c.m_pickle.root, "", 0);
    if (c.m_stateDicts.empty()) {
        const PickleValue& r = c.m_pickle.root;
        return ParseError{c.m_fileName, {}, "holds a " + std::string(pickleKindName(r.kind))
                                                + (r.kind == PickleKind::Dict ? " with no state_dict (a dict of name -> tensor) in it" : ", not a state_dict")};
    }
    return c;
}

std::optional<std::string> TorchCheckpoint::readZip(std::string& pickleName)
{
    ZipArchive zip;
    if (auto err = zip.open(m_bytes))
        return err;
    std::string prefix;
    for (const ZipArchive::Entry& e : zip.entries()) {
        const size_t slash = e.name.find('/');
        if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") {
            prefix = e.name.substr(0, slash + 1);
            break;
        }
    }
    if (prefix.empty()) {
        for (const ZipArchive::Entry& e : zip.entries())
            if (e.name.size() > 14 && e.name.substr(e.name.size() - 14) == "/constants.pkl")
                return std::string("a TorchScript archive (torch.jit.save) is not supported by ModuleLab yet: "
                                   "save model.state_dict() with torch.save instead");
        return std::string("a zip archive without a data.pkl record: not a torch.save file");
    }
    const ZipArchive::Entry* pkl = nullptr;
    for (const ZipArchive::Entry& e : zip.entries()) {
        if (e.name.rfind(prefix, 0) != 0)
            continue;
        const std::string rest = e.name.substr(prefix.size());
        if (rest == "data.pkl")
            pkl = &e;
        else if (rest.rfind("data/", 0) == 0)
            m_records[rest.substr(5)] = {e.index, 0, e.size};
        else if (rest == "byteorder") {
            std::string order;
            if (auto err = zip.read(e, order, 16))
                return err;
            if (order != "little" && order != "big")
                return prefix + "byteorder holds '" + order.substr(0, 16) + "' instead of little or big";
            m_bigEndian = order == "big";
        }
    }
    pickleName = prefix + "data.pkl";
    std::string pickle;
    if (auto err = zip.read(*pkl, pickle, size_t(64) << 20))
        return err;
    size_t end = 0;
    auto err = parsePickle(pickle, 0, m_pickle, &end);
    if (!err && end != pickle.size())
        err = "byte " + std::to_string(end) + ": data after the end of the pickle";
    return err;
}

std::optional<std::string> TorchCheckpoint::readLegacy()
{
    // magic number, protocol version, sys_info, the object, the sorted storage keys, the storages.
    size_t pos = 0;
    PickleData header;
    for (int k = 0; k < 3; ++k) {
        if (auto err = parsePickle(m_bytes, pos, header, &pos))
            return err;
        if (k == 1 && (header.root.kind != PickleKind::Int || header.root.i != 1001))
            return std::string("legacy format with protocol version other than 1001");
    }
    if (auto err = parsePickle(m_bytes, pos, m_pickle, &pos))
        return err;
    PickleData keys;
    if (auto err = parsePickle(m_bytes, pos, keys, &pos))
        return err;
    if (keys.root.kind != PickleKind::List)
        return "byte " + std::to_string(pos) + ": the list of storage keys is missing";
    std::map<std::string, int> elementSize;
    for (const PickleObject& o : m_pickle.objects)
        if (o.kind == PickleKind::Storage)
            elementSize[o.storage.key] = dtypeSize(o.storage.dtype);
    for (const PickleValue& k : keys.object(keys.root).items) {
        if (k.kind != PickleKind::String)
            return std::string("a storage key is not a string");
        const std::string key = keys.object(k).text;
        const auto size = elementSize.find(key);
        if (size == elementSize.end())
            return "storage " + quoted(key) + " is stored but no tensor uses it";
        if (m_bytes.size() - pos < 8)
            return "byte " + std::to_string(pos) + ": the file ends before storage " + quoted(key) + ": it is truncated";
        uint64_t numel = 0;
        for (int b = 7; b >= 0; --b)
            numel = numel << 8 | static_cast<unsigned char>(m_bytes[pos + static_cast<size_t>(b)]);
        pos += 8;
        const uint64_t room = (m_bytes.size() - pos) / static_cast<uint64_t>(size->second);
        if (numel > room)
            return "byte " + std::to_string(pos - 8) + ": storage " + quoted(key) + " declares " + std::to_string(numel)
                   + " elements but only " + std::to_string(room) + " fit in the rest of the file: it is truncated or corrupt";
        m_records[key] = {0, pos, numel * static_cast<uint64_t>(size->second)};
        pos += static_cast<size_t>(numel) * static_cast<size_t>(size->second);
    }
    return std::nullopt;
}

std::optional<std::string> TorchCheckpoint::checkGlobals() const
{
    const std::vector<std::string>& refused = m_pickle.refused;
    if (refused.empty())
        return std::nullopt;
    const PickleValue& root = m_pickle.root;
    const bool moduleObject = std::any_of(refused.begin(), refused.end(), [](const std::string& n) { return n.rfind("torch.nn.modules.", 0) == 0; })
                              || (root.kind == PickleKind::Refused && m_pickle.object(root).instance);
    if (moduleObject)
        return "this file holds a pickled model object; save model.state_dict() instead (torch.save(model.state_dict(), PATH)). "
               "Loading it would need the classes " + joinNames(refused) + ", and ModuleLab runs no code from a weights file";
    return "refused: the pickle names " + joinNames(refused) + ", which a state_dict does not need. ModuleLab reads only "
           "tensors, dicts, lists, numbers and strings from a torch.save file (as torch.load(weights_only=True) does) and "
           "runs nothing from it";
}

void TorchCheckpoint::findStateDicts(const PickleValue& v, const std::string& path, int depth)
{
    if (v.kind != PickleKind::Dict || depth > 3)
        return;
    const std::vector<PickleValue>& items = m_pickle.object(v).items;
    bool allTensors = !items.empty();
    for (size_t k = 0; k + 1 < items.size() && allTensors; k += 2)
        allTensors = items[k].kind == PickleKind::String && items[k + 1].kind == PickleKind::Tensor;
    if (!allTensors) {
        // An optimizer's state_dict ({"state": ..., "param_groups": ...}) holds moments, not weights.
        int optimizerKeys = 0;
        for (size_t k = 0; k + 1 < items.size(); k += 2)
            if (items[k].kind == PickleKind::String)
                optimizerKeys += m_pickle.object(items[k]).text == "state" || m_pickle.object(items[k]).text == "param_groups";
        if (optimizerKeys == 2)
            return;
    }
    if (allTensors) {
        StateDict sd{path, {}, {}};
        std::map<std::string, size_t> seen; // a repeated key replaces the earlier value, as in Python
        for (size_t k = 0; k + 1 < items.size(); k += 2) {
            const std::string& key = m_pickle.object(items[k]).text;
            if (auto it = seen.find(key); it != seen.end()) {
                sd.tensors[it->second] = items[k + 1];
                continue;
            }
            seen[key] = sd.keys.size();
            sd.keys.push_back(key);
            sd.tensors.push_back(items[k + 1]);
        }
        m_stateDicts.push_back(std::move(sd));
        return;
    }
    for (size_t k = 0; k + 1 < items.size(); k += 2) {
        const PickleValue& key = items[k];
        const std::string name = key.kind == PickleKind::String ? m_pickle.object(key).text
                                 : key.kind == PickleKind::Int  ? std::to_string(key.i)
                                                                : std::string(pickleKindName(key.kind));
        const size_t before = m_stateDicts.size();
        findStateDicts(items[k + 1], path.empty() ? name : path + "/" + name, depth + 1);
        if (depth == 0 && m_stateDicts.size() == before)
            m_otherEntries.push_back(name);
    }
}

std::optional<std::string> TorchCheckpoint::recordBytes(const Record& r, std::string& out) const
{
    if (m_legacy) {
        out.assign(m_bytes, static_cast<size_t>(r.offset), static_cast<size_t>(r.size));
        return std::nullopt;
    }
    ZipArchive zip;
    if (auto err = zip.open(m_bytes))
        return err;
    for (const ZipArchive::Entry& e : zip.entries())
        if (e.index == r.zipIndex)
            return zip.read(e, out, static_cast<size_t>(r.size));
    return std::string("a storage record vanished from the archive");
}

std::variant<SafeTensors, ParseError> TorchCheckpoint::tensors(size_t index) const
{
    const StateDict& sd = m_stateDicts.at(index);
    auto error = [&](const std::string& m) { return ParseError{m_fileName, {}, m}; };

    // Validate every view and the total size first; then read each storage once.
    int64_t storageElements = 0, tensorElements = 0;
    std::set<std::string> storagesSeen;
    for (size_t k = 0; k < sd.keys.size(); ++k) {
        const PickleTensor& t = m_pickle.object(sd.tensors[k]).tensor;
        const PickleStorage& s = m_pickle.objects[static_cast<size_t>(t.storage)].storage;
        const std::string who = "tensor " + quoted(sd.keys[k]);
        const auto rec = m_records.find(s.key);
        if (rec == m_records.end())
            return error(who + " uses storage " + quoted(s.key) + ", which the file does not contain");
        int64_t bytes = 0;
        if (!checkedMul(s.numel, dtypeSize(s.dtype), bytes) || static_cast<uint64_t>(bytes) != rec->second.size)
            return error(who + ": storage " + quoted(s.key) + " should hold " + std::to_string(s.numel) + " " + std::string(dtypeName(s.dtype))
                         + " elements, its record has " + std::to_string(rec->second.size) + " bytes");
        if (storagesSeen.insert(s.key).second)
            storageElements += s.numel;
        int64_t numel = 1, last = t.offset;
        for (size_t d = 0; d < t.sizes.size(); ++d) {
            int64_t span = 0;
            if (!checkedMul(numel, t.sizes[d], numel) || (t.sizes[d] > 0 && !checkedMul(t.sizes[d] - 1, t.strides[d], span))
                || __builtin_add_overflow(last, span, &last))
                return error(who + ": sizes and strides overflow 64 bits");
        }
        if (numel > 0 ? last >= s.numel : t.offset > s.numel)
            return error(who + " (offset " + std::to_string(t.offset) + ", size " + Shape(t.sizes).toString() + ") reaches element "
                         + std::to_string(last) + " of a storage of " + std::to_string(s.numel) + " elements");
        if (numel > s.numel)
            return error(who + " has more elements than its storage: expanded (stride 0) tensors are not supported by ModuleLab yet");
        tensorElements += numel;
        if (tensorElements > 8 * storageElements + (int64_t(1) << 20))
            return error(who + ": the tensors view their storages more than 8 times over: a corrupt or hostile file");
    }

    SafeTensors out;
    std::map<std::string, std::string> cache;
    for (size_t k = 0; k < sd.keys.size(); ++k) {
        const PickleTensor& t = m_pickle.object(sd.tensors[k]).tensor;
        const PickleStorage& s = m_pickle.objects[static_cast<size_t>(t.storage)].storage;
        auto it = cache.find(s.key);
        if (it == cache.end()) {
            std::string data;
            if (auto err = recordBytes(m_records.at(s.key), data))
                return error("storage " + quoted(s.key) + ": " + *err);
            if (m_bigEndian) {
                const size_t w = static_cast<size_t>(dtypeSize(s.dtype));
                for (size_t p = 0; p + w <= data.size(); p += w)
                    std::reverse(data.begin() + static_cast<std::ptrdiff_t>(p), data.begin() + static_cast<std::ptrdiff_t>(p + w));
            }
            it = cache.emplace(s.key, std::move(data)).first;
        }
        const char* base = it->second.data();
        const int size = dtypeSize(s.dtype);
        NamedTensor nt{sd.keys[k], Tensor(Shape(t.sizes)), s.dtype};
        // Walk the view in row-major order; contiguous runs of the last dimension at once.
        const size_t rank = t.sizes.size();
        const int64_t inner = rank ? t.sizes.back() : 1;
        const int64_t innerStride = rank ? t.strides.back() : 1;
        std::vector<int64_t> idx(rank, 0);
        for (int64_t done = 0; done < nt.tensor.numel(); done += inner) {
            int64_t src = t.offset;
            for (size_t d = 0; d + 1 < rank; ++d)
                src += idx[d] * t.strides[d];
            if (innerStride == 1 || inner == 1) {
                decodeElements(s.dtype, base + src * size, inner, nt.tensor.data() + done);
            } else {
                for (int64_t j = 0; j < inner; ++j)
                    decodeElements(s.dtype, base + (src + j * innerStride) * size, 1, nt.tensor.data() + done + j);
            }
            for (size_t d = rank > 0 ? rank - 1 : 0; d-- > 0;) {
                if (++idx[d] < t.sizes[d])
                    break;
                idx[d] = 0;
            }
        }
        out.tensors.push_back(std::move(nt));
    }
    return out;
}

} // namespace ml
