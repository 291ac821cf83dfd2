// The compute kernels against plain loops over awkward sizes: 1x1 images, channel counts that
// are not a multiple of the vector width, batch 1 and 7, stride 2, dilation 2, groups,
// depthwise, padding modes, one and two threads; weights packed once per version and packed
// again after every kind of write (edit, element write, load, copy-on-write clone, training
// step); LayerNorm, GroupNorm, AvgPool2d and AdaptiveAvgPool2d against PyTorch over odd sizes
// and NaN inputs (tests/data/kernels/kernels.json, written by gen_kernels.py); broadcasting
// arithmetic; view layers; Conv2d -> BatchNorm2d (-> ReLU) fused into one convolution against
// the three layers run one after another, and where forward passes fuse and where they must not.

#include "engine/analysis/analysis.h"
#include "engine/analysis/fusion.h"
#include "engine/analysis/tensorops.h"
#include "engine/layer.h"
#include "engine/cancel.h"
#include "engine/layers/conv.h"
#include "engine/layers/convkernel.h"
#include "engine/layers/linear.h"
#include "engine/layers/norm.h"
#include "engine/python/importer.h"
#include "engine/parallel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <thread>

using namespace ml;

namespace {

struct ConvCase {
    int64_t n, c, h, w, oc, k, stride, pad, dilation, groups;
    bool bias;
    const char* mode = "zeros";
};

// The convolution cases every convolution test runs (names in kConvCaseNames).
const ConvCase kConvCases[] = {
    {1, 3, 1, 1, 5, 1, 1, 0, 1, 1, true},
    {7, 3, 9, 11, 8, 3, 1, 1, 1, 1, true},
    {2, 17, 5, 6, 13, 1, 1, 0, 1, 1, false},
    {3, 5, 13, 10, 7, 3, 2, 1, 1, 1, true},
    {2, 6, 12, 12, 9, 3, 1, 2, 2, 1, true},
    {2, 6, 7, 9, 10, 3, 1, 1, 1, 2, true},
    {3, 12, 11, 11, 12, 3, 2, 1, 1, 12, false},
    {1, 4, 3, 40, 6, 3, 1, 1, 1, 1, false},
    {2, 3, 6, 7, 4, 3, 1, 2, 1, 1, true, "reflect"},
    {1, 5, 6, 5, 3, 3, 2, 2, 1, 1, true, "circular"},
    {2, 2, 8, 8, 3, 5, 1, 3, 1, 1, true, "replicate"},
    {1, 33, 6, 6, 19, 3, 1, 1, 1, 1, true},
    {7, 1, 15, 15, 5, 4, 3, 0, 1, 1, true},
};
const char* const kConvCaseNames[] = {"1x1 image", "batch 7, 3 channels", "17 channels 1x1 kernel, no bias", "stride 2",
                                      "dilation 2", "groups 2", "depthwise stride 2, no bias", "no bias, batch 1 wide",
                                      "reflect", "circular stride 2", "replicate 5x5", "channels 33 -> 19",
                                      "kernel larger than stride, odd size"};
static_assert(std::size(kConvCases) == std::size(kConvCaseNames));

void fillRandom(Tensor& t, std::mt19937& rng)
{
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = u(rng);
}

int64_t padIndex(int64_t i, int64_t n, const std::string& mode)
{
    if (i >= 0 && i < n)
        return i;
    if (mode == "zeros")
        return -1;
    if (mode == "replicate")
        return std::clamp<int64_t>(i, 0, n - 1);
    if (mode == "circular")
        return ((i % n) + n) % n;
    return i < 0 ? -i : 2 * (n - 1) - i; // reflect (padding < n)
}

// The definition of a convolution, one output element at a time, in double.
Tensor referenceConv(const ConvCase& cc, const Tensor& x, const Tensor& wt, const Tensor* b, int64_t oh, int64_t ow)
{
    Tensor y(Shape{cc.n, cc.oc, oh, ow});
    const int64_t cinG = cc.c / cc.groups, coutG = cc.oc / cc.groups;
    for (int64_t n = 0; n < cc.n; ++n)
        for (int64_t o = 0; o < cc.oc; ++o)
            for (int64_t oy = 0; oy < oh; ++oy)
                for (int64_t ox = 0; ox < ow; ++ox) {
                    double acc = b ? (*b)[o] : 0.0;
                    const int64_t g = o / coutG;
                    for (int64_t ci = 0; ci < cinG; ++ci)
                        for (int64_t ky = 0; ky < cc.k; ++ky)
                            for (int64_t kx = 0; kx < cc.k; ++kx) {
                                const int64_t iy = padIndex(oy * cc.stride - cc.pad + ky * cc.dilation, cc.h, cc.mode);
                                const int64_t ix = padIndex(ox * cc.stride - cc.pad + kx * cc.dilation, cc.w, cc.mode);
                                if (iy < 0 || ix < 0)
                                    continue;
                                acc += double(x[((n * cc.c + g * cinG + ci) * cc.h + iy) * cc.w + ix])
                                    * wt[((o * cinG + ci) * cc.k + ky) * cc.k + kx];
                            }
                    y[((n * cc.oc + o) * oh + oy) * ow + ox] = static_cast<float>(acc);
                }
    return y;
}

std::unique_ptr<Layer> makeConv(const ConvCase& cc)
{
    std::vector<LayerArgument> args{{"", ArgValue::ofInt(cc.c)},
                                    {"", ArgValue::ofInt(cc.oc)},
                                    {"", ArgValue::ofInt(cc.k)},
                                    {"stride", ArgValue::ofInt(cc.stride)},
                                    {"padding", ArgValue::ofInt(cc.pad)},
                                    {"dilation", ArgValue::ofInt(cc.dilation)},
                                    {"groups", ArgValue::ofInt(cc.groups)},
                                    {"bias", ArgValue::ofBool(cc.bias)},
                                    {"padding_mode", ArgValue::ofStr(cc.mode)}};
    auto made = createLayer("Conv2d", args);
    if (!std::holds_alternative<std::unique_ptr<Layer>>(made))
        qFatal("%s", std::get<std::string>(made).c_str());
    auto layer = std::move(std::get<std::unique_ptr<Layer>>(made));
    TorchGenerator gen(0);
    layer->initTensors(gen);
    return layer;
}

double maxAbsDiff(const Tensor& a, const Tensor& b)
{
    double d = 0;
    for (int64_t i = 0; i < a.numel(); ++i)
        d = std::max(d, double(std::abs(a[i] - b[i])));
    return d;
}

void checkConv(const ConvCase& cc)
{
    std::mt19937 rng(42);
    auto layer = makeConv(cc);
    fillRandom(layer->tensors()[0], rng);
    if (cc.bias)
        fillRandom(layer->tensors()[1], rng);
    Tensor x(Shape{cc.n, cc.c, cc.h, cc.w});
    fillRandom(x, rng);
    const ShapeResult r = layer->outputShape(x.shape());
    QVERIFY2(r.ok(), r.error.c_str());
    const Tensor& wt = layer->tensors()[0];
    const Tensor* b = cc.bias ? &layer->tensors()[1] : nullptr;
    const Tensor want = referenceConv(cc, x, wt, b, r.shape[2], r.shape[3]);
    const double tol = 1e-4 * std::sqrt(double(cc.c / cc.groups * cc.k * cc.k));
    for (int threads : {1, 2}) {
        setThreadCount(threads);
        Tensor y;
        layer->forward(x, y);
        QCOMPARE(y.shape(), want.shape());
        const double d = maxAbsDiff(y, want);
        QVERIFY2(d <= tol, qPrintable(QString("threads %1: max difference %2").arg(threads).arg(d)));
    }
    // Editing the weights after a forward pass: the next pass uses the new weights.
    Tensor& w = layer->tensors()[0];
    float* wp = w.data();
    for (int64_t i = 0; i < w.numel(); ++i)
        wp[i] = -wp[i] * 0.5f;
    const Tensor want2 = referenceConv(cc, x, layer->tensors()[0], b, r.shape[2], r.shape[3]);
    Tensor y2;
    layer->forward(x, y2);
    QVERIFY(maxAbsDiff(y2, want2) <= tol);
    setThreadCount(0);
}

// The gradients of the convolution by their definition: each output element's gradient flows
// back to the input element and weight it was computed from.
void checkConvGradients(const ConvCase& cc)
{
    std::mt19937 rng(5);
    auto layer = makeConv(cc);
    const auto& conv = static_cast<const Conv2d&>(*layer);
    fillRandom(layer->tensors()[0], rng);
    Tensor x(Shape{cc.n, cc.c, cc.h, cc.w});
    fillRandom(x, rng);
    const ShapeResult r = layer->outputShape(x.shape());
    QVERIFY(r.ok());
    const int64_t oh = r.shape[2], ow = r.shape[3];
    Tensor gy(r.shape);
    fillRandom(gy, rng);
    const Tensor& wt = layer->tensors()[0];
    const int64_t cinG = cc.c / cc.groups, coutG = cc.oc / cc.groups;
    std::vector<double> gx(static_cast<size_t>(x.numel()), 0.0), gw(static_cast<size_t>(wt.numel()), 0.0), gb(static_cast<size_t>(cc.oc), 0.0);
    for (int64_t n = 0; n < cc.n; ++n)
        for (int64_t o = 0; o < cc.oc; ++o)
            for (int64_t oy = 0; oy < oh; ++oy)
                for (int64_t ox = 0; ox < ow; ++ox) {
                    const double g = gy[((n * cc.oc + o) * oh + oy) * ow + ox];
                    gb[static_cast<size_t>(o)] += g;
                    for (int64_t ci = 0; ci < cinG; ++ci)
                        for (int64_t ky = 0; ky < cc.k; ++ky)
                            for (int64_t kx = 0; kx < cc.k; ++kx) {
                                const int64_t iy = oy * cc.stride - cc.pad + ky * cc.dilation;
                                const int64_t ix = ox * cc.stride - cc.pad + kx * cc.dilation;
                                if (iy < 0 || ix < 0 || iy >= cc.h || ix >= cc.w)
                                    continue;
                                const int64_t xi = ((n * cc.c + o / coutG * cinG + ci) * cc.h + iy) * cc.w + ix;
                                const int64_t wi = ((o * cinG + ci) * cc.k + ky) * cc.k + kx;
                                gx[static_cast<size_t>(xi)] += g * wt[wi];
                                gw[static_cast<size_t>(wi)] += g * x[xi];
                            }
                }
    const layers::ConvGeometry geo = conv.geometry(x.shape());
    Tensor gotX(x.shape()), gotW(wt.shape()), gotB(Shape{cc.oc});
    conv.kernel().backwardData(geo, wt, gy.data(), gotX.data());
    conv.kernel().backwardWeights(geo, x.data(), gy.data(), gotW.data(), gotB.data());
    const double tol = 1e-4 * std::sqrt(double(cc.n * oh * ow + cc.oc * cc.k * cc.k));
    for (int64_t i = 0; i < x.numel(); ++i)
        QVERIFY2(std::abs(gotX[i] - gx[static_cast<size_t>(i)]) <= tol, qPrintable(QString("input gradient %1").arg(i)));
    for (int64_t i = 0; i < wt.numel(); ++i)
        QVERIFY2(std::abs(gotW[i] - gw[static_cast<size_t>(i)]) <= tol, qPrintable(QString("weight gradient %1").arg(i)));
    for (int64_t i = 0; i < cc.oc; ++i)
        QVERIFY(std::abs(gotB[i] - gb[static_cast<size_t>(i)]) <= tol);
}

ArgValue decodeArg(const QJsonArray& a) // [name, kind, value]
{
    const QString kind = a[1].toString();
    const QJsonValue v = a[2];
    if (kind == "none")
        return ArgValue::none();
    if (kind == "bool")
        return ArgValue::ofBool(v.toBool());
    if (kind == "int")
        return ArgValue::ofInt(v.toInteger());
    if (kind == "float")
        return ArgValue::ofFloat(v.toDouble());
    std::vector<int64_t> t;
    for (const QJsonValue& e : v.toArray())
        t.push_back(e.toInteger());
    return ArgValue::ofTuple(std::move(t));
}

Shape shapeOf(const QJsonArray& a)
{
    std::vector<int64_t> d;
    for (const QJsonValue& v : a)
        d.push_back(v.toInteger());
    return Shape(d);
}

// null stands for NaN.
void fillFrom(Tensor& t, const QJsonArray& values)
{
    QCOMPARE(t.numel(), int64_t(values.size()));
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = values[int(i)].isNull() ? std::numeric_limits<float>::quiet_NaN() : float(values[int(i)].toDouble());
}

QJsonArray kernelCases()
{
    QFile f(QStringLiteral(MODULELAB_TEST_DATA "/kernels/kernels.json"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("tests/data/kernels/kernels.json is missing: run gen_kernels.py");
    return QJsonDocument::fromJson(f.readAll()).object()["cases"].toArray();
}


std::unique_ptr<Layer> makeBatchNorm(int64_t channels, std::mt19937& rng)
{
    auto made = createLayer("BatchNorm2d", {{"", ArgValue::ofInt(channels)}});
    if (!std::holds_alternative<std::unique_ptr<Layer>>(made))
        qFatal("%s", std::get<std::string>(made).c_str());
    auto bn = std::move(std::get<std::unique_ptr<Layer>>(made));
    TorchGenerator gen(0);
    bn->initTensors(gen);
    // weight, bias, running_mean, running_var: away from the identity, variance positive
    for (int k = 0; k < 4; ++k)
        fillRandom(bn->tensors()[size_t(k)], rng);
    float* var = bn->tensors()[3].data();
    for (int64_t i = 0; i < channels; ++i)
        var[i] = 0.2f + std::abs(var[i]) * 2.0f;
    return bn;
}

std::unique_ptr<Layer> makeLayer(const std::string& type, std::vector<LayerArgument> args = {})
{
    auto made = createLayer(type, std::move(args));
    if (!std::holds_alternative<std::unique_ptr<Layer>>(made))
        qFatal("%s", std::get<std::string>(made).c_str());
    return std::move(std::get<std::unique_ptr<Layer>>(made));
}

// An activation the convolution's output step can apply: the layer and its epilogue form.
struct FusedActivation {
    const char* name;
    std::shared_ptr<Layer> layer; // null: none
    layers::ConvActivation act;
};

std::vector<FusedActivation> fusedActivations()
{
    using K = layers::ConvActivation::Kind;
    std::vector<FusedActivation> v{{"none", nullptr, {}}};
    const std::pair<const char*, std::vector<LayerArgument>> layers[] = {
        {"ReLU", {}},
        {"ReLU6", {}},
        {"LeakyReLU", {{"negative_slope", ArgValue::ofFloat(0.1)}}},
        {"SiLU", {}},
        {"Hardswish", {}},
        {"GELU", {}},
        {"GELU", {{"approximate", ArgValue::ofStr("tanh")}}},
    };
    for (const auto& [type, args] : layers) {
        std::shared_ptr<Layer> l = makeLayer(type, args);
        const auto act = detail::Fusion::fusedActivation(*l);
        if (!act)
            qFatal("%s is not fused", type);
        v.push_back({type, l, *act});
    }
    (void)K::None;
    return v;
}

// conv, BatchNorm, act, + residual and after one after another, as without fusion.
Tensor unfused(const Layer& conv, const Layer& bn, const Layer* act, const Tensor& x, const Tensor* residual = nullptr,
               const Layer* after = nullptr)
{
    Tensor c, y;
    conv.forward(x, c);
    bn.forward(c, y);
    if (act) {
        Tensor z;
        act->forward(y, z);
        y = std::move(z);
    }
    if (residual) {
        float* p = y.data();
        for (int64_t i = 0; i < y.numel(); ++i)
            p[i] += (*residual)[i];
    }
    if (after) {
        Tensor z;
        after->forward(y, z);
        y = std::move(z);
    }
    return y;
}

// Largest difference, NaN equal only to NaN (infinite otherwise).
double maxAbsDiffNaN(const Tensor& a, const Tensor& b)
{
    double d = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        if (std::isnan(a[i]) || std::isnan(b[i])) {
            if (std::isnan(a[i]) != std::isnan(b[i]))
                return std::numeric_limits<double>::infinity();
            continue;
        }
        d = std::max(d, double(std::abs(a[i] - b[i])));
    }
    return d;
}

double maxAbs(const Tensor& t)
{
    double m = 0;
    for (int64_t i = 0; i < t.numel(); ++i)
        m = std::max(m, double(std::abs(t[i])));
    return m;
}

// Gives every BatchNorm2d of ROOT random statistics (variances kept positive) so that folding
// them into a convolution changes its weights; returns the convolutions in declaration order
// with their paths.
std::vector<std::pair<std::string, const Conv2d*>> prepareForFusion(Module& root, std::mt19937& rng)
{
    std::vector<std::pair<std::string, const Conv2d*>> convs;
    std::function<void(Module&)> visit = [&](Module& m) {
        if (m.typeName() == "BatchNorm2d") {
            for (int k = 0; k < 4; ++k)
                fillRandom(m.tensors()[size_t(k)], rng);
            float* var = m.tensors()[3].data();
            for (int64_t i = 0; i < m.tensors()[3].numel(); ++i)
                var[i] = 0.2f + std::abs(var[i]);
        }
        if (m.typeName() == "Conv2d")
            convs.emplace_back(m.path(), static_cast<const Conv2d*>(&m));
        for (const Module::Child& c : m.children())
            visit(*c.module);
    };
    visit(root);
    return convs;
}

void checkFused(const ConvCase& cc)
{
    std::mt19937 rng(11);
    auto layer = makeConv(cc);
    fillRandom(layer->tensors()[0], rng);
    if (cc.bias)
        fillRandom(layer->tensors()[1], rng);
    const auto& conv = static_cast<const Conv2d&>(*layer);
    auto bnLayer = makeBatchNorm(cc.oc, rng);
    const auto& bn = static_cast<const BatchNormBase&>(*bnLayer);
    QVERIFY(layers::ConvBnFold::foldable(bn, cc.oc));
    Tensor x(Shape{cc.n, cc.c, cc.h, cc.w});
    fillRandom(x, rng);
    const ShapeResult r = layer->outputShape(x.shape());
    QVERIFY(r.ok());
    Tensor residual(r.shape);
    fillRandom(residual, rng);
    const std::vector<FusedActivation> acts = fusedActivations();
    auto check = [&](const FusedActivation& act, const Tensor* res, const FusedActivation& after, int threads) {
        setThreadCount(threads);
        const Tensor want = unfused(conv, bn, act.layer.get(), x, res, after.layer.get());
        Tensor y;
        layers::ConvEpilogue ep;
        ep.act = act.act;
        ep.residual = res ? res->data() : nullptr;
        ep.after = after.act;
        conv.forwardFused(x, y, bn, ep);
        QCOMPARE(y.shape(), want.shape());
        const double d = maxAbsDiffNaN(y, want);
        QVERIFY2(d <= 1e-4 * std::max(1.0, maxAbs(want)), qPrintable(QString("%1, residual %2, then %3, threads %4: max difference %5")
                                                                         .arg(act.name).arg(res != nullptr).arg(after.name).arg(threads).arg(d)));
    };
    for (int threads : {1, 2}) {
        for (const FusedActivation& act : acts)
            check(act, nullptr, acts[0], threads);
        // The residual block's tail: bn(conv(x)) + residual (-> activation).
        for (const FusedActivation& after : acts)
            check(acts[0], &residual, after, threads);
        check(acts[1], &residual, acts[2], threads); // an activation before and after the sum
    }
    setThreadCount(0);
    QCOMPARE(conv.fold().folds(), int64_t(1)); // folded once for every pass
    QCOMPARE(conv.fold().residualPasses(), int64_t(2 * (acts.size() + 1)));
    // The residual may be the output buffer itself (the sum is written in place).
    {
        const Tensor want = unfused(conv, bn, nullptr, x, &residual, acts[1].layer.get());
        Tensor y = residual;
        layers::ConvEpilogue ep;
        ep.residual = y.data();
        ep.after = acts[1].act;
        conv.forwardFused(x, y, bn, ep);
        QVERIFY(maxAbsDiff(y, want) <= 1e-4 * std::max(1.0, maxAbs(want)));
    }
    // NaN goes through every activation and the sum as through the layers.
    Tensor xn = x;
    xn[0] = std::numeric_limits<float>::quiet_NaN();
    Tensor rn = residual;
    rn[rn.numel() - 1] = std::numeric_limits<float>::quiet_NaN();
    for (const FusedActivation& act : acts) {
        const Tensor want = unfused(conv, bn, act.layer.get(), xn, &rn, act.layer.get());
        Tensor y;
        layers::ConvEpilogue ep;
        ep.act = act.act;
        ep.residual = rn.data();
        ep.after = act.act;
        conv.forwardFused(xn, y, bn, ep);
        const double d = maxAbsDiffNaN(y, want);
        QVERIFY2(d <= 1e-4 * std::max(1.0, maxAbs(want)), qPrintable(QString("NaN through %1: %2").arg(act.name).arg(d)));
    }
    // A changed running variance, BatchNorm weight or convolution weight is folded again.
    const int64_t folds = conv.fold().folds();
    for (Tensor* t : {&bnLayer->tensors()[3], &bnLayer->tensors()[0], &layer->tensors()[0]}) {
        (*t)[0] *= 1.5f;
        const Tensor want = unfused(conv, bn, acts[1].layer.get(), x);
        Tensor y;
        layers::ConvEpilogue ep;
        ep.act = acts[1].act;
        conv.forwardFused(x, y, bn, ep);
        QVERIFY(maxAbsDiff(y, want) <= 1e-4 * std::max(1.0, maxAbs(want)));
    }
    QCOMPARE(conv.fold().folds(), folds + 3);
}

const char* kFusionModel = R"(
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 17, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(17)
        self.conv2 = nn.Conv2d(17, 17, 3, stride=2, padding=1, groups=17, bias=False)
        self.bn2 = nn.BatchNorm2d(17)
        self.features = nn.Sequential(nn.Conv2d(17, 9, 1), nn.BatchNorm2d(9), nn.ReLU(inplace=True))
        self.conv3 = nn.Conv2d(9, 9, 3, padding=2, dilation=2)
        self.bn3 = nn.BatchNorm2d(9)
        self.conv4 = nn.Conv2d(9, 9, 1)
        self.bn4 = nn.BatchNorm2d(9)
        self.listed = [nn.Sequential(nn.Conv2d(9, 9, 1), nn.BatchNorm2d(9))]

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = self.features(x)
        y = self.conv3(x)
        x = self.bn3(y) + y
        x = self.listed[0](x)
        return torch.relu(self.bn4(self.conv4(x)))

model = Net()
)";


// Residual tails as course code and torchvision write them. Every convolution's output feeds
// a BatchNorm, folded into it unless a comment says "not"; the comments say what else fuses.
const char* kResidualModel = R"(
import torch
import torch.nn as nn
import torch.nn.functional as F

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))        # relu
        out = self.bn2(self.conv2(out))              # + shortcut, relu
        out = out + self.shortcut(x)
        out = F.relu(out)
        return out

