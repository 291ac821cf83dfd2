// modulelab-cli grad and train: gradients and training runs on the command line, in PyTorch's
// formulas, for scripts and for checking against PyTorch.
#include "cli/train.h"

#include "cli/choicehint.h"
#include "engine/analysis/analysis.h"
#include "engine/io/idx.h"
#include "engine/io/json.h"
#include "engine/io/project.h"
#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/layers/dropout.h"
#include "engine/modelfile.h"
#include "engine/names.h"
#include "engine/parallel.h"
#include "engine/train/dataset.h"
#include "engine/train/target.h"
#include "engine/train/trainer.h"
#include "engine/train/trainingrun.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <random>
#include <set>

namespace ml::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitModelErrors = 1;
constexpr int kExitBadInput = 2;

const char* kUsage = R"(usage:
  modulelab-cli grad MODEL [--weights W] [--seed S] --input-tensor X.safetensors[:KEY]
      --target T.safetensors[:KEY]|input --loss cross_entropy|nll|mse|bce_with_logits
      [--mode train|eval] [--loss-output K|NAME] --output G.safetensors
        writes "loss", every parameter's gradient under its state_dict name and "input";
        --target input: against the input itself (a reconstruction)
  modulelab-cli train MODEL [--weights W] [--seed S]
      (--data fashion-mnist | --data DIR | --data-tensors D.safetensors)
      [--epochs E | --steps K] [--batch B] [--no-shuffle] [--optimizer sgd|adam|adamw] [--lr LR]
      [--momentum M] [--dampening D] [--nesterov] [--weight-decay WD] [--betas B1,B2] [--eps EPS]
      [--amsgrad] [--schedule step,STEP_SIZE,GAMMA|cosine,T_MAX] [--loss ...]
      [--label-smoothing S] [--target class|input] [--loss-output K|NAME] [--freeze PATH,...]
      [--threads T] [--out OUT.safetensors] [--format text|json]
        --target input trains against the input itself (an autoencoder: loss(model(x), x)),
        with --loss mse (its default) or bce_with_logits
--loss-output: for a model whose forward returns several outputs (a tuple, namedtuple, list or
  dict), the one the loss is computed on, as a training loop picks out[K] or out.NAME: its index
  K (from 0; -1 is the last) or its name (a namedtuple field or dict key; K.J inside a nested
  tuple). Only that output gets a gradient. Without it, a model with one tensor among its
  outputs (the others None) uses that tensor and says so; one with several is refused with the
  list. A model that returns one tensor uses it (GoogLeNet does in eval mode).
common: --class NAME and --args A,B choose the root class of a .py file.
)";

struct UsageError {
    std::string message;
};

