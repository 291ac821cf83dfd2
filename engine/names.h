#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ml {

// The closest candidate by edit distance, if close enough to be a likely typo.
std::optional<std::string> didYouMean(std::string_view word, const std::vector<std::string>& candidates);
// Levenshtein distance.
int editDistance(std::string_view a, std::string_view b);
// "51,410,506": an integer with thousands separators.
std::string withThousands(int64_t v);
// A valid Python identifier that is not a keyword.
bool isPythonIdentifier(std::string_view s);

} // namespace ml