class Down(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.conv1 = nn.Conv2d(c, d, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(d)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(d, d, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(d)
        self.shortcut = nn.Sequential(nn.Conv2d(c, d, 1, stride=2, bias=False), nn.BatchNorm2d(d))

    def forward(self, x):
        identity = self.shortcut(x)                  # computed first: fuses
        out = self.relu(self.bn1(self.conv1(x)))     # relu
        out = self.bn2(self.conv2(out))              # += identity, relu
        out += identity
        out = self.relu(out)
        return out

class Tails(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=2, dilation=2)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.bn3 = nn.BatchNorm2d(c)
        self.conv4 = nn.Conv2d(c, c, 1)
        self.bn4 = nn.BatchNorm2d(c)
        self.conv5 = nn.Conv2d(c, c, 1)
        self.bn5 = nn.BatchNorm2d(c)
        self.idt = nn.Identity()
        self.act = nn.SiLU()
        self.proj = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        y = self.bn1(self.conv1(x))                  # F.relu(y + x)
        y = F.relu(y + x)
        z = self.bn2(self.conv2(y))                  # x + z, then SiLU
        z = x + z
        z = self.act(z)
        w = self.bn3(self.conv3(z))                  # not: the sum goes to another name
        v = w + z
        w = self.bn4(self.conv4(v + w))              # not: the shortcut computes after it
        w = w + self.proj(v)
        u = self.bn5(self.conv5(w))                  # + Identity(w), returned
        return u + self.idt(w)

class TvBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = nn.Conv2d(c, c, 1)
        self.bn3 = nn.BatchNorm2d(c)

    def forward(self, x):
        identity = x
        out = self.conv1(x)                          # relu
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)                        # += identity, relu
        out = self.bn2(out)
        out += identity
        out = self.relu(out)
        y = self.conv3(out)                          # not: y is read after the BatchNorm
        z = self.bn3(y)
        return z + y

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU6(inplace=True))
        self.block = Block(6)
        self.down = Down(6, 10)
        self.tails = Tails(10)
        self.tv = TvBlock(10)
        self.head = nn.Sequential(nn.Conv2d(10, 5, 1), nn.BatchNorm2d(5), nn.Hardswish())

    def forward(self, x):
        return self.head(self.tv(self.tails(self.down(self.block(self.stem(x))))))

model = Net()
)";
} // namespace