struct Args {
    std::string command, model;
    std::map<std::string, std::string> values;
    std::vector<std::string> flags;
    bool has(const std::string& k) const { return values.count(k) || std::count(flags.begin(), flags.end(), k); }
    std::string get(const std::string& k, const std::string& def = {}) const
    {
        auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
};

// Every option given means something to the command, and every file it will write can be written
// there: checked before the model is loaded, trained or run.
void checkOptionsApply(const Args& a)
{
    static const std::set<std::string> gradOnly = {"--input-tensor", "--mode", "--output"};
    static const std::set<std::string> trainOnly = {
        "--data", "--data-tensors", "--epochs", "--steps", "--batch", "--optimizer", "--lr", "--momentum", "--dampening",
        "--weight-decay", "--betas", "--eps", "--schedule", "--threads", "--out", "--format", "--freeze", "--no-shuffle",
        "--nesterov", "--amsgrad"};
    const std::set<std::string>& other = a.command == "grad" ? trainOnly : gradOnly;
    for (const std::string& k : other)
        if (a.has(k))
            throw UsageError{k + " does not apply to " + a.command};
    if (a.has("--args") && !a.has("--model") && !a.has("--class"))
        throw UsageError{"--args are the arguments of the model, class or function --model NAME builds: name it"};
    for (const char* k : {"--output", "--out"}) {
        if (!a.values.count(k))
            continue;
        const std::string path = a.get(k);
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            throw UsageError{std::string(k) + " " + path + ": is a directory; name the file to write"};
        if (const std::filesystem::path dir = std::filesystem::path(path).parent_path(); !dir.empty() && !std::filesystem::is_directory(dir, ec))
            throw UsageError{std::string(k) + " " + path + ": the directory " + dir.string() + " does not exist"};
    }
}

Args parse(int argc, char** argv)
{
    static const std::vector<std::string> withValue = {
        "--weights", "--seed", "--input-tensor", "--target", "--loss", "--mode", "--output", "--data", "--data-tensors",
        "--epochs", "--steps", "--batch", "--optimizer", "--lr", "--momentum", "--dampening", "--weight-decay", "--betas",
        "--eps", "--schedule", "--label-smoothing", "--threads", "--out", "--format", "--class", "--model", "--args", "--freeze",
        "--loss-output"};
    static const std::vector<std::string> flags = {"--no-shuffle", "--nesterov", "--amsgrad"};
    Args a;
    a.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string s = argv[i];
        if (std::find(withValue.begin(), withValue.end(), s) != withValue.end()) {
            if (i + 1 >= argc)
                throw UsageError{s + " needs a value"};
            // A second value would silently win over the first: say so instead.
            if (a.values.count(s))
                throw UsageError{s + " is given twice (" + a.values[s] + ", " + argv[i + 1] + "): give it once"};
            a.values[s] = argv[++i];
        } else if (std::find(flags.begin(), flags.end(), s) != flags.end()) {
            a.flags.push_back(s);
        } else if (s.rfind("-", 0) == 0) {
            throw UsageError{"unknown option " + s + " for " + a.command};
        } else if (a.model.empty()) {
            a.model = s;
        } else {
            throw UsageError{"unexpected argument " + s};
        }
    }
    if (a.model.empty())
        throw UsageError{"missing MODEL file"};
    checkOptionsApply(a);
    return a;
}

int64_t integer(const Args& a, const std::string& key, int64_t def, int64_t lo, int64_t hi)
{
    if (!a.values.count(key))
        return def;
    const std::string v = a.get(key);
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || n < lo || n > hi)
        throw UsageError{key + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + v + "'"};
    return n;
}

double real(const Args& a, const std::string& key, double def)
{
    if (!a.values.count(key))
        return def;
    const std::string v = a.get(key);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(d))
        throw UsageError{key + " must be a number, got '" + v + "'"};
    return d;
}

// FILE.safetensors[:KEY]
const NamedTensor* tensorArg(const Args& a, const std::string& option, const std::string& defaultKey, SafeTensors& holder)
{
    std::string spec = a.get(option), key = defaultKey;
    if (const size_t ext = spec.find(".safetensors:"); ext != std::string::npos) {
        key = spec.substr(ext + 13);
        spec = spec.substr(0, ext + 12);
    }
    auto r = readSafeTensors(spec);
    if (auto* e = std::get_if<ParseError>(&r))
        throw UsageError{e->toString()};
    holder = std::move(std::get<SafeTensors>(r));
    const NamedTensor* t = holder.find(key);
    if (!t)
        throw UsageError{spec + ": no tensor '" + key + "'; name one with " + spec + ":KEY"};
    return t;
}

Targets targetsOf(const NamedTensor& t)
{
    Targets out;
    if (t.dtype == DType::I64 || t.dtype == DType::I32 || t.dtype == DType::U8 || t.dtype == DType::I16 || t.dtype == DType::I8) {
        out.classes.reserve(static_cast<size_t>(t.tensor.numel()));
        for (int64_t i = 0; i < t.tensor.numel(); ++i)
            out.classes.push_back(static_cast<int64_t>(t.tensor[i]));
    } else {
        out.values = t.tensor;
    }
    return out;
}

