#include "app/ui/argeditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStyle>
#include <QStyleOption>
#include <QVBoxLayout>

#include <limits>

namespace ml::ui {

namespace {

// Steps (arrows, wheel, Up/Down) of one spin box merge into one undo step; a value typed and
// committed with Enter is an edit of its own. Ctrl+Z / Ctrl+Shift+Z undo the document, not the
// text being typed, so undo works while the cursor is in the box.
template<class Base>
class StepSpinBox : public Base {
public:
    using Base::Base;
    bool stepping() const { return m_stepping; }
    void stepBy(int steps) override
    {
        m_stepping = true;
        Base::stepBy(steps);
        m_stepping = false;
    }

protected:
    bool event(QEvent* e) override
    {
        if (e->type() == QEvent::ShortcutOverride) {
            auto* key = static_cast<QKeyEvent*>(e);
            if (key->matches(QKeySequence::Undo) || key->matches(QKeySequence::Redo)) {
                e->ignore();
                return true;
            }
        }
        return Base::event(e);
    }

private:
    bool m_stepping = false;
};

} // namespace

// What can be typed into a tuple field, fitting its length.
static QString tupleHint(const ml::ArgSpec& spec)
{
    return spec.tupleLength == 1   ? QStringLiteral("3")
           : spec.tupleLength == 4 ? QStringLiteral("1 or (1, 1, 2, 0)")
           : spec.tupleLength > 0  ? QStringLiteral("3 or (3, 3)")
                                   : QString();
}

// Room for a usual value ("1024", "0.000010"), not for the whole range: int's ten digits and
// ±1e9 with six decimals would make the field, and the narrow panel around it, wider than the
// window's side column, which then cuts its right edge off.
static void fitUsualValues(QAbstractSpinBox* spin, const QString& usual)
{
    QStyleOptionSpinBox opt;
    opt.initFrom(spin);
    opt.buttonSymbols = spin->buttonSymbols();
    const QFontMetrics fm = spin->fontMetrics();
    const QSize contents(fm.horizontalAdvance(usual) + 4, fm.height());
    spin->setMinimumWidth(spin->style()->sizeFromContents(QStyle::CT_SpinBox, &opt, contents, spin).width());
}

static QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

ArgEditor::ArgEditor(const ml::ArgSpec& spec, QWidget* parent)
    : QWidget(parent)
    , m_spec(spec)
    , m_error(new QLabel(this))
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(2);
    auto* row = new QHBoxLayout;
    outer->addLayout(row);
    const unsigned a = spec.accepts & ~ml::kAcceptNone;
    QWidget* editor = nullptr;
    if (a == ml::kAcceptBool) {
        m_bool = new QCheckBox(this);
        connect(m_bool, &QCheckBox::toggled, this, [this] { emitCurrent(false); });
        editor = m_bool;
    } else if (a == ml::kAcceptInt) {
        auto* spin = new StepSpinBox<QSpinBox>(this);
        m_int = spin;
        m_int->setRange(std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
        m_int->setKeyboardTracking(false);
        fitUsualValues(m_int, QStringLiteral("-00000000"));
        connect(m_int, &QSpinBox::valueChanged, this, [this, spin] { emitCurrent(spin->stepping()); });
        editor = m_int;
    } else if (a == ml::kAcceptFloat || a == (ml::kAcceptFloat | ml::kAcceptInt)) {
        auto* spin = new StepSpinBox<QDoubleSpinBox>(this);
        m_float = spin;
        m_float->setDecimals(6);
        m_float->setRange(-1e9, 1e9);
        m_float->setSingleStep(0.1);
        m_float->setKeyboardTracking(false);
        fitUsualValues(m_float, QStringLiteral("-000.000000"));
        connect(m_float, &QDoubleSpinBox::valueChanged, this, [this, spin] { emitCurrent(spin->stepping()); });
        editor = m_float;
    } else if (a == ml::kAcceptStr && !spec.choices.empty()) {
        m_choice = new QComboBox(this);
        for (std::string_view c : spec.choices)
            m_choice->addItem(qs(c));
        connect(m_choice, &QComboBox::currentIndexChanged, this, [this] { emitCurrent(false); });
        editor = m_choice;
    } else {
        // Mixed (int or tuple, maybe a string choice): an editable combo box with the choices.
        m_choice = new QComboBox(this);
        m_choice->setEditable(true);
        for (std::string_view c : spec.choices)
            m_choice->addItem(qs(c));
        m_text = m_choice->lineEdit();
        m_text->setPlaceholderText(tupleHint(spec));
        connect(m_text, &QLineEdit::editingFinished, this, [this] { emitCurrent(false); });
        connect(m_choice, &QComboBox::activated, this, [this] { emitCurrent(false); });
        editor = m_choice;
    }
    editor->setToolTip(qs(spec.help));
    row->addWidget(editor, 1);
    if (spec.accepts & ml::kAcceptNone) {
        m_none = new QCheckBox(QStringLiteral("None"), this);
        m_none->setToolTip(QStringLiteral("Pass None for %1").arg(qs(spec.name)));
        connect(m_none, &QCheckBox::toggled, this, [this, editor](bool none) {
            editor->setEnabled(!none);
            showNonePlaceholder(none);
            emitCurrent(false);
        });
        row->addWidget(m_none);
    }
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_error->hide();
    outer->addWidget(m_error);
}

void ArgEditor::setValue(const ml::ArgValue& v)
{
    m_updating = true;
    if (m_none) {
        m_none->setChecked(v.isNone());
        for (QWidget* w : {static_cast<QWidget*>(m_bool), static_cast<QWidget*>(m_int), static_cast<QWidget*>(m_float),
                           static_cast<QWidget*>(m_choice)})
            if (w)
                w->setEnabled(!v.isNone());
    }
    if (m_bool && v.type == ml::ArgValue::Type::Bool)
        m_bool->setChecked(v.b);
    if (m_int && v.type == ml::ArgValue::Type::Int)
        m_int->setValue(static_cast<int>(v.i));
    if (m_float && !v.isNone())
        m_float->setValue(v.number());
    showNonePlaceholder(v.isNone());
    if (m_text)
        m_text->setText(v.isNone() ? QString() : QString::fromStdString(v.type == ml::ArgValue::Type::Str ? v.s : v.repr()));
    else if (m_choice && v.type == ml::ArgValue::Type::Str)
        m_choice->setCurrentText(QString::fromStdString(v.s));
    m_updating = false;
}

// A disabled field for None says "None", not a clipped hint of what could be typed.
void ArgEditor::showNonePlaceholder(bool none)
{
    if (m_text)
        m_text->setPlaceholderText(none ? QStringLiteral("None") : tupleHint(m_spec));
}

void ArgEditor::setError(const QString& message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString ArgEditor::errorText() const
{
    return m_error->text();
}

bool ArgEditor::parseText(const QString& input, ml::ArgValue& out)
{
    QString t = input.trimmed();
    if (t == QLatin1String("None")) {
        out = ml::ArgValue::none();
        return true;
    }
    if (t == QLatin1String("True") || t == QLatin1String("False")) {
        out = ml::ArgValue::ofBool(t == QLatin1String("True"));
        return true;
    }
    bool ok = false;
    const qlonglong i = t.toLongLong(&ok);
    if (ok) {
        out = ml::ArgValue::ofInt(i);
        return true;
    }
    const double f = t.toDouble(&ok);
    if (ok) {
        out = ml::ArgValue::ofFloat(f);
        return true;
    }
    static const QRegularExpression quoted(QStringLiteral("^'([^']*)'$|^\"([^\"]*)\"$"));
    if (auto m = quoted.match(t); m.hasMatch()) {
        out = ml::ArgValue::ofStr((m.captured(1).isNull() ? m.captured(2) : m.captured(1)).toStdString());
        return true;
    }
    static const QRegularExpression word(QStringLiteral("^[A-Za-z_]\\w*$"));
    if (word.match(t).hasMatch()) {
        out = ml::ArgValue::ofStr(t.toStdString());
        return true;
    }
    if (t.startsWith(QLatin1Char('(')) && t.endsWith(QLatin1Char(')')))
        t = t.mid(1, t.size() - 2);
    std::vector<int64_t> items;
    for (const QString& part : t.split(QLatin1Char(','))) {
        if (part.trimmed().isEmpty())
            continue;
        if (part.trimmed() == QLatin1String("None")) { // (None, 7): keep that dimension
            items.push_back(ml::kTupleNone);
            continue;
        }
        const qlonglong v = part.trimmed().toLongLong(&ok);
        if (!ok)
            return false;
        items.push_back(v);
    }
    out = ml::ArgValue::ofTuple(std::move(items));
    return true;
}

ml::ArgValue ArgEditor::current() const
{
    if (m_none && m_none->isChecked())
        return ml::ArgValue::none();
    if (m_bool)
        return ml::ArgValue::ofBool(m_bool->isChecked());
    if (m_int)
        return ml::ArgValue::ofInt(m_int->value());
    if (m_float)
        return ml::ArgValue::ofFloat(m_float->value());
    if (m_text) {
        ml::ArgValue v;
        if (!parseText(m_text->text(), v))
            v = ml::ArgValue::ofStr(m_text->text().toStdString()); // reported by the layer's check
        return v;
    }
    return ml::ArgValue::ofStr(m_choice->currentText().toStdString());
}

void ArgEditor::emitCurrent(bool mergeable)
{
    if (!m_updating)
        emit edited(current(), mergeable);
}

} // namespace ml::ui
