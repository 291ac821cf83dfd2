#pragma once

#include <QDialog>

class QLabel;
class QPlainTextEdit;

namespace ml::ui {

// File -> Import PyTorch code: paste code or load it from a file; problems shown at FILE:LINE:COLUMN.
class ImportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImportDialog(QWidget* parent = nullptr);
    QString code() const;
    QString fileName() const { return m_fileName; }
    void showError(const QString& located);

private:
    void chooseFile();

    QPlainTextEdit* m_code;
    QLabel* m_error;
    QString m_fileName = QStringLiteral("pasted.py");
};

} // namespace ml::ui
