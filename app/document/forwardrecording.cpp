#include "app/document/forwardrecording.h"

#include "engine/analysis/analysis.h"
#include "engine/cancel.h"

#include <QStringList>

namespace ml::ui {

const ForwardCall* ForwardRecording::firstCallOf(const QString& path) const
{
    for (const ForwardCall& c : calls)
        if (c.path == path)
            return &c;
    return nullptr;
}

QString ForwardRecording::errorText() const
{
    QStringList lines;
    for (const ml::Diagnostic& d : errors)
        lines << (d.path.empty() ? QString::fromStdString(d.message)
                                 : QStringLiteral("%1: %2").arg(QString::fromStdString(d.path), QString::fromStdString(d.message)));
    return lines.join(QLatin1Char('\n'));
}

ForwardRecording recordForward(const ml::Module& root, const ml::Tensor& input, RunProgress* progress)
{
    ForwardRecording rec;
    const auto observer = [&](const ml::Module& node, const ml::Tensor& in, const ml::Tensor& out) {
        ForwardCall call;
        call.path = QString::fromStdString(node.path());
        call.typeName = QString::fromStdString(node.typeName());
        call.isLayer = node.kind() == ml::ModuleKind::Layer;
        call.input = in;   // copies: the engine reuses its buffers after the call
        call.output = out;
        rec.calls.push_back(std::move(call));
        if (progress) {
            progress->callsDone.fetch_add(1, std::memory_order_relaxed);
            if (progress->cancel.load(std::memory_order_relaxed))
                throw ml::ForwardCancelled{};
        }
    };
    // Long kernels (a big convolution) look at the flag between blocks of their work too.
    const ml::CancelScope cancelScope(progress ? &progress->cancel : nullptr);
    ml::ForwardResult result = ml::runForward(root, input, observer);
    rec.cancelled = result.cancelled;
    rec.output = std::move(result.output);
    rec.outputs = std::move(result.outputs);
    if (!rec.cancelled && !rec.output && !rec.outputs.empty()) {
        // The engine's observer sees single tensors only: the model's call, which returned
        // several, is recorded here, as its forward hook would see it.
        ForwardCall call;
        call.path = QString::fromStdString(root.path());
        call.typeName = QString::fromStdString(root.typeName());
        call.input = input;
        call.output = rec.outputs.front().tensor;
        call.outputs = rec.outputs;
        rec.calls.push_back(std::move(call));
        if (progress)
            progress->callsDone.fetch_add(1, std::memory_order_relaxed);
    }
    for (ml::Diagnostic& d : result.analysis.diagnostics)
        if (d.severity == ml::Severity::Error)
            rec.errors.push_back(std::move(d));
    return rec;
}

} // namespace ml::ui
