// modulelab-cli: the engine on the command line (no display, no Qt).
#include "cli/choicehint.h"
#include "cli/convertweights.h"
#include "cli/subset.h"
#include "engine/classprobabilities.h"
#include "engine/analysis/analysis.h"
#include "engine/analysis/summary.h"
#include "engine/imageinput.h"
#include "engine/layer.h"
#include "engine/io/idx.h"
#include "engine/io/json.h"
#include "engine/io/atomicfile.h"
#include "engine/io/project.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/modelfile.h"
#include "engine/parallel.h"
#include "engine/python/exporter.h"
#include "cli/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>

namespace {

using namespace ml;

constexpr int kExitOk = 0;
constexpr int kExitModelErrors = 1;
constexpr int kExitBadInput = 2;

const char* kUsage = R"(usage: modulelab-cli COMMAND MODEL [options]

MODEL is a ModuleLab project (.mlab, JSON) or PyTorch model code (.py).

commands:
  summary MODEL [--input N,C,H,W] [--model NAME] [--args A,B] [--format table|json]
      parameters, shapes and mult-adds of every node, and every problem found.
      exit 0: no errors; 1: the model has errors (report still printed); 2: unreadable file.
  repr MODEL                   print(model) as PyTorch prints it
  export MODEL --to json|py [-o FILE]
                               convert between project JSON and PyTorch code
  run MODEL [--input SHAPE] (--input-tensor FILE.safetensors[:KEY] | --image IMG...)
            [--weights W.safetensors|W.pth [--weights-key KEY]] [--seed N] [--output OUT.safetensors]
            [--topk K] [--labels fashion-mnist|FILE] [--format text|json]
                               an eval-mode forward pass; the output is saved under "output"
                               ("output.0", "output.1", ... or "output.FIELD" for several)
  convert-weights IN OUT [--weights-key KEY]
                               safetensors <-> torch.save (.pt .pth .bin .ckpt), by extension
  bench MODEL --input SHAPE [--threads N] [--iters N] [--format text|json]
                               forward-pass time (median and minimum of N runs)
  grad MODEL ..., train MODEL ...  gradients and training against PyTorch's formulas (below)
  subset [--format text|json]  the tensor ops forward runs (methods, torch.*, F.*, operators) and
                               where: on shapes, on tensor data, backward

common options: --model NAME (a model variable, class or factory function of a .py file; --class is
  the same) and --args A,B (its arguments) choose what to build when the file creates several models.
)";

struct Options {
    std::string command;
    std::string model;
    std::map<std::string, std::string> values;
    std::vector<std::string> images;
    bool has(const std::string& k) const { return values.count(k) != 0; }
    std::string get(const std::string& k, const std::string& def = {}) const
    {
        auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
};

struct UsageError {
    std::string message;
};

// Every option given must mean something to the command: none is silently ignored.
void checkOptionsApply(const Options& o)
{
    static const std::map<std::string, std::vector<std::string>> allowed = {
        {"summary", {"--input", "--class", "--model", "--args", "--format"}},
        {"repr", {"--class", "--model", "--args"}},
        {"export", {"--to", "-o", "--input", "--class", "--model", "--args"}},
        {"run", {"--input", "--input-tensor", "--weights", "--weights-key", "--seed", "--output", "--topk", "--labels", "--format",
                 "--class", "--model", "--args"}},
        {"bench", {"--input", "--threads", "--iters", "--format", "--class", "--model", "--args"}},
    };
    const auto it = allowed.find(o.command);
    if (it == allowed.end())
        return; // an unknown command is reported as such
    for (const auto& [key, value] : o.values)
        if (std::find(it->second.begin(), it->second.end(), key) == it->second.end())
            throw UsageError{key + " does not apply to " + o.command};
    if (!o.images.empty() && o.command != "run")
        throw UsageError{"--image does not apply to " + o.command};
    if (o.command == "run" && o.has("--input") && o.has("--input-tensor"))
        throw UsageError{"--input does not apply with --input-tensor: the tensor brings its own shape"};
    if (o.has("--args") && !o.has("--model") && !o.has("--class"))
        throw UsageError{"--args are the arguments of the model, class or function --model NAME builds: name it"};
    const bool project = o.model.size() >= 5 && o.model.compare(o.model.size() - 5, 5, ".mlab") == 0;
    if (project && (o.has("--class") || o.has("--model") || o.has("--args")))
        throw UsageError{std::string(o.has("--class") ? "--class" : o.has("--model") ? "--model" : "--args")
                         + " chooses the root class of a .py file; the project " + o.model + " names its own"};
}

Options parseOptions(int argc, char** argv)
{
    if (argc < 2)
        throw UsageError{"missing command"};
    Options o;
    o.command = argv[1];
    if (o.command == "-h" || o.command == "--help" || o.command == "help")
        return o;
    static const std::vector<std::string> withValue = {"--input", "--class", "--model", "--args", "--format", "--to", "-o",
                                                       "--input-tensor", "--weights", "--seed", "--output", "--threads",
                                                       "--iters", "--topk", "--labels", "--weights-key"};
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--image") {
            while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
                o.images.emplace_back(argv[++i]);
            if (o.images.empty())
                throw UsageError{"--image needs at least one image file"};
            continue;
        }
        if (std::find(withValue.begin(), withValue.end(), a) != withValue.end()) {
            if (i + 1 >= argc)
                throw UsageError{a + " needs a value"};
            // A second value would silently win over the first: say so instead.
            if (o.has(a))
                throw UsageError{a + " is given twice (" + o.get(a) + ", " + argv[i + 1] + "): give it once"};
            o.values[a] = argv[++i];
            continue;
        }
        if (a.rfind("-", 0) == 0)
            throw UsageError{"unknown option " + a};
        if (!o.model.empty())
            throw UsageError{"unexpected argument " + a};
        o.model = a;
    }
    if (o.model.empty())
        throw UsageError{"missing MODEL file"};
    checkOptionsApply(o);
    return o;
}

