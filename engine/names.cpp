#include "engine/names.h"

#include <algorithm>
#include <array>

namespace ml {

int editDistance(std::string_view a, std::string_view b)
{
    std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = static_cast<int>(j);
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = static_cast<int>(i);
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::optional<std::string> didYouMean(std::string_view word, const std::vector<std::string>& candidates)
{
    std::optional<std::string> best;
    int bestDistance = 0;
    for (const std::string& c : candidates) {
        int d = editDistance(word, c);
        // A prefix relation (decode / decoder) is a strong hint.
        if (c.size() > word.size() && c.compare(0, word.size(), word) == 0)
            d = std::min(d, 1);
        if (!best || d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    const int limit = std::max<int>(1, static_cast<int>(word.size()) / 3);
    if (best && bestDistance <= limit)
        return best;
    return std::nullopt;
}

std::string withThousands(int64_t v)
{
    std::string s = std::to_string(v < 0 ? -v : v);
    for (int k = static_cast<int>(s.size()) - 3; k > 0; k -= 3)
        s.insert(static_cast<size_t>(k), ",");
    return v < 0 ? "-" + s : s;
}

bool isPythonIdentifier(std::string_view s)
{
    static constexpr std::array<std::string_view, 35> kKeywords = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
        "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
        "with", "yield"};
    if (s.empty() || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return std::find(kKeywords.begin(), kKeywords.end(), s) == kKeywords.end();
}

} // namespace ml
