#include <charconv>
#include <cmath>
#include <cstring>

#include "json/numbers.h"
#include "json/value.h"
#include "json/writer.h"

namespace rookery::json {

namespace internal {

void AppendDouble(std::string* out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN or infinity
    out->append("null");
    return;
  }
  char buf[40];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d);  // shortest round-trip form
  const size_t len = static_cast<size_t>(res.ptr - buf);
  out->append(buf, len);
  // "1" would read back as an integer: keep the value a double.
  if (std::memchr(buf, '.', len) == nullptr && std::memchr(buf, 'e', len) == nullptr) {
    out->append(".0");
  }
}

}  // namespace internal

using internal::AppendDouble;
using internal::AppendInteger;

void SerializeTo(const Value& value, std::string* out) {
  switch (value.type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return;
    case Type::kInt:
      AppendInteger(out, value.as_int());
      return;
    case Type::kUint:
      AppendInteger(out, value.as_uint());
      return;
    case Type::kDouble:
      AppendDouble(out, value.as_double());
      return;
    case Type::kString:
      AppendQuoted(out, value.as_string());
      return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : value.items()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeTo(item, out);
      }
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const Member& m : value.members()) {
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(out, m.first);
        out->push_back(':');
        SerializeTo(m.second, out);
      }
      out->push_back('}');
      return;
    }
  }
}

std::string Serialize(const Value& value) {
  std::string out;
  SerializeTo(value, &out);
  return out;
}

}  // namespace rookery::json
