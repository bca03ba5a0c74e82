#include "json/writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rookery::json {

namespace {

constexpr bool NeedsEscape(unsigned char u) {
  return u < 0x20 || u == '"' || u == '\\';
}

// The index of the first byte at or after `i` that needs an escape, or value.size(). 16 bytes at a
// time with SSE2 (every x86-64 has it), else 8 at a time in a 64-bit word.
size_t FindEscape(std::string_view value, size_t i) {
  const char* p = value.data();
  const size_t n = value.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1f);
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // A byte is a control character (unsigned, <= 0x1f) when min(x, 0x1f) == x.
    const __m128i below = _mm_cmpeq_epi8(_mm_min_epu8(x, last_control), x);
    const __m128i hit =
        _mm_or_si128(below, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    // (x - c*kOnes) & ~x & kHighs is non-zero exactly when some byte is below c (c <= 0x80); a
    // byte equal to c is a zero byte of x ^ (c*kOnes).
    const uint64_t q = x ^ (kOnes * '"');
    const uint64_t b = x ^ (kOnes * '\\');
    if ((((x - kOnes * 0x20) & ~x) | ((q - kOnes) & ~q) | ((b - kOnes) & ~b)) & kHighs) break;
  }
#endif
  for (; i < n; ++i) {
    if (NeedsEscape(static_cast<unsigned char>(p[i]))) return i;
  }
  return n;
}

}  // namespace

void AppendQuoted(std::string* out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + value.size() + 2);
  out->push_back('"');
  // Runs of characters that need no escape (nearly all of them) are appended in one piece.
  size_t run = 0;
  for (size_t i = FindEscape(value, 0); i < value.size(); i = FindEscape(value, run)) {
    const char c = value[i];
    const auto u = static_cast<unsigned char>(c);
    out->append(value.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[u >> 4]);
        out->push_back(kHex[u & 0xF]);
    }
  }
  out->append(value.data() + run, value.size() - run);
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_->push_back(',');
    has_element_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendQuoted(out_, key);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_->append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {  // JSON has no NaN or infinity
    out_->append("null");
    return *this;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);  // shortest round-trip form
  out_->append(buf, res.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
  return *this;
}

}  // namespace rookery::json
