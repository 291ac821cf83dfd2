// DiagramView: boxes and arrows for the seed networks, status colours, selection, export, speed.
#include "app/diagram/diagramitems.h"
#include "app/diagram/diagramstyle.h"
#include "app/diagram/diagramview.h"
#include "engine/analysis/analysis.h"
#include "engine/modelfile.h"
#include "tests/common/analysedmodel.h"

#include <QElapsedTimer>
#include <QFile>
#include <QGraphicsScene>
#include <QImageReader>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <memory>
#include <set>
#include <variant>

using namespace ml;
using namespace ml::ui;

namespace {

using Loaded = test::AnalysedModel;

Loaded loadData(const char* relative) { return test::loadAnalysed(QStringLiteral(MODULELAB_SOURCE_DIR "/") + QLatin1String(relative)); }

std::map<BoxStyle, int> styleCounts(const DiagramView& view)
{
    std::map<BoxStyle, int> counts;
    for (QGraphicsItem* item : view.scene()->items())
        if (auto* b = dynamic_cast<BoxItem*>(item))
            ++counts[b->style()];
    return counts;
}

std::vector<const EdgeItem*> edges(const DiagramView& view, DiagramEdge::Kind kind)
{
    std::vector<const EdgeItem*> out;
    for (QGraphicsItem* item : view.scene()->items())
        if (auto* e = dynamic_cast<EdgeItem*>(item); e && e->edge().kind == kind)
            out.push_back(e);
    return out;
}

const char* kShuffled = R"(class Shuffled(nn.Module):
    def __init__(self):
        super().__init__()
        self.lst = nn.ModuleList([nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh()])

    def forward(self, x):
        x = self.lst[2](x)
        x = self.lst[0](x)
        x = self.lst[3](x)
        x = self.lst[1](x)
        return x


model = Shuffled()
# input: 2,4
)";

// ResNet's bottleneck: one ReLU called three times, a downsample beside the main path and an
// addition: its arrows jump back and forth, their shape labels must not share a spot.
const char* kBottleneck = R"(class Bottleneck(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(64, 16, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 64, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Sequential(nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64))

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)
        out = self.conv3(out)
        out = self.bn3(out)
        identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(Bottleneck(), Bottleneck())

    def forward(self, x):
        return self.layer1(x)


model = Net()
# input: 1,64,8,8
)";

} // namespace

