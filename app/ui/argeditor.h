#pragma once

#include "engine/argvalue.h"
#include "engine/layer.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace ml::ui {

// The editor of one constructor argument, chosen from its ArgSpec: a check box for bools, a spin
// box for ints, a double spin box for floats, a combo box for choices, a text field for tuples
// ("3" or "(3, 3)"), plus a None toggle when None is accepted. Shows a validation message inline.
class ArgEditor : public QWidget {
    Q_OBJECT
public:
    ArgEditor(const ml::ArgSpec& spec, QWidget* parent = nullptr);

    void setValue(const ml::ArgValue& value); // no signal
    void setError(const QString& message);    // empty clears
    QString errorText() const;
    const ml::ArgSpec& spec() const { return m_spec; }

    // Parses "3", "(3, 3)", "3, 3", "'same'", "same", "None", "True" into a value.
    static bool parseText(const QString& text, ml::ArgValue& out);

signals:
    // A new value from the user; `mergeable` for spin-box steps (arrows, wheel) that merge into
    // one undo step; a value committed with Enter is never merged.
    void edited(const ml::ArgValue& value, bool mergeable);

private:
    void emitCurrent(bool mergeable);
    void showNonePlaceholder(bool none);
    ml::ArgValue current() const;

    ml::ArgSpec m_spec;
    QCheckBox* m_none = nullptr;
    QCheckBox* m_bool = nullptr;
    QSpinBox* m_int = nullptr;
    QDoubleSpinBox* m_float = nullptr;
    QComboBox* m_choice = nullptr;
    QLineEdit* m_text = nullptr;
    QLabel* m_error;
    bool m_updating = false;
};

} // namespace ml::ui
