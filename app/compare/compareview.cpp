#include "app/compare/compareview.h"

#include "app/compare/concepttablewidget.h"
#include "app/compare/compareactivations.h"
#include "app/compare/comparetraining.h"
#include "app/compare/slideexport.h"
#include "app/diagram/diagramview.h"
#include "app/document/modelfiles.h"
#include "engine/analysis/concepts.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

static void initExampleResources()
{
    Q_INIT_RESOURCE(examples);
}

namespace ml::ui {

namespace {

enum Column { IndexCol, PathA, TypeA, ShapeA, ParamsA, PathB, TypeB, ShapeB, ParamsB, DiffCol, ColumnCount };

constexpr int kOtherFile = -1;
constexpr int kDocument = -2;

QString shapeFlow(const ml::LayerCall& c)
{
    if (!c.reached)
        return QStringLiteral("not run");
    const QString out = c.output ? QString::fromStdString(c.output->toString()) : QStringLiteral("✖ fails");
    return QString::fromStdString(c.input.toString()) + QStringLiteral(" → ") + out;
}

QColor rowColour(const ml::AlignedRow& r)
{
    if (r.diff & (ml::kDiffOnlyInA | ml::kDiffOnlyInB | ml::kDiffFails))
        return QColor(0xfd, 0xd8, 0xd5); // red: missing or failing
    if (r.diff & ml::kDiffMoved)
        return QColor(0xe4, 0xd7, 0xf5); // violet: order
    if (r.structural())
        return QColor(0xff, 0xec, 0xb3); // amber: shape, arguments, parameters
    if (r.diff & ml::kDiffFunctionalElsewhere)
        return QColor(0xe3, 0xee, 0xf8); // blue-grey: the same step written differently
    return {};
}

QString displayPath(const std::string& p) { return p.empty() ? QStringLiteral("(root)") : QString::fromStdString(p); }

} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent)
    , m_totals(new QLabel(this))
    , m_outputs(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_table(new QTableWidget(this))
    , m_concepts(new ConceptTableWidget(this))
{
    initExampleResources();
    setWindowTitle(QStringLiteral("Compare models"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);

    auto* bar = new QHBoxLayout;
    for (int side = 0; side < 2; ++side) {
        auto* picker = new QComboBox(this);
        picker->setObjectName(side == 0 ? QStringLiteral("pickerA") : QStringLiteral("pickerB"));
        picker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        m_pickers[static_cast<size_t>(side)] = picker;
        connect(picker, &QComboBox::activated, this, [this, side](int index) { pickerActivated(side, index); });
        bar->addWidget(new QLabel(side == 0 ? QStringLiteral("<b>A</b>") : QStringLiteral("<b>B</b>"), this));
        bar->addWidget(picker);
        if (side == 0) {
            auto* swap = new QToolButton(this);
            swap->setText(QStringLiteral("⇄"));
            swap->setToolTip(QStringLiteral("Swap A and B"));
            connect(swap, &QToolButton::clicked, this, &CompareView::swapSides);
            bar->addWidget(swap);
        }
    }
    bar->addStretch(1);
    auto* exportButton = new QPushButton(QStringLiteral("Export…"), this);
    connect(exportButton, &QPushButton::clicked, this, &CompareView::chooseExport);
    bar->addWidget(exportButton);
    layout->addLayout(bar);

    m_totals->setObjectName(QStringLiteral("compareTotals"));
    m_totals->setWordWrap(true);
    m_totals->setTextFormat(Qt::RichText);
    layout->addWidget(m_totals);
    m_outputs->setObjectName(QStringLiteral("compareOutputs"));
    m_outputs->setWordWrap(true);
    m_outputs->setTextFormat(Qt::RichText);
    m_outputs->hide();
    layout->addWidget(m_outputs);

    auto* vertical = new QSplitter(Qt::Vertical, this);
    auto* diagrams = new QSplitter(Qt::Horizontal, vertical);
    for (int side = 0; side < 2; ++side) {
        auto* panel = new QWidget(diagrams);
        auto* pl = new QVBoxLayout(panel);
        pl->setContentsMargins(0, 0, 0, 0);
        pl->setSpacing(2);
        auto* title = new QLabel(panel);
        title->setAlignment(Qt::AlignCenter);
        // Long names and several outputs wrap rather than widen the window past the screen.
        title->setWordWrap(true);
        auto* view = new DiagramView(panel);
        view->setObjectName(side == 0 ? QStringLiteral("diagramA") : QStringLiteral("diagramB"));
        pl->addWidget(title);
        pl->addWidget(view, 1);
        m_titles[static_cast<size_t>(side)] = title;
        m_diagrams[static_cast<size_t>(side)] = view;
        connect(view, &DiagramView::pathActivated, this, [this, side](const QString& p) { diagramActivated(side, p); });
    }
    vertical->addWidget(diagrams);

    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({QStringLiteral("#"), QStringLiteral("A path"), QStringLiteral("A layer"),
                                        QStringLiteral("A in → out"), QStringLiteral("A params"), QStringLiteral("B path"),
                                        QStringLiteral("B layer"), QStringLiteral("B in → out"), QStringLiteral("B params"),
                                        QStringLiteral("Differences")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    // Columns as wide as their text also in another type (classroom mode's): the table scrolls
    // sideways rather than cutting it.
    m_table->installEventFilter(this);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (!m_syncing)
            selectRow(row);
    });
    m_tabs->addTab(m_table, QStringLiteral("Aligned layers"));
    m_tabs->addTab(m_concepts, QStringLiteral("Containers"));
    m_activations = new CompareActivations(this);
    m_tabs->addTab(m_activations, QStringLiteral("Activations"));
    connect(m_activations, &CompareActivations::rowChosen, this, &CompareView::selectRow);
    m_training = new CompareTraining(this);
    m_tabs->addTab(m_training, QStringLiteral("Train"));
    vertical->addWidget(m_tabs);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    vertical->setSizes({600, 360});
    layout->addWidget(vertical, 1);

    buildPickers();
}

CompareView::~CompareView()
{
    // The diagrams point into the comparison: detach them first.
    for (DiagramView* d : m_diagrams)
        d->setModel(nullptr, nullptr);
}

void CompareView::buildPickers()
{
    const QStringList examples =
        QDir(QStringLiteral(":/examples")).entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name);
    for (int side = 0; side < 2; ++side) {
        QComboBox* p = m_pickers[static_cast<size_t>(side)];
        const QSignalBlocker block(p);
        p->clear();
        p->addItem(QStringLiteral("(choose a model)"), QString());
        if (m_documentSource)
            p->addItem(QStringLiteral("Current document"), kDocument);
        for (const QString& e : examples)
            p->addItem(e, QStringLiteral(":/examples/") + e);
        p->addItem(QStringLiteral("Other file…"), kOtherFile);
    }
}

void CompareView::setDocumentSource(DocumentSource source)
{
    m_documentSource = std::move(source);
    buildPickers();
}

void CompareView::pickerActivated(int side, int index)
{
    const QVariant data = m_pickers[static_cast<size_t>(side)]->itemData(index);
    QString error;
    if (data.typeId() == QMetaType::Int && data.toInt() == kDocument && m_documentSource) {
        ml::Shape input;
        QString label;
        auto root = m_documentSource(input, label);
        if (root)
            setSide(side, std::move(root), input, label);
        return;
    }
    QString path;
    if (data.typeId() == QMetaType::QString && data.toString().isEmpty())
        return;
    if (data.typeId() == QMetaType::Int && data.toInt() == kOtherFile)
        path = QFileDialog::getOpenFileName(this, QStringLiteral("Compare with"), QString(),
                                            QStringLiteral("Models (*.mlab *.py);;All files (*)"));
    else
        path = data.toString();
    if (!path.isEmpty() && !loadSide(side, path, &error))
        QMessageBox::warning(this, QStringLiteral("Compare models"), error);
}

bool CompareView::loadSide(int side, const QString& path, QString* error)
{
    auto r = readModelFile(path);
    if (auto* e = std::get_if<ml::ParseError>(&r)) {
        if (error)
            *error = QString::fromStdString(e->toString());
        return false;
    }
    LoadedModel m = std::move(std::get<LoadedModel>(r));
    if (!m.root) {
        if (error)
            *error = QStringLiteral("%1 holds no model").arg(path);
        return false;
    }
    const ml::Shape input = m.inputShape.value_or(ml::Shape{1, 1, 28, 28});
    setSide(side, std::move(m.root), input, QFileInfo(path).fileName(), path, ml::extrasOf(m));
    QComboBox* p = m_pickers[static_cast<size_t>(side)];
    int index = p->findData(path);
    const QSignalBlocker block(p);
    if (index < 0) {
        index = p->count() - 1; // before "Other file…"
        p->insertItem(index, QFileInfo(path).fileName(), path);
        p->setItemData(index, path, Qt::ToolTipRole);
    }
    p->setCurrentIndex(index);
    return true;
}

void CompareView::setSide(int side, std::unique_ptr<ml::Module> root, const ml::Shape& input, const QString& label,
                          const QString& path, const ml::ModelFileExtras& extras)
{
    for (DiagramView* d : m_diagrams)
        d->setModel(nullptr, nullptr);
    Side& s = m_sides[static_cast<size_t>(side)];
    s.root = std::move(root);
    s.input = input;
    s.label = label;
    s.path = path;
    s.extras = extras;
    recompute();
}

void CompareView::swapSides()
{
    for (DiagramView* d : m_diagrams)
        d->setModel(nullptr, nullptr);
    std::swap(m_sides[0], m_sides[1]);
    const int a = m_pickers[0]->currentIndex();
    const QSignalBlocker b0(m_pickers[0]), b1(m_pickers[1]);
    m_pickers[0]->setCurrentIndex(m_pickers[1]->currentIndex());
    m_pickers[1]->setCurrentIndex(a);
    recompute();
}

void CompareView::recompute()
{
    for (DiagramView* d : m_diagrams)
        d->setModel(nullptr, nullptr);
    if (m_activations) {
        m_activations->setComparison(nullptr);
        for (int side = 0; side < 2; ++side) {
            const Side& s = m_sides[static_cast<size_t>(side)];
            m_activations->setModel(side, s.root.get(), s.input, s.path, s.extras);
        }
    }
    m_training->setModels(m_sides[0].root.get(), m_sides[0].label, m_sides[1].root.get(), m_sides[1].label);
    m_comparison.reset();
    const Side& a = m_sides[0];
    const Side& b = m_sides[1];
    for (int side = 0; side < 2; ++side) {
        const Side& s = m_sides[static_cast<size_t>(side)];
        m_titles[static_cast<size_t>(side)]->setText(
            s.root ? QStringLiteral("<b>%1</b>: %2 · input %3")
                         .arg(side == 0 ? QStringLiteral("A") : QStringLiteral("B"), s.label.toHtmlEscaped(),
                              QString::fromStdString(s.input.toString()))
                   : QStringLiteral("(no model)"));
    }
    auto showOutputs = [this](int side, const ml::Analysis& analysis) {
        QLabel* title = m_titles[static_cast<size_t>(side)];
        title->setText(title->text() + QStringLiteral(" → %1").arg(analysis.outputs.empty() ? QStringLiteral("✖ fails")
                                                                                          : QString::fromStdString(analysis.outputText())));
    };
    if (a.root && b.root) {
        m_comparison = std::make_unique<ml::ModelComparison>(
            ml::compareModels(*a.root, a.input, *b.root, b.input, a.label.toStdString(), b.label.toStdString()));
        m_diagrams[0]->setModel(a.root.get(), &m_comparison->a.analysis);
        m_diagrams[1]->setModel(b.root.get(), &m_comparison->b.analysis);
        showOutputs(0, m_comparison->a.analysis);
        showOutputs(1, m_comparison->b.analysis);
        std::vector<ml::ContainerFacts> facts = ml::containerFacts(*a.root, m_comparison->a.trace, a.label.toStdString());
        if (b.root.get() != a.root.get()) {
            auto more = ml::containerFacts(*b.root, m_comparison->b.trace, b.label.toStdString());
            facts.insert(facts.end(), more.begin(), more.end());
        }
        m_concepts->setFacts(facts);
    }
    if (m_activations)
        m_activations->setComparison(m_comparison.get());
    fillTable();
    fillTotals();
    fillOutputs();
    // Point at the first difference, so that the view opens on what matters.
    if (m_comparison)
        for (size_t k = 0; k < m_comparison->rows.size(); ++k)
            if (m_comparison->rows[k].structural()) {
                m_table->setCurrentCell(static_cast<int>(k), 0);
                break;
            }
    fitDiagrams();
    emit compared();
}

void CompareView::fitDiagrams()
{
    // Whole diagrams when they are legible at that size; otherwise legible and scrolled to the
    // selected row's nodes.
    constexpr double kLegible = 0.7;
    for (DiagramView* d : m_diagrams) {
        if (d->minFitZoom() >= 1.0 && d->isFittingWidth())
            continue; // presented (classroom mode): as wide as its panel, its labels in the large type
        d->zoomToFit();
        for (int k = 0; k < 20 && d->zoom() < kLegible; ++k)
            d->zoomIn();
    }
    if (m_table->currentRow() >= 0)
        selectRow(m_table->currentRow());
}

void CompareView::fillTable()
{
    const QSignalBlocker block(m_table);
    m_table->clearContents();
    m_table->setRowCount(0);
    if (!m_comparison)
        return;
    const auto& rows = m_comparison->rows;
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (size_t k = 0; k < rows.size(); ++k) {
        const ml::AlignedRow& r = rows[k];
        const int row = static_cast<int>(k);
        auto set = [&](int col, const QString& text, const QString& tip = {}) {
            auto* item = new QTableWidgetItem(text);
            if (!tip.isEmpty())
                item->setToolTip(tip);
            if (col == ParamsA || col == ParamsB || col == IndexCol)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (const QColor c = rowColour(r); c.isValid())
                item->setBackground(c);
            m_table->setItem(row, col, item);
        };
        set(IndexCol, QString::number(k + 1));
        auto fillSide = [&](const std::optional<ml::LayerCall>& c, int pathCol) {
            if (!c) {
                const bool elsewhere = r.diff & ml::kDiffFunctionalElsewhere;
                set(pathCol, elsewhere ? QStringLiteral("(in forward)") : QStringLiteral("— missing —"));
                for (int col = pathCol + 1; col < pathCol + 4; ++col)
                    set(col, QString());
                return;
            }
            set(pathCol, displayPath(c->path), c->outOfStoredOrder ? QStringLiteral("runs out of its stored order") : QString());
            set(pathCol + 1, QString::fromStdString(c->type), QString::fromStdString(c->signature));
            set(pathCol + 2, shapeFlow(*c), QString::fromStdString(c->error));
            set(pathCol + 3, QString::fromStdString(ml::withThousands(c->params)));
        };
        fillSide(r.a, PathA);
        fillSide(r.b, PathB);
        QStringList what;
        for (const std::string& d : ml::describeDiff(r.diff))
            what << QString::fromStdString(d);
        if (what.isEmpty())
            what << QStringLiteral("same");
        set(DiffCol, what.join(QStringLiteral(", ")), QString::fromStdString(ml::describeRow(r)));
        if (r.structural()) {
            QFont f = m_table->font();
            f.setBold(true);
            m_table->item(row, DiffCol)->setFont(f);
        }
    }
    arrangeColumns();
}

void CompareView::fillTotals()
{
    if (!m_comparison) {
        m_totals->setText(QStringLiteral("Choose two models to compare: A on the left, B on the right."));
        return;
    }
    const auto& c = *m_comparison;
    QStringList parts;
    const std::vector<std::string> lines = ml::totalsComparison(c);
    for (size_t k = 0; k < lines.size(); ++k) {
        const QString text = QString::fromStdString(lines[k]).toHtmlEscaped();
        const bool same = (k == 0 && c.sameParameters()) || (k == 2 && c.sameOutputShape())
                          || (k == 3 && c.differenceCount() == 0)
                          || (k == 1 && c.a.totals.totalMultAdds == c.b.totals.totalMultAdds);
        parts << QStringLiteral("<span style='color:%1'>%2 %3</span>")
                     .arg(same ? QStringLiteral("#1b7f3b") : QStringLiteral("#b3261e"),
                          same ? QStringLiteral("✔") : QStringLiteral("✘"), text);
    }
    m_totals->setText(QStringLiteral("<b>%1</b> vs <b>%2</b>: %3")
                          .arg(label(0).toHtmlEscaped(), label(1).toHtmlEscaped(), parts.join(QStringLiteral(" &nbsp;·&nbsp; "))));
}

void CompareView::fillOutputs()
{
    // Only where there is more to say than the totals' output line: a model returning several tensors.
    const auto several = [](const std::vector<ml::OutputShape>& o) { return !(o.size() == 1 && o.front().name == "output"); };
    if (!m_comparison || m_comparison->outputs.empty()
        || (!several(m_comparison->a.analysis.outputs) && !several(m_comparison->b.analysis.outputs))) {
        m_outputs->clear();
        m_outputs->hide();
        return;
    }
    QStringList parts;
    for (const ml::OutputPair& p : m_comparison->outputs) {
        // Green: the same output; amber: the same shape under another name; red: differs or missing.
        const bool same = p.sameShape() && !p.byPosition;
        const bool renamed = p.sameShape() && p.byPosition;
        parts << QStringLiteral("<span style='color:%1'>%2 %3</span>")
                     .arg(same ? QStringLiteral("#1b7f3b") : renamed ? QStringLiteral("#8a5a00") : QStringLiteral("#b3261e"),
                          same ? QStringLiteral("✔") : renamed ? QStringLiteral("≈") : QStringLiteral("✘"),
                          QString::fromStdString(ml::describeOutputPair(p)).toHtmlEscaped());
    }
    m_outputs->setText(QStringLiteral("<b>Outputs</b>: %1").arg(parts.join(QStringLiteral(" &nbsp;·&nbsp; "))));
    m_outputs->show();
}

void CompareView::selectRow(int row)
{
    if (!m_comparison || row < 0 || row >= static_cast<int>(m_comparison->rows.size()))
        return;
    const ml::AlignedRow& r = m_comparison->rows[static_cast<size_t>(row)];
    m_syncing = true;
    if (m_table->currentRow() != row)
        m_table->setCurrentCell(row, 0);
    if (r.a)
        m_diagrams[0]->selectPath(QString::fromStdString(r.a->path));
    else
        m_diagrams[0]->clearSelection();
    if (r.b)
        m_diagrams[1]->selectPath(QString::fromStdString(r.b->path));
    else
        m_diagrams[1]->clearSelection();
    if (m_activations)
        m_activations->showRow(row);
    m_syncing = false;
}

void CompareView::diagramActivated(int side, const QString& path)
{
    if (!m_comparison)
        return;
    const std::string p = path.toStdString();
    for (size_t k = 0; k < m_comparison->rows.size(); ++k) {
        const auto& call = side == 0 ? m_comparison->rows[k].a : m_comparison->rows[k].b;
        if (call && call->path == p) {
            selectRow(static_cast<int>(k));
            return;
        }
    }
}

bool CompareView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table && (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange
                               || event->type() == QEvent::Resize))
        QMetaObject::invokeMethod(this, &CompareView::arrangeColumns, Qt::QueuedConnection);
    return QWidget::eventFilter(watched, event);
}

