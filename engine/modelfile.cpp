#include "engine/modelfile.h"

#include "engine/io/atomicfile.h"
#include "engine/io/project.h"
#include "engine/python/exporter.h"
#include "engine/python/importer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace ml {

namespace {

constexpr std::string_view kWeightsComment = "# weights:";
constexpr std::string_view kNormalizeComment = "# normalize:";

std::string shortest(double v)
{
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string numberList(const std::vector<double>& values)
{
    std::string s = "[";
    for (size_t k = 0; k < values.size(); ++k)
        s += (k ? ", " : "") + shortest(values[k]);
    return s + "]";
}

// "[0.286, 0.1]" at the front of t: the numbers, t advanced past ']'; nullopt if malformed.
std::optional<std::vector<double>> readNumberList(std::string_view& t)
{
    auto skip = [&] {
        while (!t.empty() && t.front() == ' ')
            t.remove_prefix(1);
    };
    skip();
    if (t.empty() || t.front() != '[')
        return std::nullopt;
    t.remove_prefix(1);
    std::vector<double> out;
    for (;;) {
        skip();
        double v = 0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc() || !std::isfinite(v))
            return std::nullopt;
        out.push_back(v);
        t.remove_prefix(static_cast<size_t>(r.ptr - t.data()));
        skip();
        if (!t.empty() && t.front() == ',') {
            t.remove_prefix(1);
            continue;
        }
        if (!t.empty() && t.front() == ']') {
            t.remove_prefix(1);
            return out;
        }
        return std::nullopt;
    }
}

bool expectWord(std::string_view& t, std::string_view word)
{
    while (!t.empty() && t.front() == ' ')
        t.remove_prefix(1);
    if (t.substr(0, word.size()) != word)
        return false;
    t.remove_prefix(word.size());
    return true;
}

// "mean=[0.286], std=[0.353]": one mean and one positive std per channel.
std::optional<std::string> readNormalizeComment(std::string_view t, LoadedModel& out)
{
    const std::string form = "write it as '# normalize: mean=[0.286], std=[0.353]', one value per input channel";
    std::optional<std::vector<double>> mean, std;
    if (!expectWord(t, "mean") || !expectWord(t, "=") || !(mean = readNumberList(t)) || !expectWord(t, ",")
        || !expectWord(t, "std") || !expectWord(t, "=") || !(std = readNumberList(t)))
        return "could not read the normalisation comment; " + form;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\r'))
        t.remove_suffix(1);
    while (!t.empty() && t.front() == ' ')
        t.remove_prefix(1);
    if (!t.empty())
        return "unexpected text '" + std::string(t) + "' after the normalisation; " + form;
    if (mean->size() != std->size())
        return "normalize has " + std::to_string(mean->size()) + " mean values but " + std::to_string(std->size())
            + " std values: give one of each per channel";
    for (size_t c = 0; c < std->size(); ++c)
        if (!((*std)[c] > 0))
            return "normalize std[" + std::to_string(c) + "] must be positive, got " + shortest((*std)[c]) + " (it divides the input)";
    if (out.inputShape && (out.inputShape->rank() < 2 || (*out.inputShape)[1] != static_cast<int64_t>(mean->size())))
        return "normalize has " + std::to_string(mean->size()) + " values per statistic but the input " + out.inputShape->toString()
            + " has " + (out.inputShape->rank() < 2 ? std::string("no channel dimension") : std::to_string((*out.inputShape)[1]) + " channels");
    out.mean = std::move(*mean);
    out.std = std::move(*std);
    return std::nullopt;
}

// The "# weights:" and "# normalize:" comment lines of PyTorch code (at the start of a line).
// A comment that cannot be read is a warning at its line; the model still loads.
void readCodeExtras(std::string_view text, const std::string& path, LoadedModel& out)
{
    int line = 0;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view l = text.substr(start, end - start);
        start = end + 1;
        ++line;
        if (l.rfind(kWeightsComment, 0) == 0) {
            std::string_view w = l.substr(kWeightsComment.size());
            while (!w.empty() && (w.front() == ' ' || w.front() == '\t'))
                w.remove_prefix(1);
            while (!w.empty() && (w.back() == ' ' || w.back() == '\r' || w.back() == '\t'))
                w.remove_suffix(1);
            if (w.empty())
                out.diagnostics.push_back({"", Severity::Warning, "the weights comment names no file; write it as '# weights: net.safetensors'",
                                           {line, 1}});
            else
                out.weightsPath = resolveWeightsPath(path, std::string(w));
        } else if (l.rfind(kNormalizeComment, 0) == 0) {
            if (auto problem = readNormalizeComment(l.substr(kNormalizeComment.size()), out))
                out.diagnostics.push_back({"", Severity::Warning, *problem + "; the images are not normalised", {line, 1}});
        }
    }
}

// The weights path as the file at targetPath names it: relative to its directory.
std::string weightsRelativeTo(const std::string& weightsPath, const std::string& targetPath)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path base = targetPath.empty() ? fs::current_path(ec) : fs::absolute(targetPath, ec).parent_path();
    const fs::path rel = fs::absolute(weightsPath, ec).lexically_relative(base);
    return rel.empty() ? weightsPath : rel.generic_string();
}

} // namespace

ModelFileExtras extrasOf(const LoadedModel& model)
{
    return {model.inputShape, model.weightsPath, model.mean, model.std};
}

