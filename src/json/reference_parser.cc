#include "json/reference_parser.h"

#include <charconv>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "json/object_builder.h"

namespace rookery::json::internal {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

struct Frame {
  bool is_object = false;
  std::vector<Value> items;
  ObjectBuilder object;
  std::string key;
};

class Parser {
 public:
  Parser(std::string_view text, uint32_t max_depth)
      : p_(text.data()), n_(text.size()), text_(text), max_depth_(max_depth) {}

  Result<Value> Run() {
    Value v;
    if (!RunInternal(&v)) return ErrorAt(text_, error_pos_, error_);
    return v;
  }

 private:
  bool Fail(size_t at, std::string what) {
    error_pos_ = at;
    error_ = std::move(what);
    return false;
  }

  // An error whose message names what was found at `at`.
  bool Expected(size_t at, std::string_view what) {
    std::string msg(what);
    msg += ", found ";
    if (at >= n_) {
      msg += "end of input";
    } else {
      const auto c = static_cast<unsigned char>(p_[at]);
      if (c > 0x20 && c < 0x7F) {
        msg += '\'';
        msg += static_cast<char>(c);
        msg += '\'';
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        msg += "byte 0x";
        msg += kHex[c >> 4];
        msg += kHex[c & 0xF];
      }
    }
    return Fail(at, std::move(msg));
  }

