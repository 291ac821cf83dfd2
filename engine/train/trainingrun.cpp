#include "engine/train/trainingrun.h"

#include "engine/io/safetensors.h"
#include "engine/io/weights.h"
#include "engine/layers/dropout.h"
#include "engine/train/weightchange.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace ml {

namespace {
std::vector<std::string> frozenList(const Module& root, const TrainingConfig& config)
{
    std::vector<std::string> out = config.frozen;
    for (const std::string& p : frozenPaths(root))
        out.push_back(p);
    return out;
}
} // namespace

TrainingRun::TrainingRun(Module& root, Dataset train, Dataset test, const TrainingConfig& config)
    : m_root(root)
    , m_train(std::move(train))
    , m_test(std::move(test))
    , m_config(config)
    , m_trainer(root, config.optimizer, config.loss, frozenList(root, config))
    , m_rng(config.seed)
{
    seedDropout(config.seed);
    m_order.resize(static_cast<size_t>(m_train.count));
    std::iota(m_order.begin(), m_order.end(), 0);
}

int64_t TrainingRun::stepsPerEpoch() const
{
    return (m_train.count + m_config.batch - 1) / std::max<int64_t>(m_config.batch, 1);
}

void TrainingRun::beginEpoch()
{
    m_trainer.optimizer().setLr(m_config.schedule.lrAt(m_config.optimizer.lr, m_epoch));
    if (m_config.shuffle)
        std::shuffle(m_order.begin(), m_order.end(), m_rng);
    m_lossSum = 0.0;
    m_seen = 0;
    m_correct = 0;
}

void TrainingRun::resumeAt(int64_t epochs, int64_t steps)
{
    for (int64_t e = 0; e < epochs && m_config.shuffle; ++e)
        std::shuffle(m_order.begin(), m_order.end(), m_rng);
    m_epoch = epochs;
    m_batch = 0;
    m_step = steps;
}

bool TrainingRun::step(std::string& error)
{
    if (finished() || m_train.count == 0)
        return false;
    if (m_batch == 0)
        beginEpoch();
    const int64_t begin = m_batch * m_config.batch;
    const int64_t end = std::min(m_train.count, begin + m_config.batch);
    Tensor x;
    Targets t;
    takeBatch(m_train, m_order, begin, end, x, t);
    if (m_config.target == TargetKind::Input)
        t = inputTargets(x);
    const double loss = m_trainer.step(x, t, error);
    if (!error.empty())
        return false;
    m_lastLoss = loss;
    ++m_step;
    const int64_t n = end - begin;
    m_lossSum += loss * static_cast<double>(n);
    m_seen += n;
    const Tensor& out = m_trainer.lastOutput();
    if (!t.classes.empty() && out.shape().rank() == 2) {
        const int64_t c = out.shape()[1];
        for (int64_t i = 0; i < n; ++i) {
            const float* row = out.data() + i * c;
            m_correct += std::max_element(row, row + c) - row == t.classes[static_cast<size_t>(i)];
        }
    }
    if (++m_batch == stepsPerEpoch()) {
        m_batch = 0;
        ++m_epoch;
        m_epochLoss = m_lossSum / static_cast<double>(std::max<int64_t>(m_seen, 1));
        m_epochAccuracy = static_cast<double>(m_correct) / static_cast<double>(std::max<int64_t>(m_seen, 1));
    }
    return true;
}

std::optional<Evaluation> TrainingRun::evaluateTest(std::string& error)
{
    return evaluateDataset(m_trainer, m_test, m_config.loss, 500, error, m_config.target);
}

std::optional<std::pair<Tensor, Tensor>> TrainingRun::testOutputs(int64_t count, std::string& error)
{
    std::vector<int64_t> first(static_cast<size_t>(std::min(count, m_test.count)));
    std::iota(first.begin(), first.end(), 0);
    Tensor x;
    Targets t;
    takeBatch(m_test, first, 0, static_cast<int64_t>(first.size()), x, t);
    std::optional<Tensor> out = m_trainer.evaluate(x, error);
    if (!out)
        return std::nullopt;
    return std::make_pair(std::move(x), std::move(*out));
}

std::optional<Evaluation> evaluateDataset(Trainer& trainer, const Dataset& d, const LossOptions& loss, int64_t batch,
                                          std::string& error, TargetKind target)
{
    Evaluation ev;
    ev.count = d.count;
    ev.reconstruction = target == TargetKind::Input;
    std::vector<int64_t> all(static_cast<size_t>(d.count));
    std::iota(all.begin(), all.end(), 0);
    int64_t correct = 0;
    Tensor x;
    Targets t;
    for (int64_t b = 0; b < d.count; b += batch) {
        takeBatch(d, all, b, std::min(d.count, b + batch), x, t);
        if (ev.reconstruction)
            t = inputTargets(x);
        const std::optional<Tensor> out = trainer.evaluate(x, error);
        if (!out)
            return std::nullopt;
        const LossResult l = computeLoss(loss, *out, t);
        if (!l.error.empty()) {
            error = l.error;
            return std::nullopt;
        }
        ev.loss += l.value * static_cast<double>(x.shape()[0]);
        if (t.classes.empty() || out->shape().rank() != 2)
            continue;
        const int64_t c = out->shape()[1];
        if (ev.classes == 0) {
            ev.classes = static_cast<int>(c);
            ev.confusion.assign(static_cast<size_t>(c * c), 0);
        }
        for (int64_t i = 0; i < x.shape()[0]; ++i) {
            const float* row = out->data() + i * c;
            const int64_t predicted = std::max_element(row, row + c) - row;
            const int64_t truth = t.classes[static_cast<size_t>(i)];
            correct += predicted == truth;
            if (truth >= 0 && truth < c)
                ++ev.confusion[static_cast<size_t>(truth * c + predicted)];
        }
    }
    ev.loss /= static_cast<double>(std::max<int64_t>(d.count, 1));
    ev.accuracy = static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(d.count, 1));
    return ev;
}