LossOptions lossOf(const Args& a, const std::string& def)
{
    LossOptions o;
    const std::string name = a.get("--loss", def);
    const auto kind = lossKindFromName(name);
    if (!kind)
        throw UsageError{"--loss must be cross_entropy, nll, mse or bce_with_logits, got '" + name + "'"};
    o.kind = *kind;
    o.labelSmoothing = real(a, "--label-smoothing", 0.0);
    if (a.values.count("--loss-output") && a.get("--loss-output").empty())
        throw UsageError{"--loss-output needs an output's index or name"};
    o.output = a.get("--loss-output");
    if (o.labelSmoothing < 0.0 || o.labelSmoothing > 1.0)
        throw UsageError{"--label-smoothing must be from 0 to 1"};
    return o;
}

// A training error; for several outputs and none chosen, how to choose.
void printTrainError(const Args& a, const std::string& error, bool needsOutputChoice)
{
    std::cerr << a.model << ": " << error;
    if (needsOutputChoice)
        std::cerr << " with --loss-output K or --loss-output NAME";
    std::cerr << "\n";
}

void printDiagnostics(const std::vector<Diagnostic>& ds, const std::string& file)
{
    for (const Diagnostic& d : ds)
        if (d.severity == Severity::Error)
            std::cerr << file << (d.loc.valid() ? ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) : "")
                      << ": error: " << (d.path.empty() ? "" : d.path + ": ") << d.message << "\n";
}

std::string gigabytes(int64_t bytes)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
    return buf;
}

// Loads MODEL, checks its forward on `input` symbolically, initialises (seed) and loads weights.
// Returns nullptr after printing why it cannot run. `activationFactor` scales the activation
// memory for the backward pass's copies.
std::unique_ptr<Module> prepareModel(const Args& a, const Shape& input, int64_t extraBytes, LoadedModel& loaded)
{
    auto r = loadModelFile(a.model, {a.get("--model").empty() ? a.get("--class") : a.get("--model"), a.get("--args")});
    if (auto* e = std::get_if<ParseError>(&r)) {
        std::cerr << parseErrorText(*e) << "\n";
        return nullptr;
    }
    loaded = std::move(std::get<LoadedModel>(r));
    std::unique_ptr<Module> root = std::move(loaded.root);
    const Analysis an = analyze(*root, input);
    if (an.hasErrors()) {
        printDiagnostics(an.diagnostics, a.model);
        return nullptr;
    }
    // Training keeps every activation and its gradient: three times a forward pass's, plus the
    // parameters' gradients and optimizer state (three more copies of the weights) and the data.
    int64_t act = 0;
    for (const auto& [m, info] : an.nodes)
        if (info.outputShape)
            act += info.outputShape->numel().value_or(INT64_MAX / 16) * 4;
    const int64_t weights = tensorBytes(*root);
    const double need = 3.0 * static_cast<double>(act) + 4.0 * static_cast<double>(weights) + static_cast<double>(extraBytes);
    const int64_t avail = availableMemoryBytes();
    if (need > static_cast<double>(avail)) {
        std::cerr << a.model << ": refusing to train: it needs about " << gigabytes(static_cast<int64_t>(std::min(need, 9e18)))
                  << " (weights, gradients and optimizer state " << gigabytes(4 * weights) << ", activations of a batch "
                  << gigabytes(3 * act) << ", data " << gigabytes(extraBytes) << "), but only " << gigabytes(avail)
                  << " of memory are available\n";
        return nullptr;
    }
    initWeights(*root, static_cast<uint64_t>(integer(a, "--seed", 0, 0, INT64_MAX)));
    const std::string weightsPath = a.has("--weights") ? a.get("--weights") : loaded.weightsPath;
    if (!weightsPath.empty()) {
        const StateDictReport rep = loadStateDict(*root, weightsPath);
        if (!rep.loaded) {
            std::cerr << weightsPath << ": " << rep.message() << "\n";
            return nullptr;
        }
    }
    return root;
}

