#pragma once

#include <QObject>

class QTimer;

namespace ml::ui {

// The step-through position in a run's recorded calls and the Play timer that advances it.
class StepThrough : public QObject {
    Q_OBJECT
public:
    explicit StepThrough(QObject* parent = nullptr);

    int index() const { return m_index; } // -1: before the first call
    void setIndex(int index, bool notify = true); // notify: emits changed()
    // One call further when there is one (true); pauses at the last.
    bool advance(int count);

    void startPlaying();
    void pause();
    bool isPlaying() const;
    void setInterval(int ms);

signals:
    void changed(int index);
    void tick(); // Play wants the next step

private:
    int m_index = -1;
    QTimer* m_timer;
};

} // namespace ml::ui