int64_t parseCount(const Options& o, const std::string& key, int64_t def, int64_t lo, int64_t hi)
{
    if (!o.has(key))
        return def;
    const std::string v = o.get(key);
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || n < lo || n > hi)
        throw UsageError{key + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + v + "'"};
    return n;
}

// A file the command will write: refused before anything runs when it cannot be written there
// (a directory, or a directory that does not exist), so a long run does not end in that message.
void checkOutputTarget(const std::string& option, const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (path.empty())
        throw UsageError{option + " needs a file name"};
    if (fs::is_directory(path, ec))
        throw UsageError{option + " " + path + ": is a directory; name the file to write"};
    const fs::path dir = fs::path(path).parent_path();
    if (!dir.empty() && !fs::is_directory(dir, ec))
        throw UsageError{option + " " + path + ": the directory " + dir.string() + " does not exist"};
}

struct Model {
    LoadedModel loaded;
    Shape input;
};

// Loads MODEL; prints FILE:LINE:COLUMN and returns nullopt when unreadable.
std::optional<Model> loadModel(const Options& o, bool needInput)
{
    ModelLoadOptions lo{o.get("--model").empty() ? o.get("--class") : o.get("--model"), o.get("--args")};
    auto r = loadModelFile(o.model, lo);
    if (auto* e = std::get_if<ParseError>(&r)) {
        std::cerr << cli::parseErrorText(*e) << "\n";
        return std::nullopt;
    }
    Model m{std::move(std::get<LoadedModel>(r)), {}};
    if (o.has("--input")) {
        std::string err;
        auto s = parseShapeText(o.get("--input"), err);
        if (!s)
            throw UsageError{"--input: " + err};
        m.input = *s;
    } else if (m.loaded.inputShape) {
        m.input = *m.loaded.inputShape;
    } else if (needInput) {
        throw UsageError{o.model + " states no input shape: pass --input N,C,H,W"};
    }
    return m;
}

void printDiagnostics(const std::vector<Diagnostic>& ds, const std::string& file)
{
    for (const Diagnostic& d : ds) {
        std::cerr << file;
        if (d.loc.valid())
            std::cerr << ":" << d.loc.line << ":" << d.loc.column;
        std::cerr << ": " << severityName(d.severity) << ": " << (d.path.empty() ? "" : d.path + ": ") << d.message << cli::diagnosticHint(d) << "\n";
    }
}