int cmdGrad(const Args& a)
{
    for (const char* k : {"--input-tensor", "--target", "--loss", "--output"})
        if (!a.values.count(k) && !(std::strcmp(k, "--loss") == 0 && a.get("--target") == "input"))
            throw UsageError{std::string("grad needs ") + k};
    SafeTensors inFile, targetFile;
    const Tensor input = tensorArg(a, "--input-tensor", "input", inFile)->tensor;
    const bool againstInput = a.get("--target") == "input";
    const Targets targets = againstInput ? inputTargets(input) : targetsOf(*tensorArg(a, "--target", "target", targetFile));
    const LossOptions loss = lossOf(a, againstInput ? "mse" : "cross_entropy");
    if (againstInput && lossTakesClasses(loss.kind))
        throw UsageError{"--target input: " + lossClassName(loss.kind)
                         + " takes class labels, not an image: use --loss mse or --loss bce_with_logits"};
    const std::string mode = a.get("--mode", "train");
    if (mode != "train" && mode != "eval")
        throw UsageError{"--mode must be train or eval"};
    LoadedModel loaded;
    std::unique_ptr<Module> root = prepareModel(a, input.shape(), 0, loaded);
    if (!root)
        return kExitModelErrors;
    setTrainMode(*root, mode == "train");
    ownTrainingTensors(*root); // a module stored under several names: one storage, one gradient
    Tape tape;
    const GradientResult r = computeGradients(*root, input, targets, loss, tape);
    if (!r.error.empty()) {
        printTrainError(a, r.error, r.needsOutputChoice);
        return kExitModelErrors;
    }
    if (!r.note.empty())
        std::cerr << a.model << ": note: " << r.note << "\n";
    SafeTensors out;
    out.tensors.push_back({"loss", Tensor::filled(Shape{}, static_cast<float>(r.loss)), DType::F32});
    std::set<const Tensor*> written; // named_parameters() names a shared module's parameters once
    std::string frozen;              // requires_grad=False: PyTorch leaves their .grad None
    for (const StateEntry& e : stateDict(*root)) {
        if (e.spec.isBuffer)
            continue;
        const Tensor* p = &e.module->tensors()[static_cast<size_t>(e.specIndex)];
        if (!written.insert(p).second)
            continue;
        if (!e.module->requiresGrad(e.spec.name)) {
            frozen += (frozen.empty() ? "" : ", ") + e.key;
            continue;
        }
        const auto it = r.grads.find(p);
        // A parameter forward never used has no gradient (None in PyTorch): written as zeros.
        out.tensors.push_back({e.key, it == r.grads.end() ? Tensor::zeros(p->shape()) : Tensor(Tensor::borrow(p->shape(), it->second.data())),
                               DType::F32});
    }
    out.tensors.push_back({"input", r.inputGrad, DType::F32});
    if (!frozen.empty())
        std::cerr << a.model << ": note: not written, frozen (requires_grad=False, no gradient in PyTorch): " << frozen << "\n";
    if (auto err = writeSafeTensors(a.get("--output"), out)) {
        std::cerr << *err << "\n";
        return kExitBadInput;
    }
    std::printf("loss %.9g\n", r.loss);
    return kExitOk;
}

// ---- train ------------------------------------------------------------------------------------

Dataset idxDataset(const std::string& images, const std::string& labels)
{
    auto r = loadIdxDataset(images, labels);
    if (auto* e = std::get_if<std::string>(&r))
        throw UsageError{*e};
    return std::move(std::get<Dataset>(r));
}

