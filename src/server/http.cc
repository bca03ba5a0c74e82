#include "server/http.h"

#include <cctype>

namespace rookery::server {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

bool HttpRequest::HasQuery(std::string_view key) const {
  for (const auto& kv : query) {
    if (kv.first == key) return true;
  }
  return false;
}

std::string_view HttpRequest::Query(std::string_view key) const {
  for (const auto& kv : query) {
    if (kv.first == key) return kv.second;
  }
  return {};
}

std::vector<std::string_view> HttpRequest::QueryAll(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const auto& kv : query) {
    if (kv.first == key) out.emplace_back(kv.second);
  }
  return out;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  for (auto& kv : headers) {
    if (EqualsIgnoreCase(kv.first, name)) {
      kv.second = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void ParseTarget(std::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query) {
  const size_t q = target.find('?');
  *path = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  query->clear();
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;  // "?&id=..." and "a&&b"
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      query->emplace_back(PercentDecode(part, true), std::string());
    } else {
      query->emplace_back(PercentDecode(part.substr(0, eq), true),
                          PercentDecode(part.substr(eq + 1), true));
    }
  }
}

}  // namespace rookery::server
