// libFuzzer target for everything ModuleLab reads from untrusted files: JSON, project files and
// safetensors. Any crash, sanitizer report or broken round trip is a bug.
#include "engine/io/json.h"
#include "engine/io/project.h"
#include "engine/io/safetensors.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    auto json = ml::parseJson(bytes, "fuzz.json");
    if (auto* v = std::get_if<ml::JsonValue>(&json)) {
        auto again = ml::parseJson(ml::writeJson(*v), "again.json");
        if (!std::holds_alternative<ml::JsonValue>(again) || !(std::get<ml::JsonValue>(again) == *v)) {
            std::fputs("JSON write/read round trip changed the document\n", stderr);
            std::abort();
        }
    }

    auto project = ml::parseProject(bytes, "fuzz.mlab");
    if (auto* p = std::get_if<ml::Project>(&project)) {
        const std::string text = ml::projectToJson(*p);
        auto again = ml::parseProject(text, "again.mlab");
        if (!std::holds_alternative<ml::Project>(again) || ml::projectToJson(std::get<ml::Project>(again)) != text) {
            std::fputs("project write/read round trip failed\n", stderr);
            std::abort();
        }
    }

    (void)ml::parseSafeTensors(bytes, "fuzz.safetensors");
    return 0;
}