OptimizerOptions optimizerOf(const Args& a)
{
    const std::string name = a.get("--optimizer", "sgd");
    const auto kind = optimizerKindFromName(name);
    if (!kind)
        throw UsageError{"--optimizer must be sgd, adam or adamw, got '" + name + "'"};
    OptimizerOptions o = defaultOptimizerOptions(*kind);
    o.lr = real(a, "--lr", o.lr);
    o.momentum = real(a, "--momentum", o.momentum);
    o.dampening = real(a, "--dampening", o.dampening);
    o.nesterov = a.has("--nesterov");
    o.weightDecay = real(a, "--weight-decay", o.weightDecay);
    o.eps = real(a, "--eps", o.eps);
    o.amsgrad = a.has("--amsgrad");
    if (a.values.count("--betas")) {
        const std::string b = a.get("--betas");
        const size_t comma = b.find(',');
        char* end = nullptr;
        if (comma == std::string::npos)
            throw UsageError{"--betas takes B1,B2"};
        o.beta1 = std::strtod(b.substr(0, comma).c_str(), &end);
        o.beta2 = std::strtod(b.substr(comma + 1).c_str(), &end);
    }
    if (auto err = validate(o))
        throw UsageError{"--optimizer " + name + ": " + *err + " (PyTorch raises ValueError: " + *err + ")"};
    return o;
}

LrSchedule scheduleOf(const Args& a)
{
    LrSchedule s;
    if (!a.values.count("--schedule"))
        return s;
    const std::string v = a.get("--schedule");
    int64_t n = 0;
    double g = 0.1;
    char kind[16] = {};
    if (std::sscanf(v.c_str(), "step,%lld,%lf", reinterpret_cast<long long*>(&n), &g) == 2 && n > 0) {
        s.kind = LrSchedule::Kind::Step;
        s.stepSize = n;
        s.gamma = g;
    } else if (std::sscanf(v.c_str(), "cosine,%lld", reinterpret_cast<long long*>(&n)) == 1 && n > 0) {
        s.kind = LrSchedule::Kind::Cosine;
        s.tMax = n;
    } else {
        (void)kind;
        throw UsageError{"--schedule must be step,STEP_SIZE,GAMMA or cosine,T_MAX, got '" + v + "'"};
    }
    return s;
}

// After an epoch: the test loss, and the accuracy for class targets (none for a reconstruction).
void printEpoch(bool json, int64_t epoch, double trainLoss, const Evaluation& ev, double seconds, double imagesPerSecond)
{
    const long long e = static_cast<long long>(epoch);
    if (json) {
        std::printf("{\"epoch\": %lld, \"train_loss\": %.9g, \"test_loss\": %.9g, ", e, trainLoss, ev.loss);
        if (!ev.reconstruction)
            std::printf("\"test_accuracy\": %.6f, ", ev.accuracy);
        std::printf("\"seconds\": %.3f, \"images_per_second\": %.1f}\n", seconds, imagesPerSecond);
        return;
    }
    std::printf("epoch %lld: train loss %.4f, test loss %.4f, ", e, trainLoss, ev.loss);
    if (!ev.reconstruction)
        std::printf("test accuracy %.2f%%, ", ev.accuracy * 100.0);
    std::printf("%.1f s (%.0f images/s)\n", seconds, imagesPerSecond);
}

