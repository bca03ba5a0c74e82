// Number text as json::Serialize writes it, shared with json::Dom. Internal to the json layer.
#pragma once

#include <charconv>
#include <string>

namespace rookery::json::internal {

template <typename T>
void AppendInteger(std::string* out, T v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

// Shortest round-trip form, with ".0" when that form looks like an integer (so 1.0 stays a
// double); NaN and infinities become null.
void AppendDouble(std::string* out, double d);

}  // namespace rookery::json::internal