bool isPythonPath(const std::string& path)
{
    return path.size() >= 3 && std::equal(path.end() - 3, path.end(), ".py",
                                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

namespace {

Project projectOf(const Module& root, const ModelFileExtras& extras, const std::string& weights)
{
    Project p;
    p.root = root.clone(); // shares the weights: nothing is copied
    p.inputShape = extras.inputShape.value_or(Shape{});
    p.weightsPath = weights;
    p.mean = extras.mean;
    p.std = extras.std;
    return p;
}

} // namespace

std::string modelFileText(const Module& root, const ModelFileExtras& extras, bool python, const std::string& targetPath)
{
    const std::string weights = extras.weightsPath.empty() ? std::string() : weightsRelativeTo(extras.weightsPath, targetPath);
    if (!python)
        return projectToJson(projectOf(root, extras, weights));
    std::string text = extras.inputShape ? python::exportPython(root, *extras.inputShape) : python::exportPython(root);
    if (!weights.empty())
        text += std::string(kWeightsComment) + " " + weights + "\n";
    if (!extras.mean.empty())
        text += std::string(kNormalizeComment) + " mean=" + numberList(extras.mean) + ", std=" + numberList(extras.std) + "\n";
    return text;
}

std::optional<std::string> saveModelFile(const Module& root, const ModelFileExtras& extras, const std::string& path)
{
    if (isPythonPath(path))
        return writeFileAtomically(path, modelFileText(root, extras, true, path));
    const std::string weights = extras.weightsPath.empty() ? std::string() : weightsRelativeTo(extras.weightsPath, path);
    return saveProject(projectOf(root, extras, weights), path);
}

std::variant<LoadedModel, ParseError> loadModelFile(const std::string& path, const ModelLoadOptions& options)
{
    auto text = readModelFileText(path);
    if (auto* error = std::get_if<ParseError>(&text))
        return std::move(*error);
    return loadModelText(std::get<std::string>(text), path, options);
}

std::variant<std::string, ParseError> readModelFileText(const std::string& path)
{
    return readWholeFileLocated(path, kModelFileMaxBytes);
}

std::variant<LoadedModel, ParseError> loadModelText(std::string_view text, const std::string& path, const ModelLoadOptions& options)
{
    size_t first = 0;
    while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first])))
        ++first;
    LoadedModel out;
    // A project is JSON: an empty or non-JSON .mlab is told so, not read as Python code.
    const bool projectName = path.size() > 5 && std::equal(path.end() - 5, path.end(), ".mlab",
                                                           [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    if (projectName && (first == text.size() || text[first] != '{')) {
        if (first == text.size())
            return ParseError{path, {1, 1}, "the file is empty: a ModuleLab project is a JSON object ({\"format\": \"modulelab-project\", ...})"};
        int line = 1, column = 1;
        for (size_t k = 0; k < first; ++k)
            text[k] == '\n' ? (++line, column = 1) : ++column;
        return ParseError{path, {line, column}, "a ModuleLab project is a JSON object and starts with '{'"};
    }
    if (first < text.size() && text[first] == '{') {
        auto r = parseProject(text, path);
        if (auto* e = std::get_if<ParseError>(&r))
            return *e;
        Project& p = std::get<Project>(r);
        out.root = std::move(p.root);
        if (p.inputShape.rank() > 0)
            out.inputShape = p.inputShape;
        if (!p.weightsPath.empty())
            out.weightsPath = resolveWeightsPath(path, p.weightsPath);
        out.mean = std::move(p.mean);
        out.std = std::move(p.std);
        return out;
    }
    python::ImportOptions io;
    io.className = options.className;
    io.args = options.args;
    auto r = python::importPython(text, path, io);
    if (auto* e = std::get_if<ParseError>(&r))
        return *e;
    python::ImportResult& ir = std::get<python::ImportResult>(r);
    out.root = std::move(ir.root);
    out.inputShape = ir.inputShape;
    out.diagnostics = std::move(ir.diagnostics);
    readCodeExtras(text, path, out);
    return out;
}

std::optional<Shape> parseShapeText(std::string_view text, std::string& error)
{
    std::vector<int64_t> dims;
    size_t k = 0;
    auto skip = [&] {
        while (k < text.size() && (text[k] == ' ' || text[k] == '[' || text[k] == ']' || text[k] == '(' || text[k] == ')'))
            ++k;
    };
    skip();
    while (k < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[k]))) {
            error = "invalid shape '" + std::string(text) + "': expected positive integers like 1,1,28,28";
            return std::nullopt;
        }
        int64_t v = 0;
        while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) {
            if (!checkedMul(v, 10, v) || !checkedAdd(v, text[k] - '0', v)) {
                error = "invalid shape '" + std::string(text) + "': dimension too large";
                return std::nullopt;
            }
            ++k;
        }
        if (v <= 0) {
            error = "invalid shape '" + std::string(text) + "': dimensions must be positive";
            return std::nullopt;
        }
        dims.push_back(v);
        skip();
        if (k < text.size()) {
            if (text[k] != ',' && text[k] != 'x') {
                error = "invalid shape '" + std::string(text) + "': expected positive integers like 1,1,28,28";
                return std::nullopt;
            }
            ++k;
            skip();
        }
    }
    if (dims.empty() || dims.size() > 8) {
        error = "invalid shape '" + std::string(text) + "': expected 1 to 8 dimensions like 1,1,28,28";
        return std::nullopt;
    }
    if (!Shape(dims).numel()) {
        error = "invalid shape '" + std::string(text) + "': too many elements";
        return std::nullopt;
    }
    return Shape(dims);
}

} // namespace ml
