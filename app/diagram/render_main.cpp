// Development aid: modulelab_diagram_render MODEL.py|MODEL.mlab OUT.png|OUT.svg [--input 1,1,28,28]
// Draws the diagram of a model file the way the editor shows it, to look at it outside the app.
#include "app/diagram/diagramview.h"
#include "engine/analysis/analysis.h"
#include "engine/modelfile.h"

#include <QApplication>
#include <QTextStream>

#include <variant>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QTextStream err(stderr);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        err << "usage: modulelab_diagram_render MODEL OUT.png|OUT.svg [--input SHAPE] [--window WxH]\n";
        return 2;
    }
    auto loaded = ml::loadModelFile(args[1].toStdString());
    if (auto* e = std::get_if<ml::ParseError>(&loaded)) {
        err << QString::fromStdString(e->toString()) << '\n';
        return 1;
    }
    ml::LoadedModel model = std::move(std::get<ml::LoadedModel>(loaded));
    std::optional<ml::Shape> input = model.inputShape;
    QString window;
    for (int k = 3; k + 1 < args.size(); k += 2) {
        if (args[k] == QLatin1String("--input")) {
            std::string error;
            input = ml::parseShapeText(args[k + 1].toStdString(), error);
            if (!input) {
                err << QString::fromStdString(error) << '\n';
                return 2;
            }
        } else if (args[k] == QLatin1String("--window")) {
            window = args[k + 1];
        }
    }
    std::optional<ml::Analysis> analysis;
    if (input)
        analysis = ml::analyze(*model.root, *input);

    ml::ui::DiagramView view;
    view.setModel(model.root.get(), analysis ? &*analysis : nullptr);
    if (!window.isEmpty()) {
        // A screenshot of the view at 100 %, as a window of this size shows it.
        const QStringList wh = window.split(QLatin1Char('x'));
        view.resize(wh.value(0).toInt(), wh.value(1).toInt());
        view.show();
        app.processEvents();
        return view.grab().save(args[2]) ? 0 : 1;
    }
    QString error;
    if (!view.exportImage(args[2], &error)) {
        err << error << '\n';
        return 1;
    }
    return 0;
}