void CompareView::arrangeColumns()
{
    // Every column as wide as its text; where they are wider than the table (classroom mode's
    // type), what differs comes right after the row number and the sides scroll beside it.
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(false);
    m_table->resizeColumnsToContents();
    int total = 0;
    for (int c = 0; c < ColumnCount; ++c)
        total += header->sectionSize(c);
    const bool fits = total <= m_table->viewport()->width();
    const int visual = fits ? ColumnCount - 1 : IndexCol + 1;
    if (header->visualIndex(DiffCol) != visual)
        header->moveSection(header->visualIndex(DiffCol), visual);
    header->setStretchLastSection(fits);
}

QString CompareView::exportView(const QString& path) { return exportWidget(this, path); }

QString CompareView::exportDiagram(int side, const QString& path)
{
    return exportScene(m_diagrams[static_cast<size_t>(side)]->scene(), path);
}

void CompareView::chooseExport()
{
    QMenu menu(this);
    QAction* view = menu.addAction(QStringLiteral("Compare View…"));
    QAction* a = menu.addAction(QStringLiteral("Diagram A…"));
    menu.addAction(QStringLiteral("Diagram B…")); // anything else chosen is B
    QAction* chosen = menu.exec(QCursor::pos());
    if (!chosen)
        return;
    const QString path = QFileDialog::getSaveFileName(this, chosen->text(), QString(), slideImageFilter());
    if (path.isEmpty())
        return;
    const QString error = chosen == view ? exportView(path) : exportDiagram(chosen == a ? 0 : 1, path);
    if (!error.isEmpty())
        QMessageBox::warning(this, QStringLiteral("Export"), error);
}

} // namespace ml::ui
