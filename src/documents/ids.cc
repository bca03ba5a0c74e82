#include "documents/ids.h"

#include <cstdio>

namespace rookery::documents {
namespace {

char LowerChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ReadDigits(std::string_view text, size_t pos, size_t n, int64_t* out) {
  if (pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

std::string FormatGuid(uint64_t hi, uint64_t lo) {
  hi = (hi & ~uint64_t{0xF000}) | 0x4000;                      // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string FormatDatabaseId(uint64_t hi, uint64_t lo) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  std::string out;
  out.reserve(22);
  for (size_t i = 0; i < 16; i += 3) {
    uint32_t n = uint32_t{bytes[i]} << 16;
    if (i + 1 < 16) n |= uint32_t{bytes[i + 1]} << 8;
    if (i + 2 < 16) n |= bytes[i + 2];
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    if (i + 1 < 16) out.push_back(kAlphabet[(n >> 6) & 63]);
    if (i + 2 < 16) out.push_back(kAlphabet[n & 63]);
  }
  return out;
}

std::string FormatChangeVector(std::string_view node_tag, uint64_t etag,
                               std::string_view database_id) {
  std::string out(node_tag);
  out += ':';
  out += std::to_string(etag);
  out += '-';
  out += database_id;
  return out;
}

std::string FormatEtagId(uint64_t etag) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%019llu", static_cast<unsigned long long>(etag));
  return buf;
}

std::string FormatDate(uint64_t micros) {
  const int64_t secs = static_cast<int64_t>(micros / 1000000);
  const unsigned frac = static_cast<unsigned>(micros % 1000000);
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const unsigned hour = static_cast<unsigned>(rem / 3600);
  const unsigned minute = static_cast<unsigned>(rem % 3600 / 60);
  const unsigned second = static_cast<unsigned>(rem % 60);
  if (y > 9999) {  // not from any real clock; snprintf widens the year
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02u.%06u0Z",
                  static_cast<long long>(y), m, d, hour, minute, second, frac);
    return buf;
  }
  // Written digit by digit: every PUT and every load formats a date, and snprintf was a visible
  // share of a GET's CPU.
  std::string out(28, '0');
  auto put = [&out](size_t pos, size_t width, uint64_t v) {
    for (size_t i = pos + width; i > pos; --i) {
      out[i - 1] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, 4, static_cast<uint64_t>(y));
  out[4] = '-';
  put(5, 2, m);
  out[7] = '-';
  put(8, 2, d);
  out[10] = 'T';
  put(11, 2, hour);
  out[13] = ':';
  put(14, 2, minute);
  out[16] = ':';
  put(17, 2, second);
  out[19] = '.';
  put(20, 6, frac);
  out[27] = 'Z';  // out[26] stays '0': 7 fractional digits
  return out;
}

std::optional<int64_t> ParseDate(std::string_view t) {
  int64_t y, mo, d, h, mi, s;
  if (t.size() < 19 || !ReadDigits(t, 0, 4, &y) || t[4] != '-' || !ReadDigits(t, 5, 2, &mo) ||
      t[7] != '-' || !ReadDigits(t, 8, 2, &d) || (t[10] != 'T' && t[10] != ' ') ||
      !ReadDigits(t, 11, 2, &h) || t[13] != ':' || !ReadDigits(t, 14, 2, &mi) || t[16] != ':' ||
      !ReadDigits(t, 17, 2, &s)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    size_t digits = 0;
    int64_t scale = 1000000;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (++digits > 7) return std::nullopt;
      scale /= 10;
      micros += (t[pos] - '0') * scale;  // the 7th digit has scale 0: below a microsecond
      ++pos;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos < t.size() && t[pos] == 'Z') ++pos;
  if (pos != t.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000) + micros;
}

bool WildcardMatch(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point for the last '*': O(|p| * |t|) worst case.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || LowerChar(p[pi]) == LowerChar(t[ti]))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool MatchesAny(std::string_view patterns, std::string_view text, bool if_empty) {
  bool any = false;
  while (true) {
    size_t bar = patterns.find('|');
    std::string_view one = patterns.substr(0, bar);
    if (!one.empty()) {
      any = true;
      if (WildcardMatch(one, text)) return true;
    }
    if (bar == std::string_view::npos) break;
    patterns.remove_prefix(bar + 1);
  }
  return any ? false : if_empty;
}

}  // namespace rookery::documents