int cmdSummary(const Options& o)
{
    auto m = loadModel(o, true);
    if (!m)
        return kExitBadInput;
    Analysis a = analyze(*m->loaded.root, m->input);
    a.diagnostics.insert(a.diagnostics.begin(), m->loaded.diagnostics.begin(), m->loaded.diagnostics.end());
    for (Diagnostic& d : a.diagnostics)
        d.message += cli::diagnosticHint(d);
    const std::string format = o.get("--format", "table");
    if (format == "json")
        std::cout << writeJson(summaryJson(*m->loaded.root, m->input, a)) << "\n";
    else if (format == "table")
        std::cout << summaryTable(*m->loaded.root, m->input, a);
    else
        throw UsageError{"--format must be table or json"};
    return a.hasErrors() ? kExitModelErrors : kExitOk;
}

int cmdRepr(const Options& o)
{
    auto m = loadModel(o, false);
    if (!m)
        return kExitBadInput;
    std::cout << repr(*m->loaded.root) << "\n";
    return kExitOk;
}

int cmdExport(const Options& o)
{
    const std::string to = o.get("--to");
    if (to != "json" && to != "py")
        throw UsageError{"--to must be json or py"};
    if (o.has("-o"))
        checkOutputTarget("-o", o.get("-o"));
    auto m = loadModel(o, false);
    if (!m)
        return kExitBadInput;
    // The weights and the normalisation travel along: as the project's "weights" and
    // "normalize", or as "# weights:" and "# normalize:" comments in PyTorch code. The weights
    // are named relative to the output file (to the current directory for standard output).
    ModelFileExtras extras = extrasOf(m->loaded);
    extras.inputShape = m->input.rank() ? std::optional<Shape>(m->input) : std::nullopt;
    if (to == "json")
        if (auto err = projectLimit(*m->loaded.root)) {
            std::cerr << "cannot export as a project: " << *err << "\n";
            return kExitBadInput;
        }
    const std::string text = modelFileText(*m->loaded.root, extras, to == "py", o.get("-o"));
    if (o.has("-o")) {
        if (auto err = writeFileAtomically(o.get("-o"), text)) {
            std::cerr << *err << "\n";
            return kExitBadInput;
        }
    } else {
        std::cout << text;
    }
    return kExitOk;
}

// One class name per line; a file of class names is small, so more than 4 MB (or a line over
// 1,000 characters, as /dev/zero gives) is refused rather than read without end.
std::vector<std::string> readLabels(const std::string& spec)
{
    if (spec == "fashion-mnist")
        return fashionMnistClassNames();
    std::error_code ec;
    if (std::filesystem::is_directory(spec, ec))
        throw UsageError{"--labels " + spec + ": is a directory; give a text file with one class name per line"};
    std::ifstream f(spec, std::ios::binary);
    if (!f) {
        const std::optional<ParseError> error = cannotOpen(spec);
        throw UsageError{"--labels " + (error ? error->toString() : spec + ": cannot open the file")};
    }
    constexpr size_t kMaxBytes = 4 << 20, kMaxLine = 1000;
    std::vector<std::string> labels;
    std::string line;
    size_t total = 0;
    for (char c; f.get(c);) {
        if (++total > kMaxBytes)
            throw UsageError{"--labels " + spec + ": more than 4 MB; a labels file has one class name per line"};
        if (c == '\n') {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            labels.push_back(std::move(line));
            line.clear();
        } else if (line.size() >= kMaxLine) {
            throw UsageError{"--labels " + spec + ": line " + std::to_string(labels.size() + 1)
                             + " is longer than 1,000 characters; a labels file has one class name per line"};
        } else {
            line += c;
        }
    }
    if (!line.empty())
        labels.push_back(std::move(line));
    while (!labels.empty() && labels.back().empty())
        labels.pop_back();
    return labels;
}

// torch.manual_seed takes any integer from -2**63 to 2**64 - 1; a negative one is used as its
// two's complement (-1 seeds like 2**64 - 1, bit for bit).
uint64_t parseSeed(const Options& o)
{
    if (!o.has("--seed"))
        return 0;
    const std::string v = o.get("--seed");
    char* end = nullptr;
    errno = 0;
    if (!v.empty() && v[0] == '-') {
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (*end == 0 && errno == 0 && v.size() > 1)
            return static_cast<uint64_t>(n);
    } else if (!v.empty() && std::isdigit(static_cast<unsigned char>(v[0]))) {
        const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
        if (*end == 0 && errno == 0)
            return n;
    }
    throw UsageError{"--seed must be an integer from -9223372036854775808 to 18446744073709551615 (as torch.manual_seed "
                     "takes), got '" + v + "'"};
}

