#include "engine/io/weights.h"

#include "engine/io/atomicfile.h"
#include "engine/io/torchcheckpoint.h"
#include "engine/io/torchsave.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <map>
#include <unordered_map>

namespace ml {

namespace {

bool isNumBatchesTracked(const TensorSpec& spec) { return spec.isInteger && spec.name == "num_batches_tracked"; }

void appendList(std::string& out, const char* title, const std::vector<std::string>& items, bool quote)
{
    if (items.empty())
        return;
    out += out.empty() ? "" : "\n";
    out += title;
    for (size_t k = 0; k < items.size(); ++k)
        out += (k ? ", " : " ") + (quote ? "\"" + items[k] + "\"" : items[k]);
    out += ".";
}

} // namespace

std::string StateDictReport::message() const
{
    if (loaded)
        return {};
    if (!error.empty())
        return error;
    std::string out;
    appendList(out, "Missing key(s) in state_dict:", missing, true);
    appendList(out, "Unexpected key(s) in state_dict:", unexpected, true);
    appendList(out, "Size mismatch:", mismatched, false);
    return out.empty() ? std::string("nothing was loaded") : "Error(s) in loading state_dict:\n" + out;
}

namespace {
// A module's tensor list before loading: the non-persistent buffers (not in any state_dict) keep
// their values, as PyTorch's load_state_dict leaves them, or get their initial ones.
std::vector<Tensor> unsavedTensors(const Module& m)
{
    const std::vector<TensorSpec> specs = m.tensorSpecs();
    std::vector<Tensor> list(specs.size());
    for (size_t k = 0; k < specs.size(); ++k) {
        if (specs[k].persistent)
            continue;
        if (m.hasTensors())
            list[k] = m.tensors()[k];
        else if (m.kind() == ModuleKind::Custom) {
            const auto& c = static_cast<const CustomModule&>(m);
            const Tensor* data = c.initialData(k);
            list[k] = data && data->shape() == specs[k].shape ? *data : Tensor::filled(specs[k].shape, c.initialFill(k));
        }
    }
    return list;
}
} // namespace

StateDictReport loadStateDict(Module& root, const SafeTensors& file)
{
    StateDictReport report;
    const std::vector<StateEntry> entries = stateDict(root);

    std::unordered_map<std::string_view, const NamedTensor*> byName;
    for (const NamedTensor& t : file.tensors)
        byName.emplace(t.name, &t);

    // Build every module's new tensor list first; assign only if nothing is wrong.
    std::map<const Module*, std::vector<Tensor>> staged;
    std::unordered_map<std::string_view, bool> used;
    for (const StateEntry& e : entries) {
        auto& list = staged[e.module];
        if (list.empty())
            list = unsavedTensors(*e.module);
        const auto it = byName.find(e.key);
        if (it == byName.end()) {
            if (isNumBatchesTracked(e.spec)) {
                list[static_cast<size_t>(e.specIndex)] = Tensor::zeros(e.spec.shape);
                report.notes.push_back(e.key + " not in the file: set to 0");
            } else {
                report.missing.push_back(e.key);
            }
            continue;
        }
        used[it->first] = true;
        const NamedTensor& t = *it->second;
        if (!(t.tensor.shape() == e.spec.shape)) {
            report.mismatched.push_back(e.key + ": file has " + t.tensor.shape().toString() + ", model expects "
                                        + e.spec.shape.toString());
            continue;
        }
        if (e.spec.isInteger) {
            for (int64_t k = 0; k < t.tensor.numel(); ++k) {
                if (t.tensor[k] != std::floor(t.tensor[k]) || t.tensor[k] < 0) {
                    report.mismatched.push_back(e.key + ": must hold a non-negative whole number, file has "
                                                + std::to_string(t.tensor[k]));
                    break;
                }
            }
        }
        list[static_cast<size_t>(e.specIndex)] = t.tensor;
    }
    for (const NamedTensor& t : file.tensors)
        if (!used.count(t.name))
            report.unexpected.push_back(t.name);

    if (!report.missing.empty() || !report.unexpected.empty() || !report.mismatched.empty())
        return report;
    for (auto& [module, tensors] : staged)
        const_cast<Module*>(module)->tensors() = std::move(tensors); // modules of the non-const root
    report.loaded = true;
    return report;
}

namespace {

constexpr std::string_view kDataParallelPrefix = "module.";

std::string lowerExtension(const std::string& path)
{
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

bool allPrefixed(const std::vector<std::string>& keys)
{
    return !keys.empty() && std::all_of(keys.begin(), keys.end(), [](const std::string& k) { return k.rfind(kDataParallelPrefix, 0) == 0; });
}

std::string listNames(const std::vector<std::string>& names)
{
    std::string out;
    for (size_t k = 0; k < names.size(); ++k)
        out += (k ? ", " : "") + (names[k].empty() ? std::string("(the whole file)") : "'" + names[k] + "'");
    return out;
}

// How many keys of a state_dict the model has, after removing a DataParallel prefix.
size_t fit(const std::vector<std::string>& keys, const std::set<std::string>& modelKeys)
{
    const bool strip = allPrefixed(keys);
    size_t n = 0;
    for (const std::string& k : keys)
        n += modelKeys.count(strip ? k.substr(kDataParallelPrefix.size()) : k);
    return n;
}

std::variant<size_t, std::string> chooseStateDict(const TorchCheckpoint& c, const Module* model, const std::string& key)
{
    const auto& dicts = c.stateDicts();
    std::vector<std::string> paths;
    for (const auto& d : dicts)
        paths.push_back(d.path);
    if (!key.empty()) {
        for (size_t k = 0; k < dicts.size(); ++k)
            if (dicts[k].path == key)
                return k;
        return "--weights-key '" + key + "': no state_dict under that key; the file holds " + listNames(paths);
    }
    if (dicts.size() == 1)
        return size_t(0);
    if (!model)
        return "the checkpoint holds several state_dicts (" + listNames(paths) + "): choose one with --weights-key KEY";
    std::set<std::string> modelKeys;
    for (const StateEntry& e : stateDict(*model))
        modelKeys.insert(e.key);
    std::vector<size_t> scores;
    for (const auto& d : dicts)
        scores.push_back(fit(d.keys, modelKeys));
    const size_t best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    if (std::count(scores.begin(), scores.end(), scores[best]) > 1)
        return "the checkpoint holds several state_dicts that fit the model equally well (" + listNames(paths)
               + "): choose one with --weights-key KEY";
    return best;
}

void noteConversions(const SafeTensors& st, std::vector<std::string>& notes)
{
    for (DType t : {DType::F16, DType::BF16, DType::F64}) {
        const auto n = std::count_if(st.tensors.begin(), st.tensors.end(), [t](const NamedTensor& x) { return x.dtype == t; });
        static const std::map<DType, std::string> names = {{DType::F16, "float16"}, {DType::BF16, "bfloat16"}, {DType::F64, "float64"}};
        if (n > 0)
            notes.push_back("converted " + std::to_string(n) + " " + names.at(t) + " tensor" + (n == 1 ? "" : "s") + " to float32");
    }
}

void stripDataParallel(SafeTensors& st, const Module* model, std::vector<std::string>& notes)
{
    std::vector<std::string> keys;
    for (const NamedTensor& t : st.tensors)
        keys.push_back(t.name);
    if (!allPrefixed(keys))
        return;
    if (model) { // a model whose own keys all begin with "module." keeps them
        std::vector<std::string> own;
        for (const StateEntry& e : stateDict(*model))
            own.push_back(e.key);
        if (allPrefixed(own))
            return;
    }
    for (NamedTensor& t : st.tensors)
        t.name.erase(0, kDataParallelPrefix.size());
    notes.push_back("removed the 'module.' prefix that DataParallel / DistributedDataParallel puts before every key");
}

std::variant<WeightsFile, ParseError> fromTorchSave(std::string bytes, const std::string& fileName, const Module* model,
                                                    const std::string& key)
{
    auto parsed = TorchCheckpoint::parse(std::move(bytes), fileName);
    if (auto* err = std::get_if<ParseError>(&parsed))
        return *err;
    const TorchCheckpoint& c = std::get<TorchCheckpoint>(parsed);
    auto chosen = chooseStateDict(c, model, key);
    if (auto* err = std::get_if<std::string>(&chosen))
        return ParseError{fileName, {}, *err};
    const size_t index = std::get<size_t>(chosen);
    auto tensors = c.tensors(index);
    if (auto* err = std::get_if<ParseError>(&tensors))
        return *err;
    WeightsFile out{std::move(std::get<SafeTensors>(tensors)), {}};
    if (c.legacyFormat())
        out.notes.push_back("read torch.save's legacy (before PyTorch 1.6) format");
    const std::string& path = c.stateDicts()[index].path;
    if (!path.empty()) {
        std::string note = "using the state_dict under '" + path + "' of the checkpoint";
        std::string others;
        for (const std::string& o : c.otherEntries())
            others += (others.empty() ? "" : ", ") + o;
        for (const auto& d : c.stateDicts())
            if (d.path != path)
                others += (others.empty() ? "" : ", ") + d.path;
        out.notes.push_back(note + (others.empty() ? "" : "; ignored beside it: " + others));
    }
    return out;
}

std::variant<std::string, ParseError> fileBytes(const std::string& path)
{
    return readWholeFileLocated(path, size_t(8) << 30);
}

} // namespace

bool isTorchSavePath(const std::string& path)
{
    const std::string ext = lowerExtension(path);
    return ext == ".pt" || ext == ".pth" || ext == ".bin" || ext == ".ckpt" || ext == ".tar";
}

bool isWeightsPath(const std::string& path)
{
    return isTorchSavePath(path) || lowerExtension(path) == ".safetensors";
}

std::vector<std::string> weightsExtensions() { return {"safetensors", "pt", "pth", "bin", "ckpt"}; }

std::variant<WeightsFile, ParseError> parseWeights(std::string bytes, const std::string& fileName, const Module* model,
                                                   const std::string& key)
{
    std::variant<WeightsFile, ParseError> result;
    if (looksLikeTorchSave(bytes) || isTorchSavePath(fileName)) {
        result = fromTorchSave(std::move(bytes), fileName, model, key);
    } else {
        if (!key.empty())
            return ParseError{fileName, {}, "--weights-key '" + key + "' applies to torch.save checkpoints; this is a safetensors file"};
        auto st = parseSafeTensors(bytes, fileName);
        if (auto* err = std::get_if<ParseError>(&st))
            return *err;
        result = WeightsFile{std::move(std::get<SafeTensors>(st)), {}};
    }
    if (auto* w = std::get_if<WeightsFile>(&result)) {
        stripDataParallel(w->tensors, model, w->notes);
        noteConversions(w->tensors, w->notes);
    }
    return result;
}

std::variant<WeightsFile, ParseError> readWeights(const std::string& path, const Module* model, const std::string& key)
{
    auto bytes = fileBytes(path);
    if (auto* err = std::get_if<ParseError>(&bytes))
        return *err;
    return parseWeights(std::move(std::get<std::string>(bytes)), path, model, key);
}

StateDictReport loadStateDictBytes(Module& root, std::string bytes, const std::string& fileName, const std::string& key)
{
    auto file = parseWeights(std::move(bytes), fileName, &root, key);
    if (auto* err = std::get_if<ParseError>(&file)) {
        StateDictReport report;
        report.error = err->toString();
        return report;
    }
    WeightsFile& w = std::get<WeightsFile>(file);
    StateDictReport report = loadStateDict(root, w.tensors);
    report.notes.insert(report.notes.begin(), w.notes.begin(), w.notes.end());
    return report;
}

StateDictReport loadStateDict(Module& root, const std::string& path, const std::string& key)
{
    auto bytes = fileBytes(path);
    if (auto* err = std::get_if<ParseError>(&bytes)) {
        StateDictReport report;
        report.error = err->toString();
        return report;
    }
    return loadStateDictBytes(root, std::move(std::get<std::string>(bytes)), path, key);
}

std::optional<std::string> stateDictTensors(const Module& root, SafeTensors& out)
{
    out.tensors.clear();
    for (const StateEntry& e : stateDict(root)) {
        if (!e.module->hasTensors()) {
            const std::string path = e.key.substr(0, e.key.size() - e.spec.name.size() - (e.key.size() > e.spec.name.size() ? 1 : 0));
            return (path.empty() ? std::string("the model") : "'" + path + "'") + " has no weights yet";
        }
        out.tensors.push_back({e.key, e.module->tensors()[static_cast<size_t>(e.specIndex)],
                               e.spec.isInteger ? DType::I64 : DType::F32});
    }
    return std::nullopt;
}

std::optional<std::string> saveStateDict(const Module& root, const std::string& path)
{
    SafeTensors st;
    if (auto err = stateDictTensors(root, st))
        return "cannot save " + path + ": " + *err;
    return writeWeights(path, st);
}

std::optional<std::string> writeWeights(const std::string& path, const SafeTensors& tensors)
{
    return isTorchSavePath(path) ? writeTorchSave(path, tensors) : writeSafeTensors(path, tensors);
}

} // namespace ml