  void SkipWhitespace() {
    while (pos_ < n_) {
      const char c = p_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool RunInternal(Value* result);
  bool ParseKey(std::string* key, std::string_view expected);
  bool ParseScalar(Value* out, std::string_view expected);
  bool ParseString(std::string* out);
  bool ParseEscape(std::string* out);
  bool ParseHex4(size_t at, uint32_t* out);
  bool ParseNumber(Value* out);
  bool ParseLiteral(Value* out);

  const char* p_;
  size_t n_;
  std::string_view text_;
  uint32_t max_depth_;
  size_t pos_ = 0;
  size_t error_pos_ = 0;
  std::string error_;
  std::string scratch_;
};

bool Parser::RunInternal(Value* result) {
  std::vector<Frame> stack;
  std::string_view expected = "expected a value";
  SkipWhitespace();
  for (;;) {
    // A value starts at pos_.
    Value value;
    const char c = pos_ < n_ ? p_[pos_] : '\0';
    if (c == '[' || c == '{') {
      if (stack.size() >= max_depth_) {
        return Fail(pos_, "nesting deeper than " + std::to_string(max_depth_) + " levels");
      }
      ++pos_;
      SkipWhitespace();
      const char close = c == '[' ? ']' : '}';
      if (pos_ < n_ && p_[pos_] == close) {
        ++pos_;
        value = c == '[' ? Value::Array() : Value::Object();
      } else {
        stack.emplace_back();
        stack.back().is_object = c == '{';
        if (c == '[') {
          expected = "expected a value or ']'";
        } else {
          if (!ParseKey(&stack.back().key, "expected a string key or '}'")) return false;
          expected = "expected a value after ':'";
        }
        continue;
      }
    } else if (!ParseScalar(&value, expected)) {
      return false;
    }

    // A complete value: attach it, closing every container it completes.
    for (;;) {
      if (stack.empty()) {
        SkipWhitespace();
        if (pos_ != n_) return Expected(pos_, "unexpected data after the JSON value");
        *result = std::move(value);
        return true;
      }
      Frame& top = stack.back();
      if (top.is_object) {
        top.object.Add(top.key, std::move(value));
      } else {
        top.items.push_back(std::move(value));
      }
      SkipWhitespace();
      const char d = pos_ < n_ ? p_[pos_] : '\0';
      if (d == ',') {
        ++pos_;
        SkipWhitespace();
        if (top.is_object) {
          if (!ParseKey(&top.key, "expected a string key after ','")) return false;
          expected = "expected a value after ':'";
        } else {
          expected = "expected a value after ','";
        }
        break;
      }
      if (top.is_object ? d != '}' : d != ']') {
        return Expected(pos_, top.is_object ? "expected ',' or '}' after an object member"
                                            : "expected ',' or ']' after an array element");
      }
      ++pos_;
      value = top.is_object ? top.object.Finish() : Value::Array(std::move(top.items));
      stack.pop_back();
    }
  }
}

bool Parser::ParseKey(std::string* key, std::string_view expected) {
  if (pos_ >= n_ || p_[pos_] != '"') return Expected(pos_, expected);
  if (!ParseString(key)) return false;
  SkipWhitespace();
  if (pos_ >= n_ || p_[pos_] != ':') return Expected(pos_, "expected ':' after an object key");
  ++pos_;
  SkipWhitespace();
  return true;
}

bool Parser::ParseScalar(Value* out, std::string_view expected) {
  const char c = pos_ < n_ ? p_[pos_] : '\0';
  if (c == '"') {
    if (!ParseString(&scratch_)) return false;
    *out = Value::String(scratch_);
    return true;
  }
  if (c == '-' || IsDigit(c)) return ParseNumber(out);
  if (c == 't' || c == 'f' || c == 'n') return ParseLiteral(out);
  return Expected(pos_, expected);
}

bool Parser::ParseString(std::string* out) {
  const size_t open = pos_;
  ++pos_;
  out->clear();
  for (;;) {
    const size_t run = pos_;
    while (pos_ < n_) {
      const auto c = static_cast<unsigned char>(p_[pos_]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++pos_;
    }
    out->append(p_ + run, pos_ - run);
    if (pos_ >= n_) {
      return Fail(n_, "unterminated string (opened at byte " + std::to_string(open) + ")");
    }
    const auto c = static_cast<unsigned char>(p_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c == '\\') {
      if (!ParseEscape(out)) return false;
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string msg = "control character U+00";
      msg += kHex[c >> 4];
      msg += kHex[c & 0xF];
      msg += " must be escaped in a string";
      return Fail(pos_, std::move(msg));
    } else {
      const size_t len =
          Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_ + pos_), n_ - pos_);
      if (len == 0) return Fail(pos_, "invalid UTF-8 in string");
      out->append(p_ + pos_, len);
      pos_ += len;
    }
  }
}

bool Parser::ParseHex4(size_t at, uint32_t* out) {
  if (n_ - at < 4) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int h = HexDigitValue(p_[at + i]);
    if (h < 0) return false;
    v = v << 4 | static_cast<uint32_t>(h);
  }
  *out = v;
  return true;
}

bool Parser::ParseEscape(std::string* out) {
  const size_t at = pos_;  // the backslash
  if (at + 1 >= n_) return Fail(n_, "unterminated escape sequence in string");
  const char e = p_[at + 1];
  pos_ = at + 2;
  switch (e) {
    case '"':
    case '\\':
    case '/':
      out->push_back(e);
      return true;
    case 'b':
      out->push_back('\b');
      return true;
    case 'f':
      out->push_back('\f');
      return true;
    case 'n':
      out->push_back('\n');
      return true;
    case 'r':
      out->push_back('\r');
      return true;
    case 't':
      out->push_back('\t');
      return true;
    case 'u':
      break;
    default:
      return Expected(at + 1, "invalid escape in string: expected one of \" \\ / b f n r t u");
  }
  uint32_t cp;
  if (!ParseHex4(at + 2, &cp)) return Fail(at, "invalid \\u escape: expected 4 hex digits");
  pos_ = at + 6;
  if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return Fail(at, "unpaired surrogate in \\u escape (a low surrogate must follow a high one)");
  }
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low;
    if (n_ - pos_ < 2 || p_[pos_] != '\\' || p_[pos_ + 1] != 'u' || !ParseHex4(pos_ + 2, &low) ||
        low < 0xDC00 || low > 0xDFFF) {
      return Fail(at,
                  "unpaired surrogate in \\u escape (a high surrogate must be followed by a "
                  "\\uDC00-\\uDFFF escape)");
    }
    pos_ += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  AppendUtf8(out, cp);
  return true;
}

