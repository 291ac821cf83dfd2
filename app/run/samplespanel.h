#pragma once

#include <QWidget>

class QLabel;
class QListView;
class QSpinBox;

namespace ml::ui {

class RunController;
class SampleListModel;

// Pictures to run: the shipped samples, the installed test set (scrolls through all of it, or
// jump to an index), any PNG/JPEG/BMP opened or dropped here.
class SamplesPanel : public QWidget {
    Q_OBJECT
public:
    SamplesPanel(RunController* controller, QWidget* parent = nullptr);

    SampleListModel* model() const { return m_model; }
    QListView* view() const { return m_view; }
    void selectRow(int row);
    bool openImage(const QString& path); // reports failures below the list

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void chooseFile();
    void fitGrid();

    RunController* m_controller;
    SampleListModel* m_model;
    QListView* m_view;
    QSpinBox* m_jump;
    QLabel* m_info;
};

// Where the shipped Fashion-MNIST samples are: next to the executable once installed, or in
// the source tree during development. Empty if none is found.
QString shippedSamplesDirectory();

} // namespace ml::ui
