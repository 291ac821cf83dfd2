#pragma once

#include <QImage>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QLabel;

namespace ml::ui {

class FeatureMapGrid;
struct ForwardCall;
struct RunInput;

// The output of one node next to the picture that went in: feature maps or bars, a colour
// legend, the value under the cursor, and whether the result is stale.
class ActivationView : public QWidget {
    Q_OBJECT
public:
    explicit ActivationView(QWidget* parent = nullptr);

    // call may be null (node not reached, no run yet): `why` is shown instead. `outputNames`:
    // a name per feature of the call's output (the model's output with its class names).
    void showCall(const ForwardCall* call, const RunInput* input, const QString& why = {},
                  const QStringList& outputNames = {});
    void setStale(bool stale);
    void setClassNames(const QStringList& names) { m_classNames = names; }

    FeatureMapGrid* grid() const { return m_grid; }
    QLabel* readout() const { return m_readout; }
    QLabel* title() const { return m_title; }
    QLabel* inputPicture() const { return m_input; }
    QLabel* inputCaption() const { return m_inputCaption; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void showFooter();
    void fitInputPicture();

    QImage m_inputImage; // the picture that went in, drawn as large as the panel's height allows
    QLabel* m_inputHeader;
    QLabel* m_input;
    QLabel* m_inputCaption;
    QLabel* m_title;
    QLabel* m_stale;
    FeatureMapGrid* m_grid;
    QCheckBox* m_shared;
    QLabel* m_readout;
    QStringList m_classNames;
};

} // namespace ml::ui
