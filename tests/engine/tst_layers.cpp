// Layers against PyTorch: repr, parameters, shapes, messages, eval forward and default init.
// Reference data: tests/data/layers/layers.json, written by gen_layers.py (torch).

#include "engine/layer.h"
#include "engine/layers/conv.h"
#include "engine/layers/linear.h"
#include "engine/layers/norm.h"
#include "engine/module.h"
#include "engine/parallel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace ml;

namespace {

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
    if (kind == "str")
        return ArgValue::ofStr(v.toString().toStdString());
    std::vector<int64_t> t;
    for (const QJsonValue& e : v.toArray())
        t.push_back(e.isNull() ? kTupleNone : e.toInteger());
    return ArgValue::ofTuple(std::move(t));
}

std::variant<std::unique_ptr<Layer>, std::string> build(const QJsonObject& call)
{
    std::vector<LayerArgument> args;
    for (const QJsonValue& a : call["args"].toArray())
        args.push_back({a.toArray()[0].toString().toStdString(), decodeArg(a.toArray())});
    return createLayer(call["type"].toString().toStdString(), args);
}

std::unique_ptr<Layer> mustBuild(const QJsonObject& call)
{
    auto r = build(call);
    if (auto* err = std::get_if<std::string>(&r))
        qFatal("cannot build %s: %s", qPrintable(call["type"].toString()), err->c_str());
    return std::move(std::get<std::unique_ptr<Layer>>(r));
}

Shape shapeOf(const QJsonValue& v)
{
    std::vector<int64_t> d;
    for (const QJsonValue& e : v.toArray())
        d.push_back(e.toInteger());
    return Shape(std::move(d));
}

Tensor tensorOf(const Shape& s, const QJsonArray& values)
{
    Tensor t(s);
    if (t.numel() != values.size())
        qFatal("reference data: %lld values for shape %s", static_cast<long long>(values.size()), s.toString().c_str());
    for (int64_t i = 0; i < t.numel(); ++i)
        t[i] = static_cast<float>(values[static_cast<qsizetype>(i)].toDouble());
    return t;
}

QString describe(const QJsonObject& call)
{
    return QString::fromUtf8(QJsonDocument(call).toJson(QJsonDocument::Compact));
}

std::unique_ptr<Layer> make(std::string_view type, std::vector<LayerArgument> args)
{
    auto r = createLayer(type, args);
    if (auto* err = std::get_if<std::string>(&r))
        qFatal("cannot build %s: %s", std::string(type).c_str(), err->c_str());
    return std::move(std::get<std::unique_ptr<Layer>>(r));
}

std::string makeError(std::string_view type, std::vector<LayerArgument> args)
{
    auto r = createLayer(type, args);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("<no error>");
}

LayerArgument I(int64_t v) { return {"", ArgValue::ofInt(v)}; }
LayerArgument K(const char* name, ArgValue v) { return {name, std::move(v)}; }

} // namespace