namespace {

JsonValue outputJson(const Tensor& out)
{
    JsonValue j = JsonValue::object();
    JsonValue shape = JsonValue::array();
    for (int64_t d : out.shape().dims())
        shape.append(JsonValue::integer(d));
    j.set("output_shape", std::move(shape));
    JsonValue values = JsonValue::array();
    for (int64_t k = 0; k < out.numel() && k < 1'000'000; ++k)
        values.append(JsonValue::number(out[k]));
    j.set("output", std::move(values));
    return j;
}

// The output's values: {"output_shape", "output"} for one tensor, {"outputs": [{"name",
// "output_shape", "output"}]} for several; as text, each under "NAME SHAPE".
void printOutputs(const std::vector<OutputTensor>& outputs, const std::string& format)
{
    if (format == "json") {
        if (outputs.size() == 1) {
            std::cout << writeJson(outputJson(outputs.front().tensor), {0}) << "\n";
            return;
        }
        JsonValue all = JsonValue::array();
        for (const OutputTensor& t : outputs) {
            JsonValue one = outputJson(t.tensor);
            JsonValue named = JsonValue::object();
            named.set("name", JsonValue::string(t.name));
            named.set("output_shape", *one.find("output_shape"));
            named.set("output", *one.find("output"));
            all.append(std::move(named));
        }
        JsonValue j = JsonValue::object();
        j.set("outputs", std::move(all));
        std::cout << writeJson(j, {0}) << "\n";
        return;
    }
    for (const OutputTensor& t : outputs) {
        const Tensor& out = t.tensor;
        std::cout << t.name << " " << out.shape().toString() << "\n";
        const int64_t cols = out.shape().rank() ? out.shape().at(-1) : 1;
        for (int64_t k = 0; k < out.numel() && k < 10000; ++k) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(out[k]));
            std::cout << buf << ((k + 1) % std::max<int64_t>(cols, 1) == 0 ? "\n" : " ");
        }
    }
}

} // namespace

