#include "engine/analysis/forwardoplisting.h"

#include "engine/analysis/forwardop.h"

namespace ml {

using detail::ForwardOp;
using detail::OpGradient;

namespace {

std::string joined(const std::vector<std::string>& parts, const std::string& quote)
{
    std::string out;
    for (const std::string& p : parts)
        out += (out.empty() ? "" : ", ") + quote + p + quote;
    return out;
}

std::string backwardText(const ForwardOp& op)
{
    if (op.gradient.via == OpGradient::Via::NoTensor)
        return "n/a";
    if (op.gradient.via == OpGradient::Via::Stops)
        return "stops";
    return detail::hasBackward(op) ? "yes" : "no";
}

} // namespace

std::string forwardOpsMarkdown()
{
    std::string out = "| op | spellings | kind | shapes | data | backward |\n|---|---|---|---|---|---|\n";
    std::string limits;
    for (const ForwardOp& op : detail::forwardOps()) {
        const std::string data = !op.data ? "no" : op.dataLimit.empty() ? "yes" : "partly";
        out += "| `" + std::string(op.name) + "` | " + joined(detail::spellingsOf(op), "`") + " | " + std::string(op.kind)
            + (op.layer.empty() ? "" : " (nn." + std::string(op.layer) + ")") + " | yes | " + data + " | " + backwardText(op) + " |\n";
        if (!op.dataLimit.empty())
            limits += "- `" + std::string(op.name) + "`: " + std::string(op.dataLimit) + "\n";
    }
    out += "\nshapes: runs in the symbolic analysis; data: runs on tensors (run, compare, Step/Play); backward: a training pass\n"
           "differentiates it (n/a: it gives no tensor; stops: the gradient stops there, as in PyTorch).\n";
    if (!limits.empty())
        out += "\n" + limits;
    return out;
}

JsonValue forwardOpsJson()
{
    JsonValue all = JsonValue::array();
    for (const ForwardOp& op : detail::forwardOps()) {
        JsonValue e = JsonValue::object();
        e.set("name", JsonValue::string(std::string(op.name)));
        JsonValue spellings = JsonValue::array();
        for (const std::string& s : detail::spellingsOf(op))
            spellings.append(JsonValue::string(s));
        e.set("spellings", std::move(spellings));
        e.set("kind", JsonValue::string(std::string(op.kind)));
        e.set("shapes", JsonValue::boolean(true));
        e.set("data", JsonValue::boolean(op.data));
        e.set("data_limit", op.dataLimit.empty() ? JsonValue::null() : JsonValue::string(std::string(op.dataLimit)));
        e.set("backward", op.gradient.via == OpGradient::Via::NoTensor ? JsonValue::null() : JsonValue::boolean(detail::hasBackward(op)));
        e.set("layer", op.layer.empty() ? JsonValue::null() : JsonValue::string(std::string(op.layer)));
        e.set("receiver", JsonValue::boolean(op.receiver));
        e.set("example", JsonValue::string(std::string(op.example)));
        e.set("on", JsonValue::string(std::string(op.on)));
        all.append(std::move(e));
    }
    return all;
}

} // namespace ml