class TestDiagram : public QObject {
    Q_OBJECT
private slots:
    void boxesOfTheSeedNetworks_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("custom");
        QTest::addColumn<int>("sequential");
        QTest::addColumn<int>("shelves");
        QTest::addColumn<int>("layers");
        QTest::newRow("net") << "tests/data/seed/net.py" << 1 << 0 << 0 << 6;
        QTest::newRow("net_sequential_fixed") << "tests/data/seed/net_sequential_fixed.py" << 1 << 3 << 0 << 9;
        QTest::newRow("net_modulelist") << "tests/data/seed/net_modulelist.py" << 1 << 0 << 1 << 10;
        QTest::newRow("nested_containers") << "tests/data/python/nested_containers.py" << 1 << 3 << 2 << 14;
    }
    void boxesOfTheSeedNetworks()
    {
        QFETCH(QString, file);
        QFETCH(int, custom);
        QFETCH(int, sequential);
        QFETCH(int, shelves);
        QFETCH(int, layers);
        const Loaded m = loadData(qPrintable(file));
        DiagramView view;
        view.setModel(m.root.get(), &m.analysis);
        auto counts = styleCounts(view);
        QCOMPARE(counts[BoxStyle::Custom], custom);
        QCOMPARE(counts[BoxStyle::Sequential], sequential);
        QCOMPARE(counts[BoxStyle::Shelf], shelves);
        QCOMPARE(counts[BoxStyle::Layer], layers);
        QCOMPARE(counts[BoxStyle::PlainShelf], 0);
        QCOMPARE(view.boxCount(), custom + sequential + shelves + layers);
        // Every box lies inside its parent's box.
        for (const NamedModule& nm : namedModules(*m.root)) {
            if (!nm.module->parent())
                continue;
            const BoxItem* child = view.boxForPath(QString::fromStdString(nm.path));
            const BoxItem* parent = view.boxForPath(QString::fromStdString(nm.module->parent()->path()));
            QVERIFY(child && parent);
            QVERIFY2(parent->box().rect.contains(child->box().rect), qPrintable(QString::fromStdString(nm.path)));
        }
    }

    void sequentialArrowsInStoredOrder()
    {
        const Loaded m = loadData("tests/data/seed/net_sequential_fixed.py");
        DiagramView view;
        view.setModel(m.root.get(), &m.analysis);
        // Two arrows inside each of the three blocks; the custom forward joins the blocks.
        QCOMPARE(edges(view, DiagramEdge::Kind::Sequence).size(), size_t(6));
        const auto flow = edges(view, DiagramEdge::Kind::Flow);
        QCOMPARE(flow.size(), size_t(2));
        std::set<QString> labels;
        for (const EdgeItem* e : flow) {
            QVERIFY(!e->edge().side); // adjacent siblings: straight down
            labels.insert(e->edge().label + QLatin1Char('|') + e->edge().ops);
        }
        // Into the decoder flows what x.view(...) made of conv_block2's output.
        QCOMPARE(QStringList(labels.begin(), labels.end()).join(QLatin1Char(';')), QStringLiteral("[1, 32, 28, 28]|;[1, 50176]|.view()"));
        QCOMPARE(view.boxForPath(QStringLiteral("conv_block2"))->box().callNumbers, QList<int>{2});
        // Arrows point down, from one box's bottom to the next one's top.
        const QRectF a = view.boxForPath(QStringLiteral("conv_block1.0"))->box().rect;
        const QRectF b = view.boxForPath(QStringLiteral("conv_block1.1"))->box().rect;
        bool found = false;
        for (const EdgeItem* e : edges(view, DiagramEdge::Kind::Sequence))
            if (e->edge().points.front().y() == a.bottom() && e->edge().points.back().y() == b.top())
                found = e->edge().label == QStringLiteral("[1, 32, 28, 28]");
        QVERIFY(found);
    }

    void shelfHasNoArrowsInsideButForwardJumpsBetweenSlots()
    {
        const Loaded inOrder = loadData("resources/examples/net_modulelist_fixed.py");
        DiagramView view;
        view.setModel(inOrder.root.get(), &inOrder.analysis);
        QVERIFY(edges(view, DiagramEdge::Kind::Sequence).empty());
        auto flow = edges(view, DiagramEdge::Kind::Flow);
        QCOMPARE(flow.size(), size_t(9));
        std::set<double> lanes;
        for (const EdgeItem* e : flow) {
            QVERIFY(e->edge().side);
            lanes.insert(e->edge().points[1].x());
        }
        QCOMPARE(lanes.size(), size_t(1)); // in order: one lane of short hops
        for (int k = 0; k < 10; ++k)
            QCOMPARE(view.boxForPath(QStringLiteral("module_list.%1").arg(k))->box().callNumbers, QList<int>{k + 1});

        const Loaded shuffled = test::loadAnalysedSource(QString::fromUtf8(kShuffled));
        view.setModel(shuffled.root.get(), &shuffled.analysis);
        QCOMPARE(view.boxForPath(QStringLiteral("lst.2"))->box().callNumbers, QList<int>{1});
        QCOMPARE(view.boxForPath(QStringLiteral("lst.0"))->box().callNumbers, QList<int>{2});
        QCOMPARE(view.boxForPath(QStringLiteral("lst.3"))->box().callNumbers, QList<int>{3});
        QCOMPARE(view.boxForPath(QStringLiteral("lst.1"))->box().callNumbers, QList<int>{4});
        flow = edges(view, DiagramEdge::Kind::Flow);
        QCOMPARE(flow.size(), size_t(3));
        lanes.clear();
        for (const EdgeItem* e : flow)
            lanes.insert(e->edge().points[1].x());
        QVERIFY2(lanes.size() >= 2, "overlapping jumps need separate lanes");
        // The first jump runs from slot 2 up to slot 0.
        const QRectF s2 = view.boxForPath(QStringLiteral("lst.2"))->box().rect;
        const QRectF s0 = view.boxForPath(QStringLiteral("lst.0"))->box().rect;
        bool found = false;
        for (const EdgeItem* e : flow) {
            const QPolygonF& p = e->edge().points;
            if (s2.contains(p.front() - QPointF(1, 0)) && s0.contains(p.back() - QPointF(1, 0)))
                found = true;
        }
        QVERIFY(found);
    }

    // No two text labels of arrows (shapes and operations) overlap, nor a label and a box.
    void arrowLabelsDoNotOverlap()
    {
        const Loaded net = test::loadAnalysedSource(QString::fromUtf8(kBottleneck));
        DiagramView view;
        view.setModel(net.root.get(), &net.analysis);
        std::vector<QRectF> labels;
        for (const EdgeItem* e : edges(view, DiagramEdge::Kind::Flow)) {
            if (!e->edge().side)
                continue;
            if (!e->edge().label.isEmpty())
                labels.push_back(e->mapRectToScene(e->labelRect()));
            if (!e->edge().ops.isEmpty())
                labels.push_back(e->mapRectToScene(e->opsRect()));
        }
        QVERIFY(labels.size() >= 8);
        // Each side label stands beside its own arrow's lanes, within the arrow's height.
        for (const EdgeItem* e : edges(view, DiagramEdge::Kind::Flow))
            if (e->edge().side && !e->edge().label.isEmpty()) {
                const QPolygonF& p = e->edge().points;
                const double top = std::min(p.front().y(), p.back().y()), bottom = std::max(p.front().y(), p.back().y());
                const QRectF r = e->labelRect();
                QVERIFY2(r.bottom() >= top - 40 && r.top() <= bottom + 40,
                         qPrintable(QStringLiteral("a label at %1 for an arrow from %2 to %3").arg(r.top()).arg(top).arg(bottom)));
            }
        for (size_t i = 0; i < labels.size(); ++i)
            for (size_t j = i + 1; j < labels.size(); ++j)
                QVERIFY2(!labels[i].adjusted(0, 1, 0, -1).intersects(labels[j].adjusted(0, 1, 0, -1)),
                         qPrintable(QStringLiteral("labels %1 and %2 overlap at %3,%4 and %5,%6").arg(i).arg(j)
                                        .arg(labels[i].left()).arg(labels[i].top()).arg(labels[j].left()).arg(labels[j].top())));
    }

    void errorsWarningsAndUnreachedNodes()
    {
        const Loaded net = loadData("tests/data/seed/net.py");
        QVERIFY(net.analysis.hasErrors());
        DiagramView view;
        view.setModel(net.root.get(), &net.analysis);
        const BoxItem* bn2 = view.boxForPath(QStringLiteral("bn2"));
        QCOMPARE(bn2->status(), BoxStatus::Error);
        QCOMPARE(bn2->borderColor(), diagramstyle::errorBorder());
        std::string message;
        for (const Diagnostic& d : net.analysis.diagnostics)
            if (d.path == "bn2" && d.severity == Severity::Error)
                message = d.message;
        QVERIFY(!message.empty());
        QVERIFY(bn2->toolTip().contains(QString::fromStdString(message).toHtmlEscaped()));
        QCOMPARE(view.boxForPath(QStringLiteral("conv1"))->status(), BoxStatus::Normal);
        QVERIFY(view.boxForPath(QStringLiteral("conv1"))->reached());
        // PyTorch stops at bn2: the layers after it are drawn with their arrows, as the analysis
        // assumes bn2 fixed, but dashed, faded and with a tooltip saying so.
        const BoxItem* fc1 = view.boxForPath(QStringLiteral("fc1"));
        QVERIFY(fc1->reached());
        QVERIFY(fc1->box().afterError);
        QVERIFY(fc1->opacity() < 1.0);
        QVERIFY(fc1->toolTip().contains(QStringLiteral("shapes after the first error assume it is fixed; PyTorch stops at bn2")));
        QVERIFY(!view.boxForPath(QStringLiteral("conv1"))->box().afterError);
        QVERIFY(!bn2->box().afterError);
        int dashed = 0, solid = 0;
        for (QGraphicsItem* item : view.scene()->items())
            if (auto* e = dynamic_cast<EdgeItem*>(item); e && e->edge().kind == DiagramEdge::Kind::Flow)
                (e->edge().afterError ? dashed : solid)++;
        QCOMPARE(dashed, 2); // bn2 -> fc1, fc1 -> fc2
        QCOMPARE(solid, 3);  // conv1 -> bn1 -> conv2 -> bn2

        const Loaded fixed = loadData("tests/data/seed/net_fixed.py");
        view.setModel(fixed.root.get(), &fixed.analysis);
        for (const char* p : {"conv1", "bn1", "conv2", "bn2", "fc1", "fc2"}) {
            QCOMPARE(view.boxForPath(QLatin1String(p))->status(), BoxStatus::Normal);
            QVERIFY(view.boxForPath(QLatin1String(p))->reached());
        }

        const Loaded plain = loadData("tests/data/python/plain_list.py");
        view.setModel(plain.root.get(), &plain.analysis);
        const BoxItem* extra = view.boxForPath(QStringLiteral("extra"));
        QCOMPARE(extra->style(), BoxStyle::PlainShelf);
        QCOMPARE(extra->status(), BoxStatus::Warning);
        QCOMPARE(extra->borderColor(), diagramstyle::warningBorder());
        QVERIFY(extra->box().meta.contains(QStringLiteral("not registered")));
        QVERIFY(extra->toolTip().contains(QStringLiteral("plain Python list")));
    }

    void unusedChildIsGreyWithAWarning()
    {
        const Loaded m = test::loadAnalysedSource(QStringLiteral(R"(class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.spare = nn.Linear(4, 4)

    def forward(self, x):
        return self.a(x)


model = Unused()
# input: 2,4
)"));
        DiagramView view;
        view.setModel(m.root.get(), &m.analysis);
        const BoxItem* spare = view.boxForPath(QStringLiteral("spare"));
        QVERIFY(!spare->reached());
        QCOMPARE(spare->status(), BoxStatus::Warning);
        QVERIFY(view.boxForPath(QStringLiteral("a"))->reached());
    }

    void selectionRoundTrip()
    {
        const Loaded m = loadData("resources/examples/net_modulelist_fixed.py");
        DiagramView view;
        view.resize(900, 700);
        view.setModel(m.root.get(), &m.analysis);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy spy(&view, &DiagramView::pathActivated);

        // Nothing is selected or highlighted at first, not even the root (whose path is "").
        QVERIFY(!view.hasSelection());
        QVERIFY(!view.boxForPath(QString())->isSelectedBox());
        QVERIFY(!view.boxForPath(QString())->isHighlighted());
        view.selectPath(QString());
        QVERIFY(view.hasSelection());
        QVERIFY(view.boxForPath(QString())->isSelectedBox());

        view.selectPath(QStringLiteral("module_list.9"));
        QVERIFY(!view.boxForPath(QString())->isSelectedBox());
        QCOMPARE(view.selectedPath(), QStringLiteral("module_list.9"));
        const BoxItem* last = view.boxForPath(QStringLiteral("module_list.9"));
        QVERIFY(last->isSelectedBox());
        QVERIFY(spy.isEmpty()); // selecting from outside does not echo back
        // ensureVisible scrolled it into the viewport.
        const QRect shown = view.mapFromScene(last->box().rect).boundingRect();
        QVERIFY(view.viewport()->rect().intersects(shown));

        const BoxItem* target = view.boxForPath(QStringLiteral("module_list.8"));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(target->box().rect.center()));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("module_list.8"));
        QVERIFY(target->isSelectedBox());
        QVERIFY(!last->isSelectedBox());

        // A container's header selects the container, not what is inside it.
        const QRectF shelf = view.boxForPath(QStringLiteral("module_list"))->box().rect;
        view.selectPath(QStringLiteral("module_list"));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(shelf.topLeft() + QPointF(40, 12)));
        QCOMPARE(spy.size(), 2);
        QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("module_list"));

        view.selectPath(QStringLiteral("no.such.path"));
        QVERIFY(!view.hasSelection());
        QVERIFY(!view.boxForPath(QStringLiteral("module_list"))->isSelectedBox());

        // Selection survives a rebuild after an edit.
        view.selectPath(QStringLiteral("module_list.3"));
        view.setModel(m.root.get(), &m.analysis);
        QVERIFY(view.boxForPath(QStringLiteral("module_list.3"))->isSelectedBox());
    }

    void highlightAndThumbnails()
    {
        const Loaded m = loadData("tests/data/seed/net_fixed.py");
        DiagramView view;
        view.setModel(m.root.get(), &m.analysis);
        view.setHighlightedPath(QStringLiteral("conv2"));
        QVERIFY(view.boxForPath(QStringLiteral("conv2"))->isHighlighted());
        view.setHighlightedPath(QStringLiteral("bn2"));
        QVERIFY(!view.boxForPath(QStringLiteral("conv2"))->isHighlighted());
        QVERIFY(view.boxForPath(QStringLiteral("bn2"))->isHighlighted());

        const double before = view.boxForPath(QStringLiteral("conv1"))->box().rect.width();
        QImage img(28, 28, QImage::Format_Grayscale8);
        img.fill(128);
        view.setThumbnails({{QStringLiteral("conv1"), img}});
        const BoxItem* conv1 = view.boxForPath(QStringLiteral("conv1"));
        QVERIFY(conv1->hasThumbnail());
        QVERIFY(conv1->box().rect.width() > before); // room made for it
        QVERIFY(!view.boxForPath(QStringLiteral("bn1"))->hasThumbnail());
        QVERIFY(view.boxForPath(QStringLiteral("bn2"))->isHighlighted()); // kept across the relayout
        view.setThumbnails({});
        QVERIFY(!view.boxForPath(QStringLiteral("conv1"))->hasThumbnail());
    }

    void exportPngAndSvg()
    {
        const Loaded m = loadData("tests/data/seed/net_sequential_fixed.py");
        DiagramView view;
        QString error;
        QTemporaryDir dir;
        QVERIFY(!view.exportImage(dir.filePath(QStringLiteral("empty.png")), &error));
        QVERIFY(!error.isEmpty());

        view.setModel(m.root.get(), &m.analysis);
        const QString png = dir.filePath(QStringLiteral("d.png"));
        QVERIFY2(view.exportImage(png, &error), qPrintable(error));
        QImageReader reader(png);
        QCOMPARE(reader.format(), QByteArray("png"));
        const QImage image = reader.read();
        QVERIFY(!image.isNull());
        const QSizeF scene = view.scene()->sceneRect().size();
        QVERIFY(image.width() >= scene.width() && image.height() >= scene.height());
        // Not blank: the boxes' borders and text differ from the background.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 10);

        const QString svg = dir.filePath(QStringLiteral("d.svg"));
        QVERIFY2(view.exportImage(svg, &error), qPrintable(error));
        QFile f(svg);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("conv_block1"));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QVERIFY(renderer.defaultSize().width() > 100);

        QVERIFY(!view.exportImage(dir.filePath(QStringLiteral("d.jpg")), &error));
        QVERIFY(error.contains(QStringLiteral(".png or .svg")));
        QVERIFY(!view.exportImage(QStringLiteral("/nonexistent-dir/d.png"), &error));
        QVERIFY(error.contains(QStringLiteral("/nonexistent-dir/d.png")));
    }

    void zoomSlots()
    {
        const Loaded m = loadData("tests/data/seed/net_sequential_fixed.py");
        DiagramView view;
        view.resize(400, 300);
        view.setModel(m.root.get(), &m.analysis);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const double z0 = view.zoom();
        view.zoomIn();
        QVERIFY(view.zoom() > z0);
        view.zoomOut();
        QVERIFY(qAbs(view.zoom() - z0) < 1e-9);
        view.zoomToFit();
        const QRect fitted = view.mapFromScene(view.scene()->sceneRect()).boundingRect();
        QVERIFY(view.zoom() < 1.0);
        QVERIFY(fitted.width() <= view.viewport()->width() + 2 && fitted.height() <= view.viewport()->height() + 2);

        const double z1 = view.zoom();
        QWheelEvent wheel(QPointF(100, 100), view.mapToGlobal(QPointF(100, 100)), {}, QPoint(0, 120), Qt::NoButton,
                          Qt::ControlModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(view.viewport(), &wheel);
        QVERIFY(view.zoom() > z1);
    }

    void thousandsOfNodes()
    {
        // 1 + 1 + 222 blocks x 9 layers... = 2,222 boxes.
        const Loaded m = test::loadAnalysedSource(QStringLiteral(R"(class Big(nn.Module):
    def __init__(self, depth=222):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                                                   nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.ReLU(),
                                                   nn.Identity()) for _ in range(depth)])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


model = Big()
# input: 4,16
)"));
        DiagramView view;
        QElapsedTimer timer;
        timer.start();
        view.setModel(m.root.get(), &m.analysis);
        const qint64 first = timer.elapsed();
        timer.restart();
        view.setModel(m.root.get(), &m.analysis);
        const qint64 second = timer.elapsed();
        QCOMPARE(view.boxCount(), 2 + 222 * 10);
        qInfo("DiagramView::setModel with %d boxes: %lld ms (first), %lld ms (rebuild)", view.boxCount(), first, second);
        QVERIFY2(first < 5000 && second < 5000, "far too slow for an editor that rebuilds after each edit");
        QCOMPARE(view.boxForPath(QStringLiteral("blocks.221"))->box().callNumbers, QList<int>{222});
    }
};

QTEST_MAIN(TestDiagram)
#include "tst_diagram.moc"