int cmdRun(const Options& o)
{
    // Every option first: nothing is run or written when one of them is wrong.
    const std::string format = o.get("--format", "text");
    if (format != "text" && format != "json")
        throw UsageError{"--format must be text or json"};
    const bool predictions = o.has("--topk") || o.has("--labels");
    const int64_t k = parseCount(o, "--topk", 5, 1, 1000000);
    const std::vector<std::string> labels = predictions ? readLabels(o.get("--labels", "fashion-mnist")) : std::vector<std::string>{};
    const uint64_t seed = parseSeed(o);
    if (o.has("--output"))
        checkOutputTarget("--output", o.get("--output"));
    auto m = loadModel(o, false);
    if (!m)
        return kExitBadInput;
    Module& root = *m->loaded.root;
    const std::string weights = o.has("--weights") ? o.get("--weights") : m->loaded.weightsPath;
    if (o.has("--weights-key") && weights.empty())
        throw UsageError{"--weights-key chooses the state_dict inside a weights file, and there is none: give one with "
                         "--weights (" + o.model + " names none)"};

    // The input tensor.
    Tensor input;
    if (o.has("--input-tensor") == !o.images.empty())
        throw UsageError{"run needs exactly one of --input-tensor FILE[:KEY] or --image IMG..."};
    if (o.has("--input-tensor")) {
        // FILE.safetensors[:KEY]; a key may itself contain ':'.
        std::string spec = o.get("--input-tensor"), key;
        if (const size_t ext = spec.find(".safetensors:"); ext != std::string::npos) {
            key = spec.substr(ext + 13);
            spec = spec.substr(0, ext + 12);
        }
        auto r = readSafeTensors(spec);
        if (auto* e = std::get_if<ParseError>(&r)) {
            std::cerr << e->toString() << "\n";
            return kExitBadInput;
        }
        SafeTensors& st = std::get<SafeTensors>(r);
        const NamedTensor* t = key.empty() ? (st.find("input") ? st.find("input") : (st.tensors.size() == 1 ? &st.tensors[0] : nullptr))
                                           : st.find(key);
        if (!t) {
            std::cerr << spec << ": no tensor " << (key.empty() ? std::string("'input'") : "'" + key + "'")
                      << "; name one with " << spec << ":KEY\n";
            return kExitBadInput;
        }
        input = t->tensor;
    } else {
        Shape want = m->input;
        if (want.rank() != 4)
            throw UsageError{"--image needs the model's input shape N,C,H,W (from the file or --input)"};
        auto r = imagesToTensor(o.images, static_cast<int>(want[1]), static_cast<int>(want[2]), static_cast<int>(want[3]));
        if (auto* e = std::get_if<std::string>(&r)) {
            std::cerr << *e << "\n";
            return kExitBadInput;
        }
        input = std::move(std::get<Tensor>(r));
        // The project's Normalize(mean, std), after ToTensor as torchvision composes them.
        if (auto err = normalizeInput(input, m->loaded.mean, m->loaded.std)) {
            std::cerr << o.model << ": " << *err << "\n";
            return kExitBadInput;
        }
    }

    // Shapes first: refuse what cannot run or cannot fit.
    Analysis a = analyze(root, input.shape());
    if (a.hasErrors()) {
        printDiagnostics(a.diagnostics, o.model);
        return kExitModelErrors;
    }
    if (auto problem = memoryProblem(root, a)) {
        std::cerr << o.model << ": " << *problem << "\n";
        return kExitModelErrors;
    }
    if (predictions && (!a.outputShape || a.outputShape->rank() != 2 || (*a.outputShape)[1] > 100000))
        throw UsageError{"--topk and --labels need a [N, classes] output with at most 100,000 classes, the model gives "
                         + a.outputText()};
    if (o.has("--topk") && k > (*a.outputShape)[1])
        throw UsageError{"--topk " + o.get("--topk") + ": the model gives " + std::to_string((*a.outputShape)[1])
                         + " classes (" + a.outputText() + "); choose at most " + std::to_string((*a.outputShape)[1])};
    if (predictions && o.has("--labels") && static_cast<int64_t>(labels.size()) != (*a.outputShape)[1])
        std::cerr << "modulelab-cli: warning: " << o.get("--labels") << " has " << labels.size() << " labels for "
                  << (*a.outputShape)[1] << " classes; "
                  << (static_cast<int64_t>(labels.size()) < (*a.outputShape)[1] ? "classes without a label are shown by their index"
                                                                              : "the labels after the first " + std::to_string((*a.outputShape)[1]) + " are not used")
                  << "\n";

    initWeights(root, seed);
    if (!weights.empty()) {
        StateDictReport rep = loadStateDict(root, weights, o.get("--weights-key"));
        for (const std::string& note : rep.notes)
            std::cerr << weights << ": note: " << note << "\n";
        if (!rep.loaded) {
            std::cerr << (rep.error.empty() ? weights + ": " : std::string()) << rep.message() << "\n";
            return kExitBadInput;
        }
    }
    ForwardResult fr = runForward(root, input);
    printDiagnostics(fr.analysis.diagnostics, o.model);
    if (fr.outputs.empty())
        return kExitModelErrors;

    if (o.has("--output")) {
        SafeTensors st;
        for (const OutputTensor& t : fr.outputs) // "output", or "output.0", "output.1" for several
            st.tensors.push_back({t.name, t.tensor, DType::F32});
        if (auto err = writeSafeTensors(o.get("--output"), st)) {
            std::cerr << *err << "\n";
            return kExitBadInput;
        }
    }
    if (!fr.output) { // several outputs: each under its name
        if (predictions)
            throw UsageError{"--topk and --labels need a [N, classes] output, the model gives " + fr.analysis.outputText()};
        printOutputs(fr.outputs, format);
        return kExitOk;
    }
    const Tensor& out = *fr.output;

    if (predictions) {
        const int64_t n = out.shape()[0], c = out.shape()[1];
        // The engine's rule, the application's too: the output itself when it already is a
        // distribution, else its softmax.
        const auto probabilities = classProbabilities(out);
        if (!probabilities)
            throw UsageError{"--topk and --labels need a [N, classes] output with at most 100,000 classes, the model gives "
                             + out.shape().toString()};
        JsonValue preds = JsonValue::array();
        for (int64_t i = 0; i < n; ++i) {
            const std::vector<double>& p = probabilities->rows[static_cast<size_t>(i)];
            const std::vector<int64_t> order = classesByProbability(p);
            JsonValue item = JsonValue::object();
            item.set("image", i < static_cast<int64_t>(o.images.size()) ? JsonValue::string(o.images[static_cast<size_t>(i)])
                                                                          : JsonValue::integer(i));
            JsonValue top = JsonValue::array();
            for (int64_t r = 0; r < std::min(k, c); ++r) {
                const int64_t idx = order[static_cast<size_t>(r)];
                JsonValue e = JsonValue::object();
                e.set("index", JsonValue::integer(idx));
                e.set("label", idx < static_cast<int64_t>(labels.size()) ? JsonValue::string(labels[static_cast<size_t>(idx)])
                                                                         : JsonValue::string(std::to_string(idx)));
                e.set("probability", JsonValue::number(p[static_cast<size_t>(idx)]));
                top.append(std::move(e));
            }
            item.set("top", std::move(top));
            preds.append(std::move(item));
        }
        if (format == "json") {
            JsonValue j = JsonValue::object();
            j.set("predictions", std::move(preds));
            std::cout << writeJson(j) << "\n";
        } else {
            for (const JsonValue& item : preds.items()) {
                const JsonValue* img = item.find("image");
                std::cout << (img->isString() ? img->stringValue() : std::to_string(img->intValue())) << ":\n";
                for (const JsonValue& e : item.find("top")->items()) {
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%6.2f%%", e.find("probability")->floatValue() * 100);
                    std::cout << "  " << buf << "  " << e.find("label")->stringValue() << "\n";
                }
            }
        }
        return kExitOk;
    }

    printOutputs(fr.outputs, format);
    return kExitOk;
}

