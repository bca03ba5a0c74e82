#include "indexing/term.h"

#include <cstring>

#include "json/text.h"

namespace rookery::indexing {
namespace {

void AppendEscaped(std::string_view lowered, std::string* out) {
  for (char c : lowered) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xFF');
  }
}

}  // namespace

std::string LowerForTerm(std::string_view text) {
  return json::LowerInvariant(text);
}

std::string EncodeNumberTerm(double d) {
  if (d == 0) d = 0;  // -0.0 and 0.0 are one term
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  std::string out(1, kTermNumber);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (i * 8)) & 0xFF));
  return out;
}

std::string EncodeStringPrefix(std::string_view prefix) {
  std::string out(1, kTermString);
  AppendEscaped(LowerForTerm(prefix), &out);
  return out;
}

std::string EncodeStringTerm(std::string_view text) {
  std::string out = EncodeStringPrefix(text);
  out.push_back('\0');
  out.push_back('\x01');
  return out;
}

std::optional<std::string> EncodeTerm(const json::Value& value) {
  switch (value.type()) {
    case json::Type::kNull:
      return std::string(1, kTermNull);
    case json::Type::kBool:
      return std::string(1, value.as_bool() ? kTermTrue : kTermFalse);
    case json::Type::kInt:
    case json::Type::kUint:
    case json::Type::kDouble:
      return EncodeNumberTerm(value.as_double());
    case json::Type::kString:
      return EncodeStringTerm(value.as_string());
    case json::Type::kArray:
    case json::Type::kObject:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace rookery::indexing
