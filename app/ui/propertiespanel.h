#pragma once

#include <QPersistentModelIndex>
#include <QWidget>

#include <vector>

class QFormLayout;
class QLabel;
class QLineEdit;
class QVBoxLayout;

namespace ml {
class Module;
}

namespace ml::ui {

class ArgEditor;
class Document;
class ForwardEditor;

// The model's input shape and the selected node: a layer's constructor arguments, or a custom
// Module's forward program. Every change goes through ModuleEditor (undoable, validated).
class PropertiesPanel : public QWidget {
    Q_OBJECT
public:
    explicit PropertiesPanel(Document* document, QWidget* parent = nullptr);

    void setCurrent(const QModelIndex& treeIndex);
    ArgEditor* argEditor(const QString& name) const;
    QString titleText() const;         // the shown node's path and type
    QString containerInfoText() const; // "ModuleList with 2 children. ..."; empty for others
    ForwardEditor* forwardEditor() const { return m_forward; }
    QLineEdit* inputShapeEdit() const { return m_inputShape; }
    QString inputShapeError() const;

private:
    void refreshTitle();
    void rebuild();
    void refreshValues();
    void applyInputShape();
    ml::Module* current() const;

    Document* m_document;
    QPersistentModelIndex m_current;
    ml::Module* m_shown = nullptr;
    QLineEdit* m_inputShape;
    QLabel* m_inputError;
    QLabel* m_title;
    QLabel* m_containerInfo = nullptr;
    QWidget* m_body = nullptr;
    QVBoxLayout* m_bodyLayout;
    std::vector<ArgEditor*> m_args;
    ForwardEditor* m_forward = nullptr;
};

} // namespace ml::ui