int cmdBench(const Options& o)
{
    auto m = loadModel(o, true);
    if (!m)
        return kExitBadInput;
    Module& root = *m->loaded.root;
    const int threads = static_cast<int>(parseCount(o, "--threads", threadCount(), 1, 1024));
    const int iters = static_cast<int>(parseCount(o, "--iters", 20, 1, 100000));
    const std::string format = o.get("--format", "text");
    if (format != "text" && format != "json")
        throw UsageError{"--format must be text or json"};
    setThreadCount(threads);
    Analysis a = analyze(root, m->input);
    if (a.hasErrors()) {
        printDiagnostics(a.diagnostics, o.model);
        return kExitModelErrors;
    }
    if (auto problem = memoryProblem(root, a)) {
        std::cerr << o.model << ": " << *problem << "\n";
        return kExitModelErrors;
    }
    initWeights(root, 0);
    Tensor input(m->input);
    TorchGenerator gen(1);
    for (int64_t k = 0; k < input.numel(); ++k)
        input[k] = gen.uniform(0.0, 1.0);
    std::vector<double> ms;
    for (int i = 0; i < iters + 2; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        ForwardResult r = runForward(root, input);
        const auto t1 = std::chrono::steady_clock::now();
        if (!r.output) {
            printDiagnostics(r.analysis.diagnostics, o.model);
            return kExitModelErrors;
        }
        if (i >= 2) // two warm-up runs
            ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    if (format == "json") {
        JsonValue j = JsonValue::object();
        j.set("median_ms", JsonValue::number(median));
        j.set("min_ms", JsonValue::number(ms.front()));
        j.set("iters", JsonValue::integer(iters));
        j.set("threads", JsonValue::integer(threads));
        std::cout << writeJson(j) << "\n";
    } else {
        std::printf("%s %s: median %.3f ms, min %.3f ms over %d runs, %d thread%s\n", root.typeName().c_str(),
                    m->input.toString().c_str(), median, ms.front(), iters, threads, threads == 1 ? "" : "s");
    }
    return kExitOk;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[1], "convert-weights") == 0)
        return ml::cli::convertWeights(argc, argv);
    if (argc > 1 && std::strcmp(argv[1], "subset") == 0)
        return ml::cli::printSubset(argc, argv);
    if (ml::cli::isTrainCommand(argc, argv))
        return ml::cli::runTrainCommand(argc, argv);
    try {
        const Options o = parseOptions(argc, argv);
        if (o.command == "-h" || o.command == "--help" || o.command == "help") {
            std::cout << kUsage << "\n" << ml::cli::trainUsage();
            return kExitOk;
        }
        if (o.command == "summary") return cmdSummary(o);
        if (o.command == "repr") return cmdRepr(o);
        if (o.command == "export") return cmdExport(o);
        if (o.command == "run") return cmdRun(o);
        if (o.command == "bench") return cmdBench(o);
        throw UsageError{"unknown command '" + o.command + "'"};
    } catch (const UsageError& e) {
        std::cerr << "modulelab-cli: " << e.message << "\n\n" << kUsage;
        return kExitBadInput;
    } catch (const std::bad_alloc&) {
        std::cerr << "modulelab-cli: out of memory\n";
        return kExitBadInput;
    }
}