int cmdTrain(const Args& a)
{
    const bool json = a.get("--format", "text") == "json";
    if (!json && a.get("--format", "text") != "text")
        throw UsageError{"--format must be text or json"};
    if (a.values.count("--data") == a.values.count("--data-tensors"))
        throw UsageError{"train needs one of --data fashion-mnist, --data DIR or --data-tensors FILE"};
    if (a.values.count("--epochs") && a.values.count("--steps"))
        throw UsageError{"give --epochs or --steps, not both"};
    if (a.values.count("--threads"))
        setThreadCount(static_cast<int>(integer(a, "--threads", 1, 1, 1024)));
    const int64_t batch = integer(a, "--batch", 64, 1, 1 << 20);
    const int64_t epochs = integer(a, "--epochs", 1, 1, 100000);
    const int64_t maxSteps = integer(a, "--steps", 0, 1, INT64_MAX / 2);
    const bool shuffle = !a.has("--no-shuffle");
    const uint64_t seed = static_cast<uint64_t>(integer(a, "--seed", 0, 0, INT64_MAX));
    const OptimizerOptions optOptions = optimizerOf(a);
    const LrSchedule schedule = scheduleOf(a);
    const auto target = targetKindFromName(a.get("--target", "class"));
    if (!target)
        throw UsageError{"--target must be class or input, got '" + a.get("--target") + "'"};
    const bool againstInput = *target == TargetKind::Input;
    const LossOptions loss = lossOf(a, againstInput ? "mse" : "cross_entropy");
    if (againstInput && lossTakesClasses(loss.kind))
        throw UsageError{"--target input: " + lossClassName(loss.kind)
                         + " takes class labels, not an image: use --loss mse or --loss bce_with_logits"};

    Dataset train, test;
    bool hasTest = false;
    if (a.values.count("--data")) {
        const std::string dir = a.get("--data") == "fashion-mnist" ? std::string(kFashionMnistDir) : a.get("--data");
        const IdxSplitFiles trainFiles = idxSplitFiles(dir, "train");
        if (!trainFiles.found())
            throw UsageError{dir + ": no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]"
                             + std::string(a.get("--data") == "fashion-mnist" ? " (install Debian's dataset-fashion-mnist)" : "")};
        train = idxDataset(trainFiles.images, trainFiles.labels);
        if (const IdxSplitFiles testFiles = idxSplitFiles(dir, "t10k"); testFiles.found()) {
            test = idxDataset(testFiles.images, testFiles.labels);
            hasTest = true;
        }
    } else {
        SafeTensors file, file2;
        const NamedTensor* x = tensorArg(a, "--data-tensors", "inputs", file);
        if (x->tensor.shape().rank() < 1)
            throw UsageError{a.get("--data-tensors") + ": inputs must have a batch dimension, got " + x->tensor.shape().toString()};
        train.inputs = x->tensor;
        train.count = x->tensor.shape()[0];
        if (!againstInput) { // against the input, "targets" is not needed
            const NamedTensor* t = tensorArg(a, "--data-tensors", "targets", file2);
            if (t->tensor.shape().rank() < 1 || x->tensor.shape()[0] != t->tensor.shape()[0])
                throw UsageError{a.get("--data-tensors") + ": inputs " + x->tensor.shape().toString() + " and targets "
                                 + t->tensor.shape().toString() + " must have the same first dimension"};
            train.targets = targetsOf(*t);
        }
    }
    if (train.count == 0)
        throw UsageError{"the training data is empty"};

    LoadedModel loaded;
    std::vector<int64_t> batchDims = train.inputs.shape().dims();
    batchDims[0] = std::min(batch, train.count);
    const int64_t dataBytes = (train.inputs.numel() + test.inputs.numel()) * 4;
    std::unique_ptr<Module> root = prepareModel(a, Shape(batchDims), dataBytes, loaded);
    if (!root)
        return kExitModelErrors;
    // The project's Normalize(mean, std) applies to image data, as in run.
    if (a.values.count("--data") && !loaded.mean.empty()) {
        for (Dataset* d : {&train, &test})
            if (d->count)
                if (auto err = normalizeInput(d->inputs, loaded.mean, loaded.std))
                    throw UsageError{a.model + ": " + *err};
    }
    // --freeze a.b,c: requires_grad=False for those modules' parameters.
    std::vector<std::string> frozen;
    if (a.values.count("--freeze")) {
        std::string list = a.get("--freeze");
        for (size_t start = 0; start <= list.size();) {
            const size_t comma = std::min(list.find(',', start), list.size());
            const std::string path = list.substr(start, comma - start);
            const Module* m = root->findPath(path);
            if (!m || !m->isRegistered())
                throw UsageError{"--freeze: " + a.model + " has no registered module '" + path + "'"};
            frozen.push_back(path);
            start = comma + 1;
        }
    }
    if (againstInput) {
        const Analysis an = analyze(*root, Shape(batchDims));
        if (an.outputShape && *an.outputShape != Shape(batchDims)) {
            std::cerr << a.model << ": --target input: " << *targetProblem(TargetKind::Input, loss.kind, Shape(batchDims), *an.outputShape)
                      << "\n";
            return kExitModelErrors;
        }
    }
    if (auto problem = emptyParameterListProblem(*root)) {
        std::cerr << a.model << ": " << *problem << "\n";
        return kExitModelErrors;
    }
    seedDropout(seed);
    Trainer trainer(*root, optOptions, loss, frozen);
    const double baseLr = optOptions.lr;
    std::mt19937_64 rng(seed);
    std::vector<int64_t> order(static_cast<size_t>(train.count));
    std::iota(order.begin(), order.end(), 0);
    const int64_t perEpoch = (train.count + batch - 1) / batch;
    const int64_t totalEpochs = maxSteps ? (maxSteps + perEpoch - 1) / perEpoch : epochs;
    int64_t step = 0;
    Tensor x;
    Targets t;
    for (int64_t epoch = 1; epoch <= totalEpochs; ++epoch) {
        trainer.optimizer().setLr(schedule.lrAt(baseLr, epoch - 1));
        if (shuffle)
            std::shuffle(order.begin(), order.end(), rng);
        const auto t0 = std::chrono::steady_clock::now();
        double lossSum = 0.0;
        int64_t seen = 0;
        for (int64_t b = 0; b < perEpoch && (!maxSteps || step < maxSteps); ++b) {
            takeBatch(train, order, b * batch, std::min(train.count, (b + 1) * batch), x, t);
            if (againstInput)
                t = inputTargets(x);
            std::string error;
            const double l = trainer.step(x, t, error);
            if (!error.empty()) {
                printTrainError(a, error, trainer.lastNeedsOutputChoice());
                return kExitModelErrors;
            }
            if (step == 0 && !trainer.lastNote().empty())
                std::cerr << a.model << ": note: " << trainer.lastNote() << "\n";
            ++step;
            lossSum += l * static_cast<double>(x.shape()[0]);
            seen += x.shape()[0];
            if (json) {
                std::printf("{\"epoch\": %lld, \"step\": %lld, \"loss\": %.9g}\n", static_cast<long long>(epoch),
                            static_cast<long long>(step), l);
            } else if (step % 100 == 0 || b + 1 == perEpoch || step == maxSteps) {
                std::printf("epoch %lld step %lld loss %.6f\n", static_cast<long long>(epoch), static_cast<long long>(step), l);
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (hasTest) {
            std::string error;
            const std::optional<Evaluation> ev = evaluateDataset(trainer, test, loss, 1000, error, *target);
            if (!ev) {
                std::cerr << a.model << ": " << error << "\n";
                return kExitModelErrors;
            }
            printEpoch(json, epoch, lossSum / static_cast<double>(std::max<int64_t>(seen, 1)), *ev, seconds,
                       static_cast<double>(seen) / seconds);
        }
        std::fflush(stdout);
    }
    if (a.values.count("--out")) {
        if (auto err = saveStateDict(*root, a.get("--out"))) {
            std::cerr << *err << "\n";
            return kExitBadInput;
        }
    }
    return kExitOk;
}

} // namespace

bool isTrainCommand(int argc, char** argv)
{
    return argc >= 2 && (std::strcmp(argv[1], "grad") == 0 || std::strcmp(argv[1], "train") == 0);
}

int runTrainCommand(int argc, char** argv)
{
    try {
        const Args a = parse(argc, argv);
        return a.command == "grad" ? cmdGrad(a) : cmdTrain(a);
    } catch (const UsageError& e) {
        std::cerr << "modulelab-cli: " << e.message << "\n\n" << kUsage;
        return kExitBadInput;
    } catch (const std::bad_alloc&) {
        std::cerr << "modulelab-cli: out of memory\n";
        return kExitBadInput;
    }
}

const char* trainUsage()
{
    return kUsage;
}

} // namespace ml::cli
