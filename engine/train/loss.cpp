#include "engine/train/loss.h"

#include <algorithm>
#include <cmath>

namespace ml {

std::optional<LossKind> lossKindFromName(const std::string& name)
{
    if (name == "cross_entropy")
        return LossKind::CrossEntropy;
    if (name == "nll")
        return LossKind::Nll;
    if (name == "mse")
        return LossKind::Mse;
    if (name == "bce_with_logits")
        return LossKind::BceWithLogits;
    return std::nullopt;
}

bool lossTakesClasses(LossKind kind)
{
    return kind == LossKind::CrossEntropy || kind == LossKind::Nll;
}

namespace {

LossResult fail(std::string msg)
{
    LossResult r;
    r.error = std::move(msg);
    return r;
}

// Element-wise losses between output and a float target of the same shape.
LossResult pointwise(const LossOptions& o, const Tensor& x, const Targets& target)
{
    if (!target.values)
        return fail("this loss needs float targets of the output's shape " + x.shape().toString());
    const Tensor& t = *target.values;
    if (t.numel() != x.numel())
        return fail("Using a target size (torch.Size(" + t.shape().toString() + ")) that is different to the input size (torch.Size("
                    + x.shape().toString() + "))");
    LossResult r;
    r.grad = Tensor(x.shape());
    const int64_t n = x.numel();
    const double scale = o.reduction == Reduction::Mean && n ? 1.0 / static_cast<double>(n) : 1.0;
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double xi = x[i], ti = t[i];
        if (o.kind == LossKind::Mse) {
            sum += (xi - ti) * (xi - ti);
            r.grad[i] = static_cast<float>(2.0 * (xi - ti) * scale);
        } else {
            sum += std::max(xi, 0.0) - xi * ti + std::log1p(std::exp(-std::fabs(xi)));
            r.grad[i] = static_cast<float>((1.0 / (1.0 + std::exp(-xi)) - ti) * scale);
        }
    }
    r.value = sum * scale;
    return r;
}

// CrossEntropyLoss (from logits) and NLLLoss (from log-probabilities) over [N, C] or [C].
LossResult classification(const LossOptions& o, const Tensor& x, const Targets& target)
{
    const Shape& s = x.shape();
    if (s.rank() != 1 && s.rank() != 2)
        return fail("not supported by ModuleLab yet: a loss over outputs of shape " + s.toString() + " (use [N, classes])");
    const int64_t n = s.rank() == 2 ? s[0] : 1, c = s.at(-1);
    const bool ce = o.kind == LossKind::CrossEntropy;
    const double eps = ce ? o.labelSmoothing : 0.0;
    LossResult r;
    r.grad = Tensor::zeros(s);
    std::vector<double> logp(static_cast<size_t>(c));
    auto logSoftmax = [&](int64_t i) {
        const float* row = x.data() + i * c;
        double mx = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j < c; ++j)
            mx = std::max(mx, static_cast<double>(row[j]));
        for (int64_t j = 0; j < c; ++j)
            sum += std::exp(row[j] - mx);
        const double lse = mx + std::log(sum);
        for (int64_t j = 0; j < c; ++j)
            logp[static_cast<size_t>(j)] = ce ? row[j] - lse : row[j];
    };
    if (target.values) { // class probabilities (CrossEntropyLoss only)
        if (!ce)
            return fail("NLLLoss needs class indices as targets (int64)");
        if (target.values->numel() != x.numel())
            return fail("the target's shape " + target.values->shape().toString() + " differs from the output's " + s.toString());
        const double scale = o.reduction == Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0;
        double total = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            logSoftmax(i);
            double tsum = 0.0;
            for (int64_t j = 0; j < c; ++j) {
                const double t = (*target.values)[i * c + j] * (1.0 - eps) + eps / static_cast<double>(c);
                total -= t * logp[static_cast<size_t>(j)];
                tsum += t;
            }
            for (int64_t j = 0; j < c; ++j) {
                const double t = (*target.values)[i * c + j] * (1.0 - eps) + eps / static_cast<double>(c);
                r.grad[i * c + j] = static_cast<float>((std::exp(logp[static_cast<size_t>(j)]) * tsum - t) * scale);
            }
        }
        r.value = total * scale;
        return r;
    }
    if (static_cast<int64_t>(target.classes.size()) != n)
        return fail("Expected input batch_size (" + std::to_string(n) + ") to match target batch_size ("
                    + std::to_string(target.classes.size()) + ").");
    int64_t valid = 0;
    double nll = 0.0, smooth = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t y = target.classes[static_cast<size_t>(i)];
        if (y == o.ignoreIndex)
            continue;
        if (y < 0 || y >= c)
            return fail("Target " + std::to_string(y) + " is out of bounds.");
        ++valid;
        logSoftmax(i);
        nll -= logp[static_cast<size_t>(y)];
        for (int64_t j = 0; j < c; ++j)
            smooth -= logp[static_cast<size_t>(j)];
    }
    const double scale = o.reduction == Reduction::Mean ? 1.0 / static_cast<double>(valid) : 1.0;
    r.value = (1.0 - eps) * nll * scale + eps / static_cast<double>(c) * smooth * scale;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t y = target.classes[static_cast<size_t>(i)];
        if (y == o.ignoreIndex)
            continue;
        if (!ce) {
            r.grad[i * c + y] = static_cast<float>(-scale);
            continue;
        }
        logSoftmax(i);
        for (int64_t j = 0; j < c; ++j)
            r.grad[i * c + j] = static_cast<float>(
                (std::exp(logp[static_cast<size_t>(j)]) - (j == y ? 1.0 - eps : 0.0) - eps / static_cast<double>(c)) * scale);
    }
    return r;
}

} // namespace

LossResult computeLoss(const LossOptions& options, const Tensor& output, const Targets& target)
{
    if (options.kind == LossKind::Mse || options.kind == LossKind::BceWithLogits)
        return pointwise(options, output, target);
    return classification(options, output, target);
}

} // namespace ml
