#pragma once

#include "engine/python/importer.h"

#include <QDialog>

#include <vector>

class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;

namespace ml::ui {

// What to build from Python code that does not build a model by itself (every class needs
// arguments) or that offers several: the file's model variables, classes and factory
// functions as the engine lists them, one field per constructor parameter with its default,
// and the reason the last try failed, in place. The choice becomes ImportOptions.
class ModelChoiceDialog : public QDialog {
    Q_OBJECT
public:
    ModelChoiceDialog(const QString& fileName, std::vector<ml::python::ModelChoice> choices, const QString& reason,
                      QWidget* parent = nullptr);

    // The class, factory or variable to build and its arguments as Python writes them.
    ml::python::ImportOptions options() const;
    void showError(const QString& error);
    QString errorText() const;

    // For tests and scripted use: choose by name, fill a parameter's field.
    bool choose(const QString& name);
    QLineEdit* field(const QString& param) const;
    int choiceCount() const;

private:
    void showParams();
    const ml::python::ModelChoice* current() const;

    std::vector<ml::python::ModelChoice> m_choices;
    QListWidget* m_list;
    QLabel* m_paramsTitle;
    QWidget* m_paramsBox;
    QFormLayout* m_params;
    std::vector<std::pair<const ml::python::ModelChoiceParam*, QLineEdit*>> m_fields;
    QLabel* m_error;
};

} // namespace ml::ui
