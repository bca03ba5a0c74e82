// RQL lexer: query text -> tokens, pulled one at a time by the parser (parser.cc).
//
// Pull-based rather than a token list because one construct is not made of RQL tokens: the body
// of `update { ... }` is JavaScript, captured raw by ScanBraceBody() with balanced braces.
//
// Tokens: identifiers (start: letter, '_', '@' or any non-ASCII UTF-8 sequence; then also digits
// and '-'), strings ('...' or "..." with backslash escapes and doubled quotes), numbers (optional
// '-', digits with optional '_' separators, optional fraction and exponent), parameters ($name)
// and punctuation ( ) [ ] { } , . * = == != <> < <= > >=. Whitespace and comments (// to end of
// line, /* ... */) separate tokens. Keywords are not distinguished here: the parser matches
// identifiers case-insensitively in context, as RavenDB does.
//
// Errors are thrown as LexError (internal to the query layer; ParseQuery turns them into a
// Status): callers outside parser.cc never see them.
//
// Threads: a Lexer is used by one thread; it keeps a view of the text, which must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "query/ast.h"

namespace rookery::query::internal {

enum class TokenKind : uint8_t {
  kEnd,         // end of the text
  kIdentifier,  // text = the identifier
  kString,      // text = the raw literal with quotes; value = decoded
  kNumber,      // text = the raw literal
  kParameter,   // text = "$name"; value = "name"
  kPunct,       // text = the operator or bracket
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // points into the query text
  std::string value;      // kString: decoded; kParameter: the name
  Position pos;

  bool Is(std::string_view punct) const { return kind == TokenKind::kPunct && text == punct; }
  // An identifier equal to `keyword` ignoring ASCII case.
  bool IsKeyword(std::string_view keyword) const;
  // For messages: "'where'", "string 'abc'", "number 12", "parameter $p0", "end of query".
  std::string Describe() const;
};

// Thrown for malformed text; `message` is the part after "Invalid RQL at ...: ".
struct LexError {
  Position pos;
  std::string message;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  const Token& Peek();
  Token Next();
  // Where the lexer stands (start of the next token, or of the whitespace before it).
  Position Here() const;

  // With the next token being '{' (peeked or not): consumes a balanced { ... } block, skipping
  // braces inside '...', "...", `...` strings and // or /* */ comments, and returns the text
  // between the outer braces. Throws LexError at the '{' when it is never closed.
  std::string_view ScanBraceBody();

  // The position of a byte offset already passed by the lexer or ahead of it.
  Position PositionOf(uint32_t offset) const;

 private:
  Token Lex();
  void SkipSpaceAndComments();
  void Advance(size_t to);  // moves pos_ forward, counting lines
  Token LexString(Position start);
  Token LexNumber(Position start);
  size_t ScanIdentifierEnd(size_t from) const;

  std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
  bool has_peek_ = false;
  Token peek_;
};

// Whether `a` equals `b` ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rookery::query::internal