class TestLayers : public QObject {
    Q_OBJECT

private:
    QJsonObject m_data;

private slots:
    void initTestCase()
    {
        QFile f(QStringLiteral(MODULELAB_TEST_DATA "/layers/layers.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), "tests/data/layers/layers.json is missing: run gen_layers.py");
        m_data = QJsonDocument::fromJson(f.readAll()).object();
        QVERIFY(!m_data.isEmpty());
    }

    void registryHasEveryLayer()
    {
        const char* expected[] = {"Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Linear", "ReLU", "LeakyReLU",
                                  "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MaxPool2d", "AvgPool2d",
                                  "AdaptiveAvgPool2d", "Flatten", "Dropout", "Dropout2d", "Identity",
                                  "ConvTranspose2d", "Conv1d", "MaxPool1d", "AvgPool1d", "AdaptiveMaxPool2d", "GroupNorm",
                                  "InstanceNorm2d", "ReLU6", "ELU", "SELU", "PReLU", "Hardswish", "Hardsigmoid", "Softplus",
                                  "Mish", "Upsample", "PixelShuffle", "ZeroPad2d", "ReflectionPad2d", "ReplicationPad2d", "Dropout1d"};
        QCOMPARE(layerRegistry().size(), std::size(expected));
        const QStringList groups{"Convolution", "Normalization", "Linear", "Activation", "Pooling", "Reshape", "Regularization"};
        for (const char* name : expected) {
            const LayerSchema* s = findLayerSchema(name);
            QVERIFY2(s, name);
            QVERIFY2(groups.contains(QString::fromUtf8(s->group.data(), static_cast<int>(s->group.size()))), name);
            for (const ArgSpec& a : s->args)
                QVERIFY2(!a.help.empty(), name);
            std::unique_ptr<Layer> l = createExampleLayer(name);
            QVERIFY2(l, name);
            QCOMPARE(l->typeName(), std::string(name));
        }
        QCOMPARE(Conv2d::staticSchema().args[4].name, std::string_view("padding"));
        QCOMPARE(Conv2d::staticSchema().args[8].name, std::string_view("padding_mode"));
        QCOMPARE(findLayerSchema("LayerNorm")->indexOf("bias"), 3);
    }

    void reprAndParameters()
    {
        for (const QJsonValue& v : m_data["repr"].toArray()) {
            const QJsonObject c = v.toObject();
            std::unique_ptr<Layer> l = mustBuild(c["call"].toObject());
            const QString what = describe(c["call"].toObject());
            QVERIFY2(repr(*l) == c["repr"].toString().toStdString(),
                     qPrintable(what + " gives " + QString::fromStdString(repr(*l))));
            const std::vector<TensorSpec> specs = l->tensorSpecs();
            const QJsonArray ref = c["specs"].toArray();
            QVERIFY2(specs.size() == static_cast<size_t>(ref.size()), qPrintable(what));
            for (qsizetype i = 0; i < ref.size(); ++i) {
                const QJsonObject r = ref[i].toObject();
                const TensorSpec& s = specs[static_cast<size_t>(i)];
                QCOMPARE(QString::fromStdString(s.name), r["name"].toString());
                QVERIFY2(s.shape == shapeOf(r["shape"]), qPrintable(what + " " + r["name"].toString()));
                QCOMPARE(s.isBuffer, r["buffer"].toBool());
                QCOMPARE(s.isInteger, r["integer"].toBool(false));
            }
            QCOMPARE(countParameters(*l).total, c["params"].toInteger());
        }
    }

    void constructorErrors()
    {
        for (const QJsonValue& v : m_data["ctor_errors"].toArray()) {
            const QJsonObject c = v.toObject();
            auto r = build(c["call"].toObject());
            QVERIFY2(std::holds_alternative<std::string>(r), qPrintable(describe(c["call"].toObject())));
            QCOMPARE(QString::fromStdString(std::get<std::string>(r)), c["error"].toString());
        }
    }

    void ownValidation()
    {
        QCOMPARE(makeError("Conv2d", {I(-1), I(8), I(3)}), std::string("in_channels must be a positive integer, got -1"));
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(0)}).find("kernel_size must be positive") == 0);
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(3), K("stride", ArgValue::ofTuple({0, 1}))})
                    .find("(PyTorch: non-positive stride is not supported)") != std::string::npos);
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(3), K("padding", ArgValue::ofInt(-1))}).find("negative padding") != std::string::npos);
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(3), K("dilation", ArgValue::ofInt(0))}).find("dilation") == 0);
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(3), K("padding", ArgValue::ofStr("full"))}).find("padding") != std::string::npos);
        QVERIFY(makeError("Conv2d", {I(3), I(8), I(3), K("padding_mode", ArgValue::ofStr("mirror"))}).find("padding_mode") != std::string::npos);
        QVERIFY(makeError("Conv2d", {I(1) , I(INT64_MAX / 2), I(3)}).find("64-bit") != std::string::npos);
        QCOMPARE(makeError("Linear", {I(0), I(5)}), std::string("in_features must be a positive integer, got 0"));
        QVERIFY(makeError("Linear", {I(INT64_MAX / 2), I(3)}).find("64-bit") != std::string::npos);
        QCOMPARE(makeError("BatchNorm2d", {I(-3)}), std::string("num_features must be a positive integer, got -3"));
        QVERIFY(makeError("LayerNorm", {K("normalized_shape", ArgValue::ofTuple({4, 0}))}).find("positive") != std::string::npos);
        QCOMPARE(makeError("MaxPool2d", {I(3), K("padding", ArgValue::ofInt(2))}),
                 std::string("MaxPool2d: padding 2 is more than half of kernel_size 3: use padding <= 1 or a larger kernel"
                             " (PyTorch: pad should be at most half of kernel size, but got pad=2 and kernel_size=3)"));
        QVERIFY(makeError("MaxPool2d", {I(0)}).find("(PyTorch: stride should not be zero)") != std::string::npos);
        QVERIFY(makeError("MaxPool2d", {I(0), I(1)}).find("kernel size should be greater than zero, but got kH: 0 kW: 0") != std::string::npos);
        QVERIFY(makeError("MaxPool2d", {I(2), K("return_indices", ArgValue::ofBool(true))}).find("tuple") != std::string::npos);
        QVERIFY(makeError("AvgPool2d", {I(2), K("divisor_override", ArgValue::ofInt(0))}).find("divisor must be not zero") != std::string::npos);
        QVERIFY(makeError("AdaptiveAvgPool2d", {I(-1)}).find("received {-1, -1}") != std::string::npos);
        QVERIFY(makeError("GELU", {K("approximate", ArgValue::ofStr("fast"))}).find("approximate") != std::string::npos);
        QVERIFY(makeError("Conv2d", {I(3), I(8)}).find("missing required argument 'kernel_size'") != std::string::npos);

        // Absurd input shapes give messages, not overflow.
        QVERIFY(!make("Conv2d", {I(3), I(8), I(3)})->outputShape(Shape{1, 3, INT64_MAX / 2, 5}).ok());
        QVERIFY(!make("MaxPool2d", {I(2)})->outputShape(Shape{1, 3, INT64_MAX / 2, 5}).ok());
        QVERIFY(!make("Linear", {I(4), I(1'000'000'000)})->outputShape(Shape{INT64_MAX / 4, 4}).ok());

        // A failed setArg leaves the layer unchanged.
        std::unique_ptr<Layer> conv = make("Conv2d", {I(4), I(8), I(3)});
        QVERIFY(conv->setArg("groups", ArgValue::ofInt(3)).has_value());
        QCOMPARE(conv->extraRepr(), std::string("4, 8, kernel_size=(3, 3), stride=(1, 1)"));
        QVERIFY(!conv->setArg("groups", ArgValue::ofInt(2)).has_value());
        QCOMPARE(conv->extraRepr(), std::string("4, 8, kernel_size=(3, 3), stride=(1, 1), groups=2"));
    }

    void hugeLinearIsMetadata()
    {
        std::unique_ptr<Layer> l = make("Linear", {I(10'000'000), I(10'000'000)});
        QCOMPARE(countParameters(*l).total, int64_t{100'000'000'000'000} + 10'000'000);
        const ShapeResult r = l->outputShape(Shape{64, 10'000'000});
        QVERIFY(r.ok());
        QCOMPARE(l->multAdds(Shape{64, 10'000'000}, r.shape), (int64_t{100'000'000'000'000} + 10'000'000) * 64);
        QVERIFY(!l->hasTensors());
    }

    void shapes()
    {
        for (const QJsonValue& v : m_data["shapes"].toArray()) {
            const QJsonObject c = v.toObject();
            std::unique_ptr<Layer> l = mustBuild(c["call"].toObject());
            const Shape in = shapeOf(c["input"]);
            const ShapeResult r = l->outputShape(in);
            const QString what = describe(c["call"].toObject()) + " on " + QString::fromStdString(in.toString());
            if (c.contains("output")) {
                QVERIFY2(r.ok(), qPrintable(what + ": " + QString::fromStdString(r.error)));
                QVERIFY2(r.shape == shapeOf(c["output"]), qPrintable(what + " gives " + QString::fromStdString(r.shape.toString())));
            } else {
                QVERIFY2(!r.ok(), qPrintable(what + " should fail"));
                const std::string torch = "(PyTorch: " + c["error"].toString().toStdString() + ")";
                QVERIFY2(r.error.size() > torch.size() && r.error.compare(r.error.size() - torch.size(), torch.size(), torch) == 0,
                         qPrintable(what + ": " + QString::fromStdString(r.error)));
            }
        }
    }

    void studentMessages()
    {
        QCOMPARE(make("BatchNorm2d", {I(32)})->outputShape(Shape{1, 64, 28, 28}).error,
                 std::string("BatchNorm2d(32) receives 64 channels: use BatchNorm2d(64) (PyTorch: running_mean should contain 64 elements not 32)"));
        QCOMPARE(make("Linear", {I(25088), I(1024)})->outputShape(Shape{1, 50176}).error,
                 std::string("Linear(in_features=25088) receives 50176 features: use Linear(50176, 1024) (PyTorch: mat1 and mat2 shapes "
                             "cannot be multiplied (1x50176 and 25088x1024))"));
        QCOMPARE(make("Conv2d", {I(32), I(64), I(3)})->outputShape(Shape{1, 64, 28, 28}).error,
                 std::string("Conv2d(32, 64) receives 64 channels: use Conv2d(64, 64, ...) (PyTorch: Given groups=1, weight of size "
                             "[64, 32, 3, 3], expected input[1, 64, 28, 28] to have 32 channels, but got 64 channels instead)"));
        const std::string small = make("Conv2d", {I(32), I(64), I(5)})->outputShape(Shape{1, 32, 3, 3}).error;
        QVERIFY2(small.find("kernel of 5 x 5") != std::string::npos && small.find("only 3 x 3") != std::string::npos, small.c_str());
        const std::string pool = make("MaxPool2d", {I(2)})->outputShape(Shape{1, 8, 1, 1}).error;
        QVERIFY2(pool.find("1 x 1 input") != std::string::npos && pool.find("(0 x 0)") != std::string::npos, pool.c_str());
        const std::string rank = make("BatchNorm1d", {I(8)})->outputShape(Shape{2, 8, 4, 4}).error;
        QVERIFY2(rank.find("4D") != std::string::npos && rank.find("BatchNorm2d") != std::string::npos, rank.c_str());
        const std::string ln = make("LayerNorm", {I(64)})->outputShape(Shape{2, 32}).error;
        QVERIFY2(ln.find("use LayerNorm(32)") != std::string::npos && ln.find("[64]") != std::string::npos, ln.c_str());
    }

    void multAdds()
    {
        // torchinfo's convention, as the seed network fixtures use it.
        std::unique_ptr<Layer> c1 = make("Conv2d", {I(1), I(32), I(3)});
        QCOMPARE(c1->multAdds(Shape{64, 1, 28, 28}, Shape{64, 32, 26, 26}), int64_t{320} * 64 * 26 * 26);
        std::unique_ptr<Layer> c2 = make("Conv2d", {I(32), I(64), I(3), K("bias", ArgValue::ofBool(false))});
        QCOMPARE(c2->multAdds(Shape{32, 26, 26}, Shape{64, 24, 24}), int64_t{18432} * 24 * 24);
        std::unique_ptr<Layer> fc = make("Linear", {I(50176), I(1024)});
        QCOMPARE(fc->multAdds(Shape{64, 50176}, Shape{64, 1024}), int64_t{51381248} * 64);
        QCOMPARE(fc->multAdds(Shape{50176}, Shape{1024}), int64_t{51381248});
        QCOMPARE(fc->multAdds(Shape{2, 3, 50176}, Shape{2, 3, 1024}), int64_t{51381248} * 6);
        std::unique_ptr<Layer> bn = make("BatchNorm2d", {I(32)});
        QCOMPARE(bn->multAdds(Shape{64, 32, 26, 26}, Shape{64, 32, 26, 26}), int64_t{64} * 64);
        std::unique_ptr<Layer> ln = make("LayerNorm", {K("normalized_shape", ArgValue::ofTuple({4, 8}))});
        QCOMPARE(ln->multAdds(Shape{5, 4, 8}, Shape{5, 4, 8}), int64_t{5} * 64);
        // "Conv" in the class name: parameters x N x output positions, for 1-D and transposed too.
        std::unique_ptr<Layer> ct = make("ConvTranspose2d", {I(16), I(8), I(4), I(2), I(1)});
        QCOMPARE(ct->multAdds(Shape{2, 16, 8, 8}, Shape{2, 8, 16, 16}), int64_t{2056} * 2 * 16 * 16);
        QCOMPARE(ct->multAdds(Shape{16, 8, 8}, Shape{8, 16, 16}), int64_t{2056} * 16 * 16);
        std::unique_ptr<Layer> c1d = make("Conv1d", {I(3), I(8), I(3)});
        QCOMPARE(c1d->multAdds(Shape{2, 3, 10}, Shape{2, 8, 8}), int64_t{80} * 2 * 8);
        std::unique_ptr<Layer> prelu = make("PReLU", {I(3)});
        QCOMPARE(prelu->multAdds(Shape{2, 3, 4, 4}, Shape{2, 3, 4, 4}), int64_t{2} * 3);
        for (const char* free : {"ReLU", "MaxPool2d", "Flatten", "Dropout", "Softmax", "Upsample", "PixelShuffle", "ZeroPad2d",
                                  "ReflectionPad2d", "ReplicationPad2d", "MaxPool1d", "AdaptiveMaxPool2d", "Mish", "Dropout1d"}) {
            std::unique_ptr<Layer> l = createExampleLayer(free);
            QCOMPARE(l->multAdds(Shape{64, 32, 26, 26}, Shape{64, 32, 13, 13}), int64_t{0});
        }
    }

    void forwardMatchesTorch_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("threads");
        const QJsonArray cases = m_data["forward"].toArray();
        for (int t : {1, 2})
            for (int i = 0; i < cases.size(); ++i)
                QTest::addRow("%d %s threads=%d", i, qPrintable(describe(cases[i].toObject()["call"].toObject())), t) << i << t;
    }

    void forwardMatchesTorch()
    {
        QFETCH(int, index);
        QFETCH(int, threads);
        setThreadCount(threads);
        const QJsonObject c = m_data["forward"].toArray()[index].toObject();
        std::unique_ptr<Layer> l = mustBuild(c["call"].toObject());
        const QJsonObject state = c["state"].toObject();
        for (const TensorSpec& s : l->tensorSpecs()) {
            QVERIFY2(state.contains(QString::fromStdString(s.name)), s.name.c_str());
            l->tensors().push_back(tensorOf(s.shape, state[QString::fromStdString(s.name)].toArray()));
        }
        QVERIFY(l->hasTensors());
        const Tensor in = tensorOf(shapeOf(c["input_shape"]), c["input"].toArray());
        const ShapeResult r = l->outputShape(in.shape());
        QVERIFY2(r.ok(), r.error.c_str());
        QVERIFY(r.shape == shapeOf(c["output_shape"]));
        Tensor out;
        l->forward(in, out);
        QVERIFY(out.shape() == r.shape);
        const QJsonArray ref = c["output"].toArray();
        QCOMPARE(out.numel(), static_cast<int64_t>(ref.size()));
        double scale = 1e-3;
        for (const QJsonValue& v : ref)
            scale = std::max(scale, std::abs(v.toDouble()));
        for (int64_t i = 0; i < out.numel(); ++i) {
            const double want = ref[static_cast<qsizetype>(i)].toDouble();
            if (!(std::abs(out[i] - want) <= 1e-4 * scale))
                QFAIL(qPrintable(QStringLiteral("element %1: got %2, PyTorch %3").arg(i).arg(out[i], 0, 'g', 9).arg(want, 0, 'g', 9)));
        }
        setThreadCount(0);
    }

    void defaultInitIsBitExact()
    {
        for (const QJsonValue& v : m_data["init"].toArray()) {
            const QJsonObject c = v.toObject();
            TorchGenerator gen(static_cast<uint64_t>(c["seed"].toInteger()));
            const QJsonArray calls = c["calls"].toArray();
            for (qsizetype k = 0; k < calls.size(); ++k) {
                std::unique_ptr<Layer> l = mustBuild(calls[k].toObject());
                l->initTensors(gen);
                QVERIFY(l->hasTensors());
                const QJsonObject state = c["states"].toArray()[k].toObject();
                const std::vector<TensorSpec> specs = l->tensorSpecs();
                QCOMPARE(static_cast<qsizetype>(specs.size()), state.size());
                for (size_t s = 0; s < specs.size(); ++s) {
                    const QJsonArray ref = state[QString::fromStdString(specs[s].name)].toArray();
                    const Tensor& t = l->tensors()[s];
                    QCOMPARE(t.numel(), static_cast<int64_t>(ref.size()));
                    for (int64_t i = 0; i < t.numel(); ++i) {
                        const float want = static_cast<float>(ref[static_cast<qsizetype>(i)].toDouble());
                        if (std::memcmp(t.data() + i, &want, sizeof(float)) != 0)
                            QFAIL(qPrintable(QStringLiteral("%1 %2[%3]: got %4, PyTorch %5")
                                                 .arg(describe(calls[k].toObject()), QString::fromStdString(specs[s].name))
                                                 .arg(i).arg(t[i], 0, 'g', 9).arg(want, 0, 'g', 9)));
                    }
                }
            }
        }
    }

    // The threaded conv paths (whole images per thread, one image cut into row blocks) and the
    // Linear paths (blocked matrix-vector, split GEMM) against plain loops in double.
    void convThreadedMatchesDirect_data()
    {
        QTest::addColumn<QList<int>>("geometry"); // n, cin, cout, k, stride, pad, groups, h, w
        QTest::addRow("small grouped strided") << QList<int>{5, 8, 12, 3, 2, 1, 2, 11, 10};
        QTest::addRow("batch 1, row blocks") << QList<int>{1, 32, 64, 3, 1, 1, 1, 28, 28};
        QTest::addRow("batch 1, grouped strided row blocks") << QList<int>{1, 32, 64, 3, 2, 1, 2, 24, 25};
        QTest::addRow("batch 3, 1x1") << QList<int>{3, 64, 48, 1, 1, 0, 1, 14, 13};
    }

    void convThreadedMatchesDirect()
    {
        QFETCH(QList<int>, geometry);
        const int n = geometry[0], cin = geometry[1], cout = geometry[2], k = geometry[3], stride = geometry[4], pad = geometry[5],
                  groups = geometry[6], h = geometry[7], w = geometry[8];
        std::unique_ptr<Layer> conv = make("Conv2d", {I(cin), I(cout), I(k), K("stride", ArgValue::ofInt(stride)),
                                                      K("padding", ArgValue::ofInt(pad)), K("groups", ArgValue::ofInt(groups))});
        TorchGenerator gen(7);
        conv->initTensors(gen);
        Tensor in(Shape{n, cin, h, w});
        for (int64_t i = 0; i < in.numel(); ++i)
            in[i] = gen.uniform(-1.0, 1.0);
        const Shape os = conv->outputShape(in.shape()).shape;
        const Tensor& wt = conv->tensors()[0];
        const Tensor& b = conv->tensors()[1];
        const int cinG = cin / groups, coutG = cout / groups;
        std::vector<double> ref(static_cast<size_t>(os.numel().value()));
        for (int64_t bi = 0; bi < n; ++bi)
            for (int64_t oc = 0; oc < cout; ++oc)
                for (int64_t oy = 0; oy < os[2]; ++oy)
                    for (int64_t ox = 0; ox < os[3]; ++ox) {
                        double acc = b[oc];
                        const int64_t g = oc / coutG;
                        for (int64_t ic = 0; ic < cinG; ++ic)
                            for (int64_t ky = 0; ky < k; ++ky)
                                for (int64_t kx = 0; kx < k; ++kx) {
                                    const int64_t iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                        continue;
                                    acc += double(wt[((oc * cinG + ic) * k + ky) * k + kx]) * in[((bi * cin + g * cinG + ic) * h + iy) * w + ix];
                                }
                        ref[static_cast<size_t>(((bi * cout + oc) * os[2] + oy) * os[3] + ox)] = acc;
                    }
        for (int threads : {1, 2}) {
            setThreadCount(threads);
            Tensor out;
            conv->forward(in, out);
            QVERIFY(out.shape() == os);
            for (int64_t i = 0; i < out.numel(); ++i)
                if (!(std::abs(out[i] - ref[static_cast<size_t>(i)]) < 1e-4))
                    QFAIL(qPrintable(QStringLiteral("threads=%1 element %2: %3 vs %4").arg(threads).arg(i).arg(out[i]).arg(ref[static_cast<size_t>(i)])));
        }
        setThreadCount(0);
    }

    void linearPathsMatchNaive_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("out");
        QTest::addRow("vector, k-blocked") << 1 << 9000 << 37;
        QTest::addRow("few rows") << 5 << 4200 << 50;
        QTest::addRow("split GEMM") << 40 << 700 << 100;
    }

    void linearPathsMatchNaive()
    {
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(int, out);
        std::unique_ptr<Layer> fc = make("Linear", {I(in), I(out)});
        TorchGenerator gen(3);
        fc->initTensors(gen);
        Tensor x(Shape{rows, in});
        for (int64_t i = 0; i < x.numel(); ++i)
            x[i] = gen.uniform(-1.0, 1.0);
        const Tensor& wt = fc->tensors()[0];
        const Tensor& b = fc->tensors()[1];
        for (int threads : {1, 2}) {
            setThreadCount(threads);
            Tensor y;
            fc->forward(x, y);
            QVERIFY(y.shape() == (Shape{rows, out}));
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t j = 0; j < out; ++j) {
                    double acc = b[j];
                    for (int64_t c = 0; c < in; ++c)
                        acc += double(x[r * in + c]) * wt[j * in + c];
                    QVERIFY2(std::abs(y[r * out + j] - acc) < 1e-4, qPrintable(QStringLiteral("threads=%1 [%2, %3]").arg(threads).arg(r).arg(j)));
                }
        }
        setThreadCount(0);
    }

    void threadCountSetting()
    {
        setThreadCount(1);
        QCOMPARE(threadCount(), 1);
        setThreadCount(2);
        QCOMPARE(threadCount(), 2);
        setThreadCount(0);
        QVERIFY(threadCount() >= 1);
    }
};

QTEST_APPLESS_MAIN(TestLayers)
#include "tst_layers.moc"