bool Parser::ParseNumber(Value* out) {
  const size_t start = pos_;
  const bool negative = p_[pos_] == '-';
  if (negative) ++pos_;
  if (pos_ >= n_ || !IsDigit(p_[pos_])) return Expected(pos_, "expected a digit after '-'");
  const size_t int_start = pos_;
  if (p_[pos_] == '0') {
    ++pos_;
    if (pos_ < n_ && IsDigit(p_[pos_])) return Fail(pos_ - 1, "leading zeros are not allowed");
  } else {
    while (pos_ < n_ && IsDigit(p_[pos_])) ++pos_;
  }
  const size_t int_end = pos_;
  size_t frac_start = pos_, frac_end = pos_;
  int64_t exponent = 0;
  bool integer = true;
  if (pos_ < n_ && p_[pos_] == '.') {
    integer = false;
    ++pos_;
    if (pos_ >= n_ || !IsDigit(p_[pos_])) {
      return Expected(pos_, "expected a digit after the decimal point");
    }
    frac_start = pos_;
    while (pos_ < n_ && IsDigit(p_[pos_])) ++pos_;
    frac_end = pos_;
  }
  if (pos_ < n_ && (p_[pos_] == 'e' || p_[pos_] == 'E')) {
    integer = false;
    ++pos_;
    bool exp_negative = false;
    if (pos_ < n_ && (p_[pos_] == '+' || p_[pos_] == '-')) exp_negative = p_[pos_++] == '-';
    if (pos_ >= n_ || !IsDigit(p_[pos_])) return Expected(pos_, "expected a digit in the exponent");
    while (pos_ < n_ && IsDigit(p_[pos_])) {
      if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (p_[pos_] - '0');
      ++pos_;
    }
    if (exp_negative) exponent = -exponent;
  }
  const char* first = p_ + start;
  const char* last = p_ + pos_;
  if (integer) {
    int64_t i;
    if (std::from_chars(first, last, i).ec == std::errc()) {
      *out = Value::Int(i);
      return true;
    }
    uint64_t u;
    if (!negative && std::from_chars(first, last, u).ec == std::errc()) {
      *out = Value::Uint(u);
      return true;
    }
  }
  double d;
  const auto res = std::from_chars(first, last, d);
  if (res.ec == std::errc()) {
    *out = Value::Double(d);
    return true;
  }
  // Out of range: an underflow rounds to zero, an overflow is an error. The decimal magnitude
  // tells them apart: the position of the first non-zero digit, shifted by the exponent.
  int64_t magnitude = INT64_MIN;
  for (size_t i = int_start; i < int_end; ++i) {
    if (p_[i] != '0') {
      magnitude = static_cast<int64_t>(int_end - i) - 1 + exponent;
      break;
    }
  }
  if (magnitude == INT64_MIN) {
    for (size_t i = frac_start; i < frac_end; ++i) {
      if (p_[i] != '0') {
        magnitude = -static_cast<int64_t>(i - frac_start + 1) + exponent;
        break;
      }
    }
  }
  if (magnitude != INT64_MIN && magnitude > 0) {
    return Fail(start, "number out of range (too large for a double)");
  }
  *out = Value::Double(negative ? -0.0 : 0.0);
  return true;
}

bool Parser::ParseLiteral(Value* out) {
  const std::string_view rest(p_ + pos_, n_ - pos_);
  if (rest.starts_with("true")) {
    *out = Value::Bool(true);
    pos_ += 4;
  } else if (rest.starts_with("false")) {
    *out = Value::Bool(false);
    pos_ += 5;
  } else if (rest.starts_with("null")) {
    *out = Value::Null();
    pos_ += 4;
  } else {
    return Fail(pos_, "invalid literal (expected true, false or null)");
  }
  return true;
}

}  // namespace

Status ErrorAt(std::string_view text, size_t byte, std::string_view what) {
  if (byte > text.size()) byte = text.size();
  size_t line = 1;
  size_t line_start = 0;
  const std::string_view before = text.substr(0, byte);
  for (size_t nl = before.find('\n'); nl != std::string_view::npos;
       nl = before.find('\n', nl + 1)) {
    ++line;
    line_start = nl + 1;
  }
  std::string msg = "invalid JSON at line " + std::to_string(line) + ", column " +
                    std::to_string(byte - line_start + 1) + " (byte " + std::to_string(byte) +
                    "): ";
  msg.append(what);
  return Status::InvalidArgument(std::move(msg));
}

Result<Value> ParseReference(std::string_view text, uint32_t max_depth) {
  return Parser(text, max_depth).Run();
}

}  // namespace rookery::json::internal
