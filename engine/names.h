#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ml {

// The closest candidate by edit distance, if close enough to be a likely typo.
std::optional<std::string> didYouMean(std::string_view word, const std::vector<std::string>& candidates);
// Levenshtein distance.
int editDistance(std::string_view a, std::string_view b);
// A valid Python identifier that is not a keyword.
bool isPythonIdentifier(std::string_view s);

} // namespace ml
