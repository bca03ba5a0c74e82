#include "indexing/output_references.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

namespace rookery::indexing {
namespace {

constexpr std::string_view kBuildFailed =
    "Failed to build document ID based on provided pattern for output to collection references. ";

// A date as written in an ISO 8601 string: the fields as given (no time-zone conversion).
struct Date {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int ticks = 0;     // 100 ns units, 0..9,999,999
  std::string zone;  // "Z", "+02:00" or "" (unspecified)
};

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// YYYY-MM-DD[THH:MM[:SS[.fffffff]]][Z|+HH:MM|-HH:MM]
bool ParseIsoDate(std::string_view s, Date* d) {
  if (!Digits(s, 0, 4, &d->year) || s.size() < 10 || s[4] != '-' || s[7] != '-' ||
      !Digits(s, 5, 2, &d->month) || !Digits(s, 8, 2, &d->day) || d->month < 1 || d->month > 12 ||
      d->day < 1 || d->day > 31) {
    return false;
  }
  size_t i = 10;
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    if (!Digits(s, i + 1, 2, &d->hour) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &d->minute) || d->hour > 23 || d->minute > 59) {
      return false;
    }
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!Digits(s, i + 1, 2, &d->second) || d->second > 59) return false;
      i += 3;
      if (i < s.size() && s[i] == '.') {
        size_t n = 0;
        for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n) {
          if (n < 7) d->ticks = d->ticks * 10 + (s[i] - '0');
        }
        if (n == 0) return false;
        for (; n < 7; ++n) d->ticks *= 10;
      }
    }
  }
  if (i == s.size()) return true;
  d->zone = std::string(s.substr(i));
  int hh = 0, mm = 0;
  return d->zone == "Z" ||
         (d->zone.size() == 6 && (d->zone[0] == '+' || d->zone[0] == '-') &&
          Digits(d->zone, 1, 2, &hh) && d->zone[3] == ':' && Digits(d->zone, 4, 2, &mm));
}

std::string Pad(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));  // NOLINT
  return buf;
}

// 0 = Sunday (days-from-civil, proleptic Gregorian).
int Weekday(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t days = int64_t{era} * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

// .NET standard date formats (invariant culture) as custom formats.
std::string_view StandardDateFormat(char c) {
  switch (c) {
    case 'd':
      return "MM/dd/yyyy";
    case 'D':
      return "dddd, dd MMMM yyyy";
    case 's':
      return "yyyy'-'MM'-'dd'T'HH':'mm':'ss";
    case 'o':
    case 'O':
      return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";
    case 'u':
      return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";
    case 't':
      return "HH:mm";
    case 'T':
      return "HH:mm:ss";
    case 'g':
      return "MM/dd/yyyy HH:mm";
    case 'G':
      return "MM/dd/yyyy HH:mm:ss";
    case 'm':
    case 'M':
      return "MMMM dd";
    case 'y':
    case 'Y':
      return "yyyy MMMM";
    default:
      return "";
  }
}

Result<std::string> FormatDate(const Date& d, std::string_view format) {
  if (format.size() == 1) {
    format = StandardDateFormat(format[0]);
    if (format.empty()) return Status::InvalidArgument("unknown standard date format");
  }
  std::string out;
  for (size_t i = 0; i < format.size();) {
    const char c = format[i];
    size_t n = 1;
    while (i + n < format.size() && format[i + n] == c) ++n;
    switch (c) {
      case 'y':
        out += n <= 2 ? Pad(d.year % 100, static_cast<int>(n)) : Pad(d.year, static_cast<int>(n));
        break;
      case 'M':
        out += n <= 2 ? Pad(d.month, static_cast<int>(n))
                      : std::string(kMonths[d.month - 1]).substr(0, n == 3 ? 3 : std::string::npos);
        break;
      case 'd':
        if (n <= 2) {
          out += Pad(d.day, static_cast<int>(n));
        } else {
          const std::string name = kDays[Weekday(d.year, d.month, d.day)];
          out += n == 3 ? name.substr(0, 3) : name;
        }
        break;
      case 'H':
        out += Pad(d.hour, static_cast<int>(std::min<size_t>(n, 2)));
        break;
      case 'h':
        out += Pad(d.hour % 12 == 0 ? 12 : d.hour % 12, static_cast<int>(std::min<size_t>(n, 2)));
        break;
      case 'm':
        out += Pad(d.minute, static_cast<int>(std::min<size_t>(n, 2)));
        break;
      case 's':
        out += Pad(d.second, static_cast<int>(std::min<size_t>(n, 2)));
        break;
      case 'f':
      case 'F': {
        if (n > 7) return Status::InvalidArgument("too many fraction digits in the format");
        std::string digits = Pad(d.ticks, 7).substr(0, n);
        if (c == 'F') {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty() && !out.empty() && out.back() == '.') out.pop_back();
        }
        out += digits;
        break;
      }
      case 't':
        out += std::string(d.hour < 12 ? "AM" : "PM").substr(0, n == 1 ? 1 : 2);
        break;
      case 'K':
        out += d.zone;
        n = 1;
        break;
      case 'z':
        return Status::InvalidArgument("the time-zone format 'z' is not supported");
      case '\'':
      case '"': {
        const size_t end = format.find(c, i + 1);
        if (end == std::string_view::npos) return Status::InvalidArgument("unterminated quote");
        out.append(format.substr(i + 1, end - i - 1));
        n = end - i + 1;
        break;
      }
      case '\\':
        if (i + 1 < format.size()) out.push_back(format[i + 1]);
        n = 2;
        break;
      case '%':
        n = 1;
        break;  // "%d": the next character is a custom specifier on its own
      default:
        out.append(n, c);
        break;
    }
    i += n;
  }
  return out;
}

