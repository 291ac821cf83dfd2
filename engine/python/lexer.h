#pragma once

#include "engine/diagnostic.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ml::python {

// Hard limits that keep every input, however hostile, cheap to read.
inline constexpr size_t kMaxSourceBytes = 8u << 20;   // 8 MiB of source text
inline constexpr size_t kMaxTokens = 1'000'000;
inline constexpr int kMaxBracketDepth = 200;          // ( [ { nesting, as Python
inline constexpr int kMaxIndentLevels = 50;

struct Token {
    enum class Kind {
        Name,    // identifiers and keywords
        Int,
        Float,
        String,  // text = the decoded value; adjacent literals are kept separate
        Op,      // text = the operator or delimiter: ( ) [ ] { } , : . = + - * / // ...
        Newline, // end of a logical line
        Indent,
        Dedent,
        End,
    };

    Kind kind = Kind::End;
    std::string text;
    int64_t i = 0;
    double f = 0.0;
    SourceLoc loc; // 1-based line and column (bytes) of the first character
    bool fstring = false; // String: an f-string, text still holds its {replacement fields}
};

struct Comment {
    SourceLoc loc;
    std::string text; // after '#', without the line break
};

struct TokenStream {
    std::vector<Token> tokens; // ends with Kind::End
    std::vector<Comment> comments;
};

// Splits Python source into tokens as Python's tokenizer does for the subset: INDENT/DEDENT
// from leading whitespace, no line breaks inside brackets or after a backslash, comments
// collected aside. `origin` is the position of source[0] in its file.
std::variant<TokenStream, ParseError> tokenize(std::string_view source, std::string_view fileName,
                                               SourceLoc origin = {1, 1});

bool isKeyword(std::string_view word);

} // namespace ml::python
