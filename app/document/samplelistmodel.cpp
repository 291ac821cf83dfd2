#include "app/document/samplelistmodel.h"

#include "app/document/predictions.h"
#include "app/document/runinput.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include "engine/io/idx.h"

namespace ml::ui {

SampleListModel::SampleListModel(QObject* parent)
    : QAbstractListModel(parent)
    , m_classNames(fashionMnistClasses())
{
}

SampleListModel::~SampleListModel() = default;

QString SampleListModel::defaultDatasetDirectory()
{
    return QStringLiteral("/usr/share/datasets/fashion-mnist");
}

int SampleListModel::setShippedDirectory(const QString& dir, QString* error)
{
    QFile csv(QDir(dir).filePath(QStringLiteral("labels.csv")));
    if (!csv.open(QIODevice::ReadOnly | QIODevice::Text)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(csv.fileName(), csv.errorString());
        return 0;
    }
    std::vector<Shipped> samples;
    QTextStream in(&csv);
    while (!in.atEnd()) {
        const QStringList fields = in.readLine().split(QLatin1Char(','));
        Shipped s;
        for (const QString& f : fields) {
            const QString t = f.trimmed();
            bool isNumber = false;
            const int v = t.toInt(&isNumber);
            if (s.path.isEmpty() && QFileInfo(t).suffix().size() >= 3 && !isNumber)
                s.path = QDir(dir).filePath(t);
            else if (s.label < 0 && isNumber)
                s.label = v;
        }
        if (!s.path.isEmpty() && QFileInfo::exists(s.path))
            samples.push_back(s);
    }
    beginResetModel();
    m_shipped = std::move(samples);
    m_shippedThumbs.clear();
    endResetModel();
    return static_cast<int>(m_shipped.size());
}

bool SampleListModel::datasetSupported()
{
    return true;
}

void SampleListModel::setClassNames(const QStringList& names)
{
    m_classNames = names;
    if (rowCount() > 0)
        emit dataChanged(index(0), index(rowCount() - 1), {Qt::DisplayRole, Qt::ToolTipRole});
}

int SampleListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_shipped.size()) + m_datasetCount;
}

int SampleListModel::label(int row) const
{
    if (row < 0 || row >= rowCount())
        return -1;
    if (row < shippedCount())
        return m_shipped[static_cast<size_t>(row)].label;
    return m_datasetLabels[static_cast<size_t>(row - shippedCount())];
}

QString SampleListModel::name(int row) const
{
    if (row < shippedCount())
        return QFileInfo(m_shipped[static_cast<size_t>(row)].path).fileName();
    return QStringLiteral("test image %1").arg(row - shippedCount());
}

std::optional<ml::Image8> SampleListModel::image(int row, QString* error) const
{
    if (row < 0 || row >= rowCount()) {
        if (error)
            *error = QStringLiteral("no sample %1").arg(row);
        return std::nullopt;
    }
    if (row < shippedCount())
        return readImage8(m_shipped[static_cast<size_t>(row)].path, error);
    ml::Image8 img;
    img.width = m_datasetCols;
    img.height = m_datasetRows;
    img.channels = 1;
    const size_t plane = static_cast<size_t>(m_datasetRows) * static_cast<size_t>(m_datasetCols);
    const auto begin = m_datasetPixels.begin() + static_cast<std::ptrdiff_t>(plane * static_cast<size_t>(row - shippedCount()));
    img.pixels.assign(begin, begin + static_cast<std::ptrdiff_t>(plane));
    return img;
}

QImage SampleListModel::thumbnail(int row) const
{
    if (row < shippedCount()) {
        auto it = m_shippedThumbs.constFind(row);
        if (it != m_shippedThumbs.constEnd())
            return *it;
        const auto img = image(row);
        const QImage thumb = img ? toQImage(*img) : QImage();
        m_shippedThumbs.insert(row, thumb);
        return thumb;
    }
    const auto img = image(row);
    return img ? toQImage(*img) : QImage();
}

QVariant SampleListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int row = index.row();
    const int l = label(row);
    const QString className = l >= 0 && l < m_classNames.size() ? m_classNames[l] : QStringLiteral("?");
    switch (role) {
    case Qt::DisplayRole:
        return row < shippedCount() ? className : QStringLiteral("%1 · %2").arg(row - shippedCount()).arg(className);
    case Qt::ToolTipRole:
        return QStringLiteral("%1\nlabel %2 (%3)").arg(name(row)).arg(l).arg(className);
    case Qt::DecorationRole:
        return thumbnail(row).scaled(56, 56, Qt::KeepAspectRatio, Qt::FastTransformation);
    case LabelRole:
        return l;
    case IsDatasetRole:
        return row >= shippedCount();
    default:
        return {};
    }
}

bool SampleListModel::setDatasetDirectory(const QString& dir, QString* error)
{
    const ml::IdxPaths files = ml::fashionMnistTestFiles(dir.toStdString());
    if (files.images.empty() || files.labels.empty()) {
        if (error)
            *error = QStringLiteral("%1 holds no t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte").arg(dir);
        return false;
    }
    auto read = ml::readIdxDataset(files.images, files.labels);
    if (auto* err = std::get_if<std::string>(&read)) {
        if (error)
            *error = QString::fromStdString(*err);
        return false;
    }
    auto& set = std::get<ml::IdxDataset>(read);
    beginResetModel();
    m_datasetPixels = set.images.pixels();
    m_datasetLabels.assign(set.labels.begin(), set.labels.end());
    m_datasetCount = static_cast<int>(set.images.count());
    m_datasetRows = set.images.rows();
    m_datasetCols = set.images.cols();
    endResetModel();
    return true;
}

} // namespace ml::ui
