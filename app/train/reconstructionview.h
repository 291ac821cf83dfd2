#pragma once

#include <QImage>
#include <QList>
#include <QString>
#include <QWidget>

namespace ml {
struct Reconstructions;
}

namespace ml::ui {

// A model trained against its input: a strip of the first test images (above) and the model's
// reconstructions of them (below) with the newest weights, drawn as grey pictures.
class ReconstructionView : public QWidget {
    Q_OBJECT
public:
    explicit ReconstructionView(QWidget* parent = nullptr);
    void show(const ml::Reconstructions& pictures);
    void clearPictures();
    int pictureCount() const { return static_cast<int>(m_inputs.size()); }
    const QImage& inputPicture(int i) const { return m_inputs[i]; }
    const QImage& outputPicture(int i) const { return m_outputs[i]; }
    void setCaption(const QString& caption) { m_caption = caption; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QList<QImage> m_inputs;
    QList<QImage> m_outputs;
    QString m_caption;
};

} // namespace ml::ui
