#pragma once

#include "engine/imageinput.h"

#include <QAbstractListModel>
#include <QHash>
#include <QImage>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace ml::ui {

// Labelled pictures to run: the samples shipped with ModuleLab (PNG files listed in a
// labels.csv) followed, when installed, by a whole IDX test set (Fashion-MNIST's 10,000). Rows
// are cheap: dataset thumbnails are made on demand from memory, so views can scroll the whole
// set (use QListView::setUniformItemSizes).
class SampleListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { LabelRole = Qt::UserRole + 1, IsDatasetRole };

    explicit SampleListModel(QObject* parent = nullptr);
    ~SampleListModel() override;

    // Reads DIR/labels.csv ("file,label[,...]" lines, a header allowed). Returns the count read.
    int setShippedDirectory(const QString& dir, QString* error = nullptr);
    // Reads the IDX images + labels of a test set (e.g. /usr/share/datasets/fashion-mnist).
    bool setDatasetDirectory(const QString& dir, QString* error = nullptr);
    static QString defaultDatasetDirectory();
    static bool datasetSupported(); // built with the engine's IDX reader

    void setClassNames(const QStringList& names);
    int shippedCount() const { return static_cast<int>(m_shipped.size()); }
    int datasetCount() const { return m_datasetCount; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    std::optional<ml::Image8> image(int row, QString* error = nullptr) const;
    int label(int row) const; // -1 unknown
    QString name(int row) const;

private:
    struct Shipped {
        QString path;
        int label = -1;
    };
    QImage thumbnail(int row) const;

    std::vector<Shipped> m_shipped;
    mutable QHash<int, QImage> m_shippedThumbs;
    std::vector<uint8_t> m_datasetPixels; // count x rows x cols, row-major
    std::vector<int> m_datasetLabels;
    int m_datasetCount = 0;
    int m_datasetRows = 0;
    int m_datasetCols = 0;
    QStringList m_classNames;
};

} // namespace ml::ui