bool IsInteger(const json::Value& v) {
  return v.type() == json::Type::kInt || v.type() == json::Type::kUint;
}

}  // namespace

Result<ReferencePattern> ParseReferencePattern(std::string_view pattern) {
  static const std::regex kFields(R"(\{([^:}]*):?([^}]*)\})");
  ReferencePattern out;
  out.pattern = std::string(pattern);
  std::set<std::string> seen;
  const std::string text(pattern);
  size_t at = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kFields);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const size_t start = static_cast<size_t>(m.position(0));
    if (start > at) out.parts.push_back({text.substr(at, start - at), "", false});
    const std::string field = m[1].str();
    if (!seen.insert(field).second) {
      return Status::InvalidArgument(
          "Pattern should contain unique fields only. Duplicated field: '" + field + "'");
    }
    out.parts.push_back({field, m[2].str(), true});
    at = start + static_cast<size_t>(m.length(0));
  }
  if (seen.empty()) {
    return Status::InvalidArgument("Provided pattern is not supported: " + text);
  }
  if (at < text.size()) out.parts.push_back({text.substr(at), "", false});
  return out;
}

Result<std::string> FormatPatternValue(const json::Value& value, std::string_view format,
                                       std::string_view field) {
  const std::string name(field);
  if (value.is_null()) {
    return Status::InvalidArgument("Invalid pattern reference document ID. Field '" + name +
                                   "' was null");
  }
  if (value.is_object() || value.is_array()) {
    return Status::InvalidArgument("Invalid pattern reference document ID. Field '" + name +
                                   "' is an object or an array; patterns take scalar fields");
  }
  if (value.is_bool()) return std::string(value.as_bool() ? "True" : "False");
  if (value.is_string()) {
    Date date;
    if (format.empty() || !ParseIsoDate(value.as_string(), &date)) return value.as_string();
    auto formatted = FormatDate(date, format);
    if (!formatted.ok()) {
      return Status::InvalidArgument("Invalid pattern reference document ID. Field '" + name +
                                     "' cannot be formatted with '" + std::string(format) +
                                     "': " + std::string(formatted.status().message()));
    }
    return formatted;
  }
  // A number.
  if (format.empty()) return json::Serialize(value);
  int digits = 0;
  const bool counted =
      format.size() == 1 || (format.size() <= 3 && Digits(format, 1, format.size() - 1, &digits));
  const char kind = format[0];
  if (counted && (kind == 'D' || kind == 'd') && IsInteger(value)) {
    const bool negative = value.type() == json::Type::kInt && value.as_int() < 0;
    std::string text =
        value.type() == json::Type::kInt
            ? std::to_string(negative ? -(value.as_int() + 1) + uint64_t{1} : value.as_int())
            : std::to_string(value.as_uint());
    if (text.size() < static_cast<size_t>(digits)) text.insert(0, digits - text.size(), '0');
    return negative ? "-" + text : text;
  }
  if (counted && (kind == 'F' || kind == 'f')) {
    if (format.size() == 1) digits = 2;  // .NET's default precision for F
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", digits, value.as_double());
    return std::string(buf);
  }
  return Status::InvalidArgument("Invalid pattern reference document ID. Field '" + name +
                                 "': the number format '" + std::string(format) +
                                 "' is not supported (D<n> for integers, F<n>)");
}

Result<std::string> BuildReferenceId(const ReferencePattern& pattern, const json::Value& output) {
  std::string id;
  size_t fields = 0, added = 0;
  for (const ReferencePattern::Part& part : pattern.parts) {
    if (!part.is_field) {
      id += part.text;
      continue;
    }
    ++fields;
    const json::Value* v = output.is_object() ? output.Find(part.text) : nullptr;
    if (v == nullptr) continue;
    auto text = FormatPatternValue(*v, part.format, part.text);
    if (!text.ok())
      return Status::InvalidArgument(std::string(kBuildFailed) +
                                     std::string(text.status().message()));
    id += *text;
    ++added;
  }
  if (added != fields) {
    return Status::InvalidArgument(
        std::string(kBuildFailed) +
        "Cannot create identifier for reference document of reduce outputs. Expected to process " +
        std::to_string(fields) + " fields while it got " + std::to_string(added) + ". Pattern: '" +
        pattern.pattern + "'");
  }
  for (char last : {'/', '|'}) {
    if (!id.empty() && id.back() == last) {
      return Status::InvalidArgument(
          std::string(kBuildFailed) + "Invalid pattern reference document ID: '" + id +
          "'. Error: reference ID must not end with '" + last + "' character");
    }
  }
  return id;
}

}  // namespace rookery::indexing
