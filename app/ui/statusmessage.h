#pragma once

#include <QWidget>

class QStatusBar;

namespace ml::ui {

// The status bar's message, whole: it wraps onto further lines (at spaces, or inside a word
// too long for a line, such as a path) when the totals leave it too little room, instead of
// being cut off at the edge; its tooltip repeats it. It shows whatever QStatusBar::showMessage
// shows, from any panel.
class StatusMessage : public QWidget {
    Q_OBJECT
public:
    explicit StatusMessage(QStatusBar* bar);

    QString message() const { return m_message; }
    // The height the message needs at a width, in this widget's font (four lines at most).
    int heightFor(int width) const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void setMessage(const QString& text);
    void fitHeight();

    QString m_message;
};

} // namespace ml::ui
