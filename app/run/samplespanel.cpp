#include "app/run/samplespanel.h"

#include "app/document/runcontroller.h"
#include "app/document/samplelistmodel.h"

#include <QCoreApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMimeData>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include <algorithm>

namespace ml::ui {

namespace {

// Every cell as large as the view's grid: the list's items share one size (10,000 rows), which
// Qt would otherwise take from the first picture's caption wrapped to the picture's width, and
// cut every longer class name to it ("Pullo…").
class GridCellDelegate : public QStyledItemDelegate {
public:
    explicit GridCellDelegate(QListView* view)
        : QStyledItemDelegate(view)
        , m_view(view)
    {
    }

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const QSize grid = m_view->gridSize();
        return grid.isValid() ? grid - QSize(4, 4) : QStyledItemDelegate::sizeHint(option, index);
    }

private:
    QListView* m_view;
};

} // namespace

QString shippedSamplesDirectory()
{
    const QString rel = QStringLiteral("samples/fashion-mnist");
    QStringList candidates;
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << QDir(appDir).filePath(QStringLiteral("../share/modulelab/") + rel);
    for (const QString& d : QStandardPaths::standardLocations(QStandardPaths::AppDataLocation))
        candidates << QDir(d).filePath(rel);
#if defined(MODULELAB_SOURCE_RESOURCES)
    candidates << QStringLiteral(MODULELAB_SOURCE_RESOURCES "/") + rel;
#endif
    for (const QString& c : candidates)
        if (QFileInfo::exists(QDir(c).filePath(QStringLiteral("labels.csv"))))
            return QDir(c).absolutePath();
    return {};
}

SamplesPanel::SamplesPanel(RunController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_model(new SampleListModel(this))
    , m_view(new QListView(this))
    , m_jump(new QSpinBox(this))
    , m_info(new QLabel(this))
{
    setAcceptDrops(true);
    m_view->setModel(m_model);
    m_view->setViewMode(QListView::IconMode);
    m_view->setIconSize(QSize(56, 56));
    m_view->installEventFilter(this);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setMovement(QListView::Static);
    m_view->setUniformItemSizes(true); // 10,000 rows: no per-row size queries
    m_view->setWordWrap(true);
    m_view->setLayoutMode(QListView::Batched);
    m_view->setItemDelegate(new GridCellDelegate(m_view));

    auto* open = new QPushButton(QStringLiteral("Open Image…"), this);
    open->setToolTip(QStringLiteral("Run the model on a PNG, JPEG or BMP file (or drop one here)"));
    m_jump->setPrefix(QStringLiteral("test image "));
    m_jump->setToolTip(QStringLiteral("Jump to an image of the installed test set"));
    m_info->setObjectName(QStringLiteral("samplesInfo"));
    m_info->setWordWrap(true);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(m_jump, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_info);

    QStringList notes;
    const QString shipped = shippedSamplesDirectory();
    if (!shipped.isEmpty())
        notes << QStringLiteral("%1 samples").arg(m_model->setShippedDirectory(shipped));
    QString error;
    if (m_model->setDatasetDirectory(SampleListModel::defaultDatasetDirectory(), &error))
        notes << QStringLiteral("Fashion-MNIST test set: %1 images").arg(m_model->datasetCount());
    else
        notes << QStringLiteral("Install dataset-fashion-mnist to browse the whole test set");
    m_info->setText(notes.join(QStringLiteral(" · ")));
    m_jump->setRange(0, std::max(0, m_model->datasetCount() - 1));
    m_jump->setEnabled(m_model->datasetCount() > 0);

    connect(open, &QPushButton::clicked, this, &SamplesPanel::chooseFile);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (!i.isValid())
            return;
        QString why;
        auto image = m_model->image(i.row(), &why);
        if (!image) {
            m_info->setText(why);
            return;
        }
        m_controller->setImage(*image, m_model->name(i.row()), m_model->label(i.row()));
    });
    connect(m_jump, &QSpinBox::editingFinished, this, [this] { selectRow(m_model->shippedCount() + m_jump->value()); });
    fitGrid();
}

// Cells wide enough for the longest class name in the list's font (classroom mode's large type
// too): the shipped samples' captions whole (a test-set image's "9999 · " before its class name
// may still be elided in a narrow panel).
void SamplesPanel::fitGrid()
{
    const QFontMetrics fm(m_view->font());
    const QString separator = QStringLiteral(" · ");
    int name = 0;
    for (int row = 0, rows = std::min(m_model->rowCount(), 200); row < rows; ++row) {
        const QString text = m_model->index(row).data(Qt::DisplayRole).toString();
        const int at = text.indexOf(separator);
        name = std::max(name, fm.horizontalAdvance(at < 0 ? text : text.mid(at + separator.size())));
    }
    const QSize grid(std::max(92, name + 16), m_view->iconSize().height() + 12 + 2 * fm.lineSpacing());
    if (grid != m_view->gridSize())
        m_view->setGridSize(grid);
}

bool SamplesPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::FontChange)
        fitGrid();
    return QWidget::eventFilter(watched, event);
}

void SamplesPanel::selectRow(int row)
{
    const QModelIndex i = m_model->index(row);
    if (!i.isValid())
        return;
    m_view->setCurrentIndex(i);
    m_view->scrollTo(i);
}

bool SamplesPanel::openImage(const QString& path)
{
    QString error;
    if (!m_controller->setImageFile(path, &error)) {
        m_info->setText(error);
        return false;
    }
    m_view->clearSelection();
    m_info->setText(QStringLiteral("Running on %1").arg(QFileInfo(path).fileName()));
    return true;
}

void SamplesPanel::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open image"), QString(),
                                                      QStringLiteral("Images (*.png *.jpg *.jpeg *.bmp);;All files (*)"));
    if (!path.isEmpty())
        openImage(path);
}

void SamplesPanel::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void SamplesPanel::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && openImage(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
}

} // namespace ml::ui
