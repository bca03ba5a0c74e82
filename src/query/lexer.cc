#include "query/lexer.h"

#include <algorithm>
#include <cstring>

#include "base/utf8.h"

namespace rookery::query::internal {

namespace {

bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsIdentifierStart(char c) {
  return IsAsciiLetter(c) || c == '_' || c == '@' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentifierPart(char c) {
  return IsIdentifierStart(c) || IsDigit(c) || c == '-';
}

// Quotes a piece of query text for a message, cut to a readable length.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out.append("...");
  out.push_back('\'');
  return out;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool Token::IsKeyword(std::string_view keyword) const {
  return kind == TokenKind::kIdentifier && EqualsIgnoreCase(text, keyword);
}

std::string Token::Describe() const {
  switch (kind) {
    case TokenKind::kEnd:
      return "end of query";
    case TokenKind::kString:
      return "string " + Quote(value);
    case TokenKind::kNumber:
      return "number " + std::string(text.substr(0, 40));
    case TokenKind::kParameter:
      return "parameter " + std::string(text.substr(0, 40));
    case TokenKind::kIdentifier:
    case TokenKind::kPunct:
      break;
  }
  return Quote(text);
}

Position Lexer::Here() const {
  return Position{static_cast<uint32_t>(pos_), line_,
                  static_cast<uint32_t>(pos_ - line_start_ + 1)};
}

Position Lexer::PositionOf(uint32_t offset) const {
  Position p;
  p.offset = offset;
  size_t line_start = 0;
  const size_t end = std::min<size_t>(offset, text_.size());
  for (size_t i = 0; i < end; ++i) {
    if (text_[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<uint32_t>(offset - line_start + 1);
  return p;
}

void Lexer::Advance(size_t to) {
  for (; pos_ < to; ++pos_) {
    if (text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
  }
}

const Token& Lexer::Peek() {
  if (!has_peek_) {
    peek_ = Lex();
    has_peek_ = true;
  }
  return peek_;
}

Token Lexer::Next() {
  if (has_peek_) {
    has_peek_ = false;
    return std::move(peek_);
  }
  return Lex();
}

void Lexer::SkipSpaceAndComments() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      Advance(pos_ + 1);
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      const size_t nl = text_.find('\n', pos_);
      Advance(nl == std::string_view::npos ? text_.size() : nl);
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      const size_t close = text_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) {
        throw LexError{Here(), "expected '*/' to close the comment, got end of query"};
      }
      Advance(close + 2);
    } else {
      return;
    }
  }
}

size_t Lexer::ScanIdentifierEnd(size_t from) const {
  size_t i = from;
  while (i < text_.size() && IsIdentifierPart(text_[i])) ++i;
  return i;
}

Token Lexer::Lex() {
  SkipSpaceAndComments();
  Token t;
  t.pos = Here();
  if (pos_ >= text_.size()) {
    t.kind = TokenKind::kEnd;
    t.text = text_.substr(text_.size());
    return t;
  }
  const char c = text_[pos_];
  if (c == '\'' || c == '"') return LexString(t.pos);
  if (IsDigit(c) || (c == '-' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
    return LexNumber(t.pos);
  }
  if (IsIdentifierStart(c)) {
    const size_t end = ScanIdentifierEnd(pos_ + 1);
    t.kind = TokenKind::kIdentifier;
    t.text = text_.substr(pos_, end - pos_);
    Advance(end);
    return t;
  }
  if (c == '$') {
    const size_t end = ScanIdentifierEnd(pos_ + 1);
    if (end == pos_ + 1) {
      throw LexError{t.pos, "expected a parameter name after '$', got " +
                                (pos_ + 1 < text_.size() ? Quote(text_.substr(pos_ + 1, 1))
                                                         : std::string("end of query"))};
    }
    t.kind = TokenKind::kParameter;
    t.text = text_.substr(pos_, end - pos_);
    t.value = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    Advance(end);
    return t;
  }
  static constexpr std::string_view kTwoChar[] = {"==", "!=", "<>", "<=", ">="};
  for (std::string_view op : kTwoChar) {
    if (text_.substr(pos_, 2) == op) {
      t.kind = TokenKind::kPunct;
      t.text = text_.substr(pos_, 2);
      Advance(pos_ + 2);
      return t;
    }
  }
  if (std::strchr("()[]{},.*=<>", c) != nullptr && c != '\0') {
    t.kind = TokenKind::kPunct;
    t.text = text_.substr(pos_, 1);
    Advance(pos_ + 1);
    return t;
  }
  std::string shown = (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                          ? "byte 0x" + std::string(1, "0123456789abcdef"[(c >> 4) & 0xf]) +
                                std::string(1, "0123456789abcdef"[c & 0xf])
                          : Quote(text_.substr(pos_, 1));
  throw LexError{t.pos, "expected a name, value, operator or clause, got " + shown};
}

Token Lexer::LexString(Position start) {
  const char quote = text_[pos_];
  Token t;
  t.kind = TokenKind::kString;
  t.pos = start;
  size_t i = pos_ + 1;
  while (true) {
    if (i >= text_.size()) {
      throw LexError{start,
                     std::string("expected ") + quote + " to close the string, got end of query"};
    }
    const char c = text_[i];
    if (c == quote) {
      if (i + 1 < text_.size() && text_[i + 1] == quote) {  // '' inside '...' is one quote
        t.value.push_back(quote);
        i += 2;
        continue;
      }
      ++i;
      break;
    }
    if (c != '\\') {
      t.value.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= text_.size()) {
      throw LexError{start,
                     std::string("expected ") + quote + " to close the string, got end of query"};
    }
    const char e = text_[i + 1];
    switch (e) {
      case '\\':
      case '\'':
      case '"':
      case '/':
        t.value.push_back(e);
        break;
      case 'n':
      case 'N':
        t.value.push_back('\n');
        break;
      case 't':
      case 'T':
        t.value.push_back('\t');
        break;
      case 'r':
      case 'R':
        t.value.push_back('\r');
        break;
      case 'b':
      case 'B':
        t.value.push_back('\b');
        break;
      case 'f':
      case 'F':
        t.value.push_back('\f');
        break;
      case 'u': {
        uint32_t cp = 0;
        for (size_t k = 0; k < 4; ++k) {
          const int h = i + 2 + k < text_.size() ? HexDigitValue(text_[i + 2 + k]) : -1;
          if (h < 0) {
            throw LexError{PositionOf(static_cast<uint32_t>(i)),
                           "expected four hex digits after \\u in the string, got " +
                               Quote(text_.substr(i, std::min<size_t>(6, text_.size() - i)))};
          }
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          throw LexError{PositionOf(static_cast<uint32_t>(i)),
                         "expected a character after \\u, got a UTF-16 surrogate (write the "
                         "character itself in UTF-8)"};
        }
        AppendUtf8(&t.value, cp);
        i += 6;
        continue;
      }
      default:
        throw LexError{PositionOf(static_cast<uint32_t>(i)),
                       "expected an escape (\\\\ \\' \\\" \\/ \\n \\t \\r \\b \\f \\uXXXX) in the "
                       "string, got " +
                           Quote(text_.substr(i, 2))};
    }
    i += 2;
  }
  t.text = text_.substr(pos_, i - pos_);
  Advance(i);
  return t;
}

Token Lexer::LexNumber(Position start) {
  size_t i = pos_;
  if (text_[i] == '-') ++i;
  auto digits = [&](bool allow_underscore) {
    const size_t from = i;
    while (i < text_.size() &&
           (IsDigit(text_[i]) || (allow_underscore && text_[i] == '_' && i > from))) {
      ++i;
    }
  };
  digits(true);
  if (i + 1 < text_.size() && text_[i] == '.' && IsDigit(text_[i + 1])) {
    ++i;
    digits(false);
  }
  if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
    size_t j = i + 1;
    if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
    if (j < text_.size() && IsDigit(text_[j])) {
      i = j;
      digits(false);
    }
  }
  if (i < text_.size() && (IsIdentifierStart(text_[i]) || text_[i] == '_')) {
    throw LexError{
        start, "expected a number, got " + Quote(text_.substr(pos_, ScanIdentifierEnd(i) - pos_))};
  }
  Token t;
  t.kind = TokenKind::kNumber;
  t.pos = start;
  t.text = text_.substr(pos_, i - pos_);
  Advance(i);
  return t;
}

std::string_view Lexer::ScanBraceBody() {
  Position open;
  if (has_peek_) {
    // The peeked '{' is already consumed: the body starts at pos_.
    open = peek_.pos;
    has_peek_ = false;
  } else {
    SkipSpaceAndComments();
    open = Here();
    if (pos_ >= text_.size() || text_[pos_] != '{') {
      throw LexError{open, "expected '{'"};
    }
    Advance(pos_ + 1);
  }
  const size_t body_start = pos_;
  int depth = 1;
  size_t i = pos_;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '\'' || c == '"' || c == '`') {
      ++i;
      while (i < text_.size() && text_[i] != c) i += (text_[i] == '\\') ? 2 : 1;
      if (i >= text_.size()) break;
      ++i;
    } else if (c == '/' && i + 1 < text_.size() && text_[i + 1] == '/') {
      const size_t nl = text_.find('\n', i);
      i = nl == std::string_view::npos ? text_.size() : nl;
    } else if (c == '/' && i + 1 < text_.size() && text_[i + 1] == '*') {
      const size_t close = text_.find("*/", i + 2);
      if (close == std::string_view::npos) break;
      i = close + 2;
    } else if (c == '{') {
      ++depth;
      ++i;
    } else if (c == '}') {
      if (--depth == 0) {
        const std::string_view body = text_.substr(body_start, i - body_start);
        Advance(i + 1);
        return body;
      }
      ++i;
    } else {
      ++i;
    }
  }
  throw LexError{open, "expected '}' to close the '{' of this script, got end of query"};
}

}  // namespace rookery::query::internal
