#include "engine/io/weights.h"

#include <cmath>
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
            list.resize(e.module->tensorSpecs().size());
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

StateDictReport loadStateDict(Module& root, const std::string& path)
{
    auto file = readSafeTensors(path);
    if (auto* err = std::get_if<ParseError>(&file)) {
        StateDictReport report;
        report.error = err->toString();
        return report;
    }
    return loadStateDict(root, std::get<SafeTensors>(file));
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
    return writeSafeTensors(path, st);
}

} // namespace ml
