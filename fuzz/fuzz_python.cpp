// libFuzzer target for the Python reader: arbitrary bytes must give a located ParseError or a
// model, never a crash, hang or sanitizer report; whatever is read must export to code that
// imports again (to the same model when the first import had no errors), and exporting that
// again must give the same text.
#include "fuzzinput.h"

#include "engine/module.h"
#include "engine/python/exporter.h"
#include "engine/python/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes = ml::fuzz::inputText(data, size);

    auto expr = ml::python::parseExpression(bytes);
    if (auto* e = std::get_if<ml::Expr>(&expr)) {
        auto again = ml::python::parseExpression(ml::toSource(*e));
        if (!std::holds_alternative<ml::Expr>(again) || !(std::get<ml::Expr>(again) == *e))
            ml::fuzz::fail("expression toSource/parse round trip changed the expression", ml::toSource(*e));
    }

    const auto imported = ml::fuzz::importInput(bytes);
    const auto* result = std::get_if<ml::python::ImportResult>(&imported);
    if (!result)
        return 0;
    const std::string code = ml::python::exportPython(*result->root);
    auto back = ml::python::importPython(code, "exported.py");
    auto* second = std::get_if<ml::python::ImportResult>(&back);
    if (!second)
        ml::fuzz::fail("exported code does not import", code + "\n" + std::get<ml::ParseError>(back).toString());
    // A tree with errors may hold two different classes of one name, which export renames.
    if (!ml::hasErrors(result->diagnostics) && ml::repr(*second->root) != ml::repr(*result->root))
        ml::fuzz::fail("exported code builds a different model", code);
    if (ml::python::exportPython(*second->root) != code)
        ml::fuzz::fail("export is not a fixed point", code);
    return 0;
}
