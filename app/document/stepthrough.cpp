#include "app/document/stepthrough.h"

#include <QTimer>

namespace ml::ui {

StepThrough::StepThrough(QObject* parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setInterval(800);
    connect(m_timer, &QTimer::timeout, this, &StepThrough::tick);
}

void StepThrough::setIndex(int index, bool notify)
{
    m_index = index;
    if (notify)
        emit changed(m_index);
}

bool StepThrough::advance(int count)
{
    if (m_index + 1 >= count) {
        pause();
        return false;
    }
    setIndex(m_index + 1);
    if (m_index + 1 >= count)
        pause();
    return true;
}

void StepThrough::startPlaying()
{
    m_timer->start();
}

void StepThrough::pause()
{
    m_timer->stop();
}

bool StepThrough::isPlaying() const
{
    return m_timer->isActive();
}

void StepThrough::setInterval(int ms)
{
    m_timer->setInterval(ms);
}

} // namespace ml::ui