// ---- checkpoints --------------------------------------------------------------------------------

namespace {

Tensor scalar(int64_t v)
{
    return Tensor::filled(Shape{}, static_cast<float>(v));
}

std::string stateKey(size_t i, const char* what)
{
    return "optimizer." + std::to_string(i) + "." + what;
}

} // namespace

std::optional<std::string> saveCheckpoint(const std::string& path, const Module& root, const Optimizer& optimizer,
                                          int64_t epoch, int64_t step)
{
    SafeTensors model;
    if (auto err = stateDictTensors(root, model))
        return err;
    SafeTensors out;
    for (NamedTensor& t : model.tensors)
        out.tensors.push_back({"model." + t.name, std::move(t.tensor), t.dtype});
    const bool sgd = optimizer.options().kind == OptimizerKind::Sgd;
    for (size_t i = 0; i < optimizer.state().size(); ++i) {
        const Optimizer::State& s = optimizer.state()[i];
        if (s.momentum.numel() == 0)
            continue; // no step reached this parameter yet: no state, as in PyTorch
        if (!sgd)
            out.tensors.push_back({stateKey(i, "step"), scalar(s.step), DType::F32});
        out.tensors.push_back({stateKey(i, sgd ? "momentum_buffer" : "exp_avg"), s.momentum, DType::F32});
        if (!sgd)
            out.tensors.push_back({stateKey(i, "exp_avg_sq"), s.sq, DType::F32});
        if (s.maxSq.numel())
            out.tensors.push_back({stateKey(i, "max_exp_avg_sq"), s.maxSq, DType::F32});
    }
    out.tensors.push_back({"epoch", scalar(epoch), DType::I64});
    out.tensors.push_back({"step", scalar(step), DType::I64});
    out.metadata.push_back({"format", "modulelab-checkpoint"});
    return writeSafeTensors(path, out);
}

std::variant<CheckpointPosition, std::string> loadCheckpoint(const std::string& path, Module& root, Optimizer& optimizer)
{
    auto r = readSafeTensors(path);
    if (auto* e = std::get_if<ParseError>(&r))
        return e->toString();
    const SafeTensors& file = std::get<SafeTensors>(r);
    const NamedTensor* epoch = file.find("epoch");
    const NamedTensor* step = file.find("step");
    if (!epoch || !step || epoch->tensor.numel() != 1 || step->tensor.numel() != 1)
        return path + ": not a ModuleLab training checkpoint (no \"epoch\" and \"step\")";
    SafeTensors model;
    std::vector<Optimizer::State> state(optimizer.params().size());
    for (const NamedTensor& t : file.tensors) {
        if (t.name.rfind("model.", 0) == 0) {
            model.tensors.push_back({t.name.substr(6), t.tensor, t.dtype});
            continue;
        }
        if (t.name.rfind("optimizer.", 0) != 0)
            continue;
        const size_t dot = t.name.find('.', 10);
        const size_t i = std::strtoull(t.name.substr(10, dot - 10).c_str(), nullptr, 10);
        const std::string what = dot == std::string::npos ? "" : t.name.substr(dot + 1);
        if (i >= state.size())
            return path + ": " + t.name + ": the optimizer has " + std::to_string(state.size()) + " parameters";
        const Tensor& p = *optimizer.params()[i];
        const bool sgd = optimizer.options().kind == OptimizerKind::Sgd;
        if (sgd && (what == "exp_avg" || what == "step"))
            return path + ": saved by Adam or AdamW (it has " + t.name + "): choose that optimizer to resume from it";
        if (!sgd && what == "momentum_buffer")
            return path + ": saved by SGD with momentum (it has " + t.name + "): choose SGD to resume from it";
        if (what == "step") {
            state[i].step = static_cast<int64_t>(t.tensor[0]);
            continue;
        }
        if (t.tensor.numel() != p.numel())
            return path + ": " + t.name + " has " + t.tensor.shape().toString() + ", the parameter " + p.shape().toString();
        Tensor v(p.shape());
        std::copy_n(t.tensor.data(), p.numel(), v.data());
        if (what == "momentum_buffer" || what == "exp_avg")
            state[i].momentum = std::move(v);
        else if (what == "exp_avg_sq")
            state[i].sq = std::move(v);
        else if (what == "max_exp_avg_sq")
            state[i].maxSq = std::move(v);
        else
            return path + ": unknown optimizer entry " + t.name;
    }
    // Loaded into a copy first (all or nothing), then copied in place: the optimizer keeps
    // pointers to the parameters' tensors.
    std::unique_ptr<Module> copy = root.clone();
    const StateDictReport report = loadStateDict(*copy, model);
    if (!report.loaded)
        return path + ": " + (report.error.empty() ? report.message() : report.error);
    const std::vector<StateEntry> from = stateDict(*copy), to = stateDict(root);
    for (size_t i = 0; i < from.size() && i < to.size(); ++i) {
        const Tensor& src = from[i].module->tensors()[static_cast<size_t>(from[i].specIndex)];
        // In place: the optimizer holds these tensors, and a shared module's places hold one storage.
        Tensor& dst = const_cast<Tensor&>(to[i].module->tensors()[static_cast<size_t>(to[i].specIndex)]);
        std::copy_n(src.data(), std::min(src.numel(), dst.numel()), dst.data());
    }
    optimizer.state() = std::move(state);
    return CheckpointPosition{static_cast<int64_t>(epoch->tensor[0]), static_cast<int64_t>(step->tensor[0])};
}

} // namespace ml