class TestKernels : public QObject {
    Q_OBJECT
private slots:
    void conv_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < int(std::size(kConvCaseNames)); ++i)
            QTest::newRow(kConvCaseNames[i]) << i;
    }
    void conv()
    {
        QFETCH(int, index);
        checkConv(kConvCases[index]);
    }

    // The kernel's gradients know zero padding only (other modes pad the input first).
    void convGradients_data() { conv_data(); }
    void convGradients()
    {
        QFETCH(int, index);
        ConvCase cc = kConvCases[index];
        cc.mode = "zeros";
        checkConvGradients(cc);
    }

    void convBnFused_data() { conv_data(); }
    void convBnFused()
    {
        QFETCH(int, index);
        checkFused(kConvCases[index]);
    }

    // runForward fuses where nothing observes the convolution's output and gives the values
    // of the unfused pass (which a run observer forces: it is shown every layer's output).
    void fusionInForwardPasses()
    {
        auto r = python::importPython(kFusionModel, "fusion.py");
        QVERIFY(std::holds_alternative<python::ImportResult>(r));
        Module& root = *std::get<python::ImportResult>(r).root;
        initWeights(root, 3);
        std::mt19937 rng(5);
        std::vector<const Conv2d*> convs;
        for (const auto& [path, c] : prepareForFusion(root, rng))
            convs.push_back(c);
        QCOMPARE(convs.size(), size_t(6)); // conv1, conv2, features.0, conv3, conv4, listed.0.0 (declaration order)
        Tensor x(Shape{7, 3, 9, 9});
        fillRandom(x, rng);
        int observed = 0;
        const ForwardResult plain = runForward(root, x, [&](const Module&, const Tensor&, const Tensor&) { ++observed; });
        QVERIFY(plain.output);
        QVERIFY(observed > 10);
        for (const Conv2d* c : convs)
            QCOMPARE(c->fold().folds(), int64_t(0)); // observed: nothing fused
        const ForwardResult fused = runForward(root, x);
        QVERIFY(fused.output);
        QCOMPARE(fused.output->shape(), plain.output->shape());
        const double d = maxAbsDiff(*fused.output, *plain.output);
        QVERIFY2(d <= 1e-4 * std::max(1.0, maxAbs(*plain.output)), qPrintable(QString("max difference %1").arg(d)));
        // F.relu(bn(conv)), bn(conv), Sequential(conv, bn, ReLU), torch.relu(bn(conv)): fused.
        // conv3's output is also added to the BatchNorm's: not fused. The Sequential in a plain
        // list keeps training mode (eval() does not reach it): its BatchNorm uses batch statistics.
        const int64_t want[] = {1, 1, 1, 0, 1, 0};
        for (size_t i = 0; i < convs.size(); ++i)
            QVERIFY2(convs[i]->fold().folds() == want[i], qPrintable(QString("convolution %1: %2 folds").arg(i).arg(convs[i]->fold().folds())));
        QCOMPARE(fused.analysis.layerCalls.size(), plain.analysis.layerCalls.size());
        QCOMPARE(fused.analysis.totalMultAdds, plain.analysis.totalMultAdds);
    }

    // The finiteness scan that decides whether a fused ReLU may meet NaN, split over threads
    // when large: any NaN or infinity anywhere is found.
    void finiteScan()
    {
        for (int threads : {1, 2}) {
            setThreadCount(threads);
            for (int64_t n : {int64_t(1), int64_t(17), int64_t(1) << 20}) {
                std::vector<float> v(static_cast<size_t>(n), 1.5f);
                QVERIFY(layers::allFinite(v.data(), n));
                for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity()})
                    for (int64_t at : {int64_t(0), n / 2, n - 1}) {
                        v[static_cast<size_t>(at)] = bad;
                        QVERIFY(!layers::allFinite(v.data(), n));
                        v[static_cast<size_t>(at)] = -3.0e38f;
                    }
                QVERIFY(layers::allFinite(v.data(), n));
            }
        }
        setThreadCount(0);
    }

    // Residual tails fused where the shortcut's value exists before the convolution runs and
    // nothing else reads the BatchNorm's output; values as in the observed (unfused) pass.
    void residualFusionInForwardPasses()
    {
        auto r = python::importPython(kResidualModel, "residual.py");
        QVERIFY(std::holds_alternative<python::ImportResult>(r));
        Module& root = *std::get<python::ImportResult>(r).root;
        initWeights(root, 4);
        std::mt19937 rng(6);
        const std::vector<std::pair<std::string, const Conv2d*>> convs = prepareForFusion(root, rng);
        Tensor x(Shape{3, 3, 8, 9});
        fillRandom(x, rng);
        const ForwardResult plain = runForward(root, x, [](const Module&, const Tensor&, const Tensor&) {});
        QVERIFY(plain.output);
        for (const auto& [path, c] : convs)
            QCOMPARE(c->fold().folds(), int64_t(0));
        for (int threads : {1, 2}) {
            setThreadCount(threads);
            const ForwardResult fused = runForward(root, x);
            QVERIFY(fused.output);
            QCOMPARE(fused.output->shape(), plain.output->shape());
            const double d = maxAbsDiff(*fused.output, *plain.output);
            QVERIFY2(d <= 1e-4 * std::max(1.0, maxAbs(*plain.output)), qPrintable(QString("threads %1: max difference %2").arg(threads).arg(d)));
            QCOMPARE(fused.analysis.layerCalls.size(), plain.analysis.layerCalls.size());
            QCOMPARE(fused.analysis.calls.size(), plain.analysis.calls.size());
            QCOMPARE(fused.analysis.totalMultAdds, plain.analysis.totalMultAdds);
        }
        setThreadCount(0);
        const std::map<std::string, int64_t> residual{{"block.conv2", 2}, {"down.conv2", 2}, {"tails.conv1", 2},
                                                      {"tails.conv2", 2}, {"tails.conv5", 2}, {"tv.conv2", 2}};
        for (const auto& [path, c] : convs) {
            QVERIFY2(c->fold().folds() == (path == "tv.conv3" ? 0 : 1), qPrintable(QString::fromStdString(path)));
            const auto it = residual.find(path);
            QVERIFY2(c->fold().residualPasses() == (it == residual.end() ? 0 : it->second), qPrintable(QString::fromStdString(path)));
        }
    }

    // Batched Linear: a weight version that runs twice is packed, one that runs once (a
    // training step) is read in place; every pass gives the product of the current weight.
    void linearPackedOnSecondUse()
    {
        auto made = createLayer("Linear", {{"", ArgValue::ofInt(37)}, {"", ArgValue::ofInt(19)}});
        QVERIFY(std::holds_alternative<std::unique_ptr<Layer>>(made));
        auto& layer = std::get<std::unique_ptr<Layer>>(made);
        TorchGenerator gen(0);
        layer->initTensors(gen);
        const auto& linear = static_cast<const Linear&>(*layer);
        std::mt19937 rng(9);
        Tensor x(Shape{13, 37});
        fillRandom(x, rng);
        auto check = [&] {
            Tensor y;
            layer->forward(x, y);
            const Tensor& w = layer->tensors()[0];
            const Tensor& b = layer->tensors()[1];
            double d = 0;
            for (int64_t i = 0; i < 13; ++i)
                for (int64_t j = 0; j < 19; ++j) {
                    double acc = b[j];
                    for (int64_t c = 0; c < 37; ++c)
                        acc += double(x[i * 37 + c]) * w[j * 37 + c];
                    d = std::max(d, std::abs(acc - y[i * 19 + j]));
                }
            return d <= 1e-4 * std::sqrt(37.0);
        };
        QVERIFY(check());
        QCOMPARE(linear.kernel().packings(), int64_t(0)); // first use: in place
        QVERIFY(check());
        QVERIFY(check());
        const int64_t packed = linear.kernel().packings();
        // second use: packed, where oneDNN prefers a blocked layout (with AVX-512 and AVX2 it does)
        QVERIFY(packed == 0 || packed == 1);
        layer->tensors()[0][3] += 0.5f; // a training step: used once, read in place
        QVERIFY(check());
        QCOMPARE(linear.kernel().packings(), packed);
        layer->tensors()[0][4] -= 0.5f;
        QVERIFY(check());
        QVERIFY(check()); // used twice: packed again
        QCOMPARE(linear.kernel().packings(), 2 * packed);
    }

    void broadcastArithmetic()
    {
        using detail::Value;
        std::mt19937 rng(7);
        const std::vector<std::pair<Shape, Shape>> pairs{
            {Shape{7, 3, 5}, Shape{7, 3, 5}}, {Shape{7, 3, 5}, Shape{3, 1}},     {Shape{1, 5}, Shape{4, 1}},
            {Shape{2, 1, 3, 1}, Shape{5, 1, 4}}, {Shape{6}, Shape{2, 3, 6}},     {Shape{1}, Shape{3, 2}},
            {Shape{4, 1, 1}, Shape{1, 3, 2}},    {Shape{2, 3, 4, 5}, Shape{3, 1, 5}}};
        for (const auto& [sa, sb] : pairs) {
            Tensor ta(sa), tb(sb);
            fillRandom(ta, rng);
            fillRandom(tb, rng);
            const Value a = Value::ofTensor(sa, std::make_shared<Tensor>(ta));
            const Value b = Value::ofTensor(sb, std::make_shared<Tensor>(tb));
            for (char op : {'+', '-', '*'}) {
                const detail::OpResult r = detail::binaryOp(op, a, b);
                QVERIFY(r.ok());
                const Shape& out = r.value.shape;
                const int rank = out.rank();
                // Plain loop: each output index mapped to each operand by its own sizes.
                for (int64_t i = 0; i < out.numel().value_or(0); ++i) {
                    int64_t rem = i, ia = 0, ib = 0, ma = 1, mb = 1;
                    for (int d = rank - 1; d >= 0; --d) {
                        const int64_t c = rem % out[d];
                        rem /= out[d];
                        const int da = sa.rank() - rank + d, db = sb.rank() - rank + d;
                        if (da >= 0) {
                            ia += (sa[da] == 1 ? 0 : c) * ma;
                            ma *= sa[da];
                        }
                        if (db >= 0) {
                            ib += (sb[db] == 1 ? 0 : c) * mb;
                            mb *= sb[db];
                        }
                    }
                    const float p = ta[ia], q = tb[ib];
                    const float want = op == '+' ? p + q : op == '-' ? p - q : p * q;
                    QCOMPARE((*r.value.data)[i], want);
                }
            }
        }
        // Scalars on either side.
        Tensor t(Shape{3, 17});
        fillRandom(t, rng);
        const Value v = Value::ofTensor(t.shape(), std::make_shared<Tensor>(t));
        const detail::OpResult left = detail::binaryOp('-', Value::ofFloat(2.5), v);
        const detail::OpResult right = detail::binaryOp('*', v, Value::ofInt(3));
        for (int64_t i = 0; i < t.numel(); ++i) {
            QCOMPARE((*left.value.data)[i], 2.5f - t[i]);
            QCOMPARE((*right.value.data)[i], t[i] * 3.0f);
        }
    }

    void tensorVersion()
    {
        Tensor t(Shape{4});
        const Tensor& c = t;
        const uint64_t v1 = c.version();
        QCOMPARE(c.version(), v1);
        t[0] = 1.0f;
        const uint64_t v2 = c.version();
        QVERIFY(v2 != v1);
        (void)t.data();
        const uint64_t v3 = c.version();
        QVERIFY(v3 != v2);
        Tensor copy(t);
        QVERIFY(copy.version() != v3);
        Tensor moved(std::move(copy));
        QVERIFY(moved.version() != v3);
        t = Tensor(Shape{4});
        QVERIFY(c.version() != v3);
    }

    // The convolution's weight is packed once per version of its contents: every way a weight
    // changes (a write through data(), an element write as an optimizer does, a new tensor as
    // loading makes, a clone's copy-on-write) is seen by the next pass.
    void convWeightPackedOncePerVersion()
    {
        const ConvCase cc{2, 16, 9, 9, 32, 3, 1, 1, 1, 1, true};
        std::mt19937 rng(3);
        auto layer = makeConv(cc);
        const auto& conv = static_cast<const Conv2d&>(*layer);
        Tensor x(Shape{cc.n, cc.c, cc.h, cc.w});
        fillRandom(x, rng);
        const ShapeResult r = layer->outputShape(x.shape());
        QVERIFY(r.ok());
        const double tol = 1e-4 * std::sqrt(double(cc.c * cc.k * cc.k));
        auto check = [&](const Layer& l) {
            const Tensor want = referenceConv(cc, x, l.tensors()[0], &l.tensors()[1], r.shape[2], r.shape[3]);
            Tensor y;
            l.forward(x, y);
            return maxAbsDiff(y, want) <= tol;
        };
        QVERIFY(check(*layer));
        const int64_t base = conv.kernel().packings();
        QVERIFY(check(*layer));
        QVERIFY(check(*layer));
        QCOMPARE(conv.kernel().packings(), base); // unchanged weight: not packed again

        Tensor& w = layer->tensors()[0];
        w[5] += 0.75f; // an element write, as the optimizer's step makes
        QVERIFY(check(*layer));
        float* wp = w.data();
        for (int64_t i = 0; i < w.numel(); ++i)
            wp[i] *= -1.0f;
        QVERIFY(check(*layer));

        Tensor loaded(w.shape()); // a loaded weight replaces the tensor
        fillRandom(loaded, rng);
        layer->tensors()[0] = std::move(loaded);
        QVERIFY(check(*layer));

        // A clone shares the weights until either side writes; then each sees its own.
        auto clone = layer->clone();
        QVERIFY(check(static_cast<const Layer&>(*clone)));
        clone->tensors()[0][0] = 100.0f;
        QVERIFY(check(static_cast<const Layer&>(*clone)));
        QVERIFY(check(*layer));
        QCOMPARE(layer->tensors()[0][0] == 100.0f, false);

        // Two threads running layers that share one weight.
        auto shared = layer->clone();
        bool ok1 = true, ok2 = true;
        std::thread a([&] {
            for (int i = 0; i < 5; ++i)
                ok1 = check(*layer) && ok1;
        });
        std::thread b([&] {
            for (int i = 0; i < 5; ++i)
                ok2 = check(static_cast<const Layer&>(*shared)) && ok2;
        });
        a.join();
        b.join();
        QVERIFY(ok1 && ok2);
    }

    // Where a user may cancel, a large convolution runs in bands of output rows (and image by
    // image): the same numbers as in one piece, with each epilogue the fusion plans and every
    // geometry, and nothing is computed once Cancel is set.
    void largeConvolutionsStopOnCancel()
    {
        std::mt19937 rng(11);
        for (const auto& [stride, pad, dil, residual] : {std::tuple{1, 1, 1, false}, std::tuple{2, 2, 2, true}, std::tuple{1, 0, 1, true}}) {
            layers::ConvGeometry g;
            g.n = residual && stride == 1 ? 2 : 1, g.c = 64, g.h = g.w = 256 * stride, g.oc = 64, g.kh = 3, g.kw = 3;
            g.sh = g.sw = stride, g.dh = g.dw = dil, g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
            g.oh = (g.h + 2 * pad - dil * 2 - 1) / stride + 1;
            g.ow = (g.w + 2 * pad - dil * 2 - 1) / stride + 1;
            QVERIFY(g.oc * g.oh * g.ow * g.c * 9 > layers::ConvKernel::kBandMultAdds); // an image is cut into bands
            Tensor x(Shape{g.n, g.c, g.h, g.w}), w(Shape{g.oc, g.c, 3, 3}), b(Shape{g.oc}), res(Shape{g.n, g.oc, g.oh, g.ow});
            for (Tensor* t : {&x, &w, &b, &res})
                fillRandom(*t, rng);
            // The epilogues the fusion plans: an activation, or a residual sum and an activation
            // after it (oneDNN's AVX2 kernels have no activation before a sum).
            layers::ConvEpilogue ep;
            if (residual) {
                ep.residual = res.data();
                ep.after.kind = layers::ConvActivation::Kind::Relu;
            } else {
                ep.act.kind = layers::ConvActivation::Kind::Relu;
            }
            layers::ConvKernel kernel;
            Tensor whole(Shape{g.n, g.oc, g.oh, g.ow}), banded(whole.shape());
            kernel.forward(g, w, b.data(), x.data(), whole.data(), ep);
            std::atomic<bool> cancel{false};
            {
                const CancelScope scope(&cancel);
                kernel.forward(g, w, b.data(), x.data(), banded.data(), ep);
            }
            QVERIFY2(maxAbsDiff(banded, whole) <= 1e-5, qPrintable(QString::number(maxAbsDiff(banded, whole))));
            cancel = true;
            Tensor stopped(whole.shape());
            std::fill_n(stopped.data(), stopped.numel(), std::numeric_limits<float>::quiet_NaN());
            {
                const CancelScope scope(&cancel);
                kernel.forward(g, w, b.data(), x.data(), stopped.data(), ep);
            }
            QVERIFY(std::all_of(stopped.data(), stopped.data() + stopped.numel(), [](float v) { return std::isnan(v); }));
        }
    }

    void normAndPoolMatchTorch_data()
    {
        QTest::addColumn<int>("index");
        const QJsonArray cases = kernelCases();
        for (int i = 0; i < cases.size(); ++i) {
            const QJsonObject c = cases[i].toObject();
            const QString name = QString("%1 %2 %3").arg(i).arg(c["call"].toObject()["type"].toString(),
                                                          QJsonDocument(c["input_shape"].toArray()).toJson(QJsonDocument::Compact));
            QTest::newRow(qPrintable(name)) << i;
        }
    }
    void normAndPoolMatchTorch()
    {
        QFETCH(int, index);
        const QJsonObject c = kernelCases()[index].toObject();
        const QJsonObject call = c["call"].toObject();
        std::vector<LayerArgument> args;
        for (const QJsonValue& a : call["args"].toArray())
            args.push_back({a.toArray()[0].toString().toStdString(), decodeArg(a.toArray())});
        auto made = createLayer(call["type"].toString().toStdString(), args);
        QVERIFY(std::holds_alternative<std::unique_ptr<Layer>>(made));
        auto& layer = std::get<std::unique_ptr<Layer>>(made);
        TorchGenerator gen(0);
        layer->initTensors(gen);
        const QJsonArray state = c["state"].toArray();
        QCOMPARE(layer->tensors().size(), size_t(state.size()));
        for (int i = 0; i < state.size(); ++i)
            fillFrom(layer->tensors()[size_t(i)], state[i].toArray());
        Tensor x(shapeOf(c["input_shape"].toArray()));
        fillFrom(x, c["input"].toArray());
        const QJsonArray want = c["output"].toArray();
        double scale = 0.0;
        for (const QJsonValue& v : want)
            scale = std::max(scale, v.isNull() ? 0.0 : std::abs(v.toDouble()));
        for (int threads : {1, 2}) {
            setThreadCount(threads);
            Tensor y;
            layer->forward(x, y);
            QCOMPARE(y.shape(), shapeOf(c["output_shape"].toArray()));
            for (int64_t i = 0; i < y.numel(); ++i) {
                const QJsonValue w = want[int(i)];
                if (w.isNull()) {
                    QVERIFY2(std::isnan(y[i]), qPrintable(QString("element %1 should be NaN").arg(i)));
                    continue;
                }
                QVERIFY2(std::abs(y[i] - w.toDouble()) <= 1e-4 * std::max(scale, 1.0),
                         qPrintable(QString("threads %1, element %2: %3, PyTorch %4").arg(threads).arg(i).arg(y[i]).arg(w.toDouble())));
            }
        }
        setThreadCount(0);
    }

    void viewLayersForward()
    {
        for (const char* type : {"Flatten", "Identity", "Dropout"}) {
            auto made = createLayer(type, {});
            QVERIFY(std::holds_alternative<std::unique_ptr<Layer>>(made));
            const auto& layer = std::get<std::unique_ptr<Layer>>(made);
            // forward() produces the values (a copy); the interpreter shares storage instead.
            Tensor x(Shape{2, 3, 4});
            std::mt19937 rng(1);
            fillRandom(x, rng);
            Tensor y;
            layer->forward(x, y);
            QCOMPARE(y.numel(), x.numel());
            QCOMPARE(maxAbsDiff(x, y), 0.0);
        }
    }
};

QTEST_APPLESS_MAIN(TestKernels)
#include "tst_kernels.moc"
