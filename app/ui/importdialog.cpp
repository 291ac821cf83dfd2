#include "app/ui/importdialog.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace ml::ui {

ImportDialog::ImportDialog(QWidget* parent)
    : QDialog(parent)
    , m_code(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Import PyTorch code"));
    resize(720, 560);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("Paste a model's code (an nn.Module class and, optionally, "
                                                "'model = Net(...)' and '# input: 1,1,28,28'):"), this));
    m_code->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_code->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_code, 1);
    m_error->setStyleSheet(QStringLiteral("color: #c02020;"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(QStringLiteral("Import"));
    auto* open = buttons->addButton(QStringLiteral("From file…"), QDialogButtonBox::ActionRole);
    connect(open, &QPushButton::clicked, this, &ImportDialog::chooseFile);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString ImportDialog::code() const
{
    return m_code->toPlainText();
}

void ImportDialog::showError(const QString& located)
{
    m_error->setText(located);
    m_error->show();
}

void ImportDialog::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Import PyTorch code"), QString(),
                                                      QStringLiteral("Python (*.py);;All files (*)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showError(QStringLiteral("%1: %2").arg(path, file.errorString()));
        return;
    }
    m_code->setPlainText(QString::fromUtf8(file.readAll()));
    m_fileName = path;
}

} // namespace ml::ui
