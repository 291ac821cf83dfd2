#include "engine/modelfile.h"

#include "engine/io/atomicfile.h"
#include "engine/io/project.h"
#include "engine/python/importer.h"

#include <algorithm>
#include <cctype>

namespace ml {

std::variant<LoadedModel, ParseError> loadModelFile(const std::string& path, const ModelLoadOptions& options)
{
    std::string error;
    const std::optional<std::string> text = readWholeFile(path, error, size_t(64) << 20);
    if (!text) {
        const std::string prefix = path + ": ";
        std::string message = error.rfind(prefix, 0) == 0 ? error.substr(prefix.size()) : error;
        if (const size_t at = message.find(path); at != std::string::npos)
            message.replace(at, path.size(), "file");
        return ParseError{path, {}, message};
    }
    size_t first = 0;
    while (first < text->size() && std::isspace(static_cast<unsigned char>((*text)[first])))
        ++first;
    LoadedModel out;
    // A project is JSON: an empty or non-JSON .mlab is told so, not read as Python code.
    const bool projectName = path.size() > 5 && std::equal(path.end() - 5, path.end(), ".mlab",
                                                           [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    if (projectName && (first == text->size() || (*text)[first] != '{')) {
        if (first == text->size())
            return ParseError{path, {1, 1}, "the file is empty: a ModuleLab project is a JSON object ({\"format\": \"modulelab-project\", ...})"};
        int line = 1, column = 1;
        for (size_t k = 0; k < first; ++k)
            (*text)[k] == '\n' ? (++line, column = 1) : ++column;
        return ParseError{path, {line, column}, "a ModuleLab project is a JSON object and starts with '{'"};
    }
    if (first < text->size() && (*text)[first] == '{') {
        auto r = parseProject(*text, path);
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
    auto r = python::importPython(*text, path, io);
    if (auto* e = std::get_if<ParseError>(&r))
        return *e;
    python::ImportResult& ir = std::get<python::ImportResult>(r);
    out.root = std::move(ir.root);
    out.inputShape = ir.inputShape;
    out.diagnostics = std::move(ir.diagnostics);
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
