// libFuzzer target for the Python evaluator: arbitrary source (loops, deep nesting, huge ranges
// and collections, recursion) must give a located error or a model, never a crash, hang, giant
// allocation or sanitizer report; a model that is built is also analysed (forward runs
// symbolically on the file's '# input:' shape), which must end in diagnostics, never a crash.
#include "fuzzinput.h"

#include "engine/analysis/analysis.h"
#include "engine/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto imported = ml::fuzz::importInput(ml::fuzz::inputText(data, size));
    const auto* result = std::get_if<ml::python::ImportResult>(&imported);
    if (!result)
        return 0;
    (void)ml::countParameters(*result->root);
    (void)ml::stateDict(*result->root);
    (void)ml::repr(*result->root);
    if (result->inputShape && ml::namedModules(*result->root, true).size() < 2000)
        (void)ml::analyze(*result->root, *result->inputShape);
    return 0;
}
