#include "js/projection.h"

#include <algorithm>
#include <cstring>

namespace rookery::js::internal {
namespace {

bool IdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IdentPart(char c) {
  return IdentStart(c) || (c >= '0' && c <= '9');
}
bool Space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && Space(s_[i_])) ++i_;
  }
  std::string_view Ident() {
    const size_t begin = i_;
    if (i_ < s_.size() && IdentStart(s_[i_])) {
      while (i_ < s_.size() && IdentPart(s_[i_])) ++i_;
    }
    return s_.substr(begin, i_ - begin);
  }
  bool Eat(std::string_view text) {
    if (s_.substr(i_, text.size()) != text) return false;
    i_ += text.size();
    return true;
  }
  size_t pos() const { return i_; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// The single plain parameter of `fn o => ...`, `(o) => ...`, `function [name](o) {...}`; ""
// otherwise. *body is where the parameter list ends.
std::string_view Parameter(std::string_view source, size_t* body) {
  Cursor c(source);
  c.SkipSpace();
  std::string_view param;
  if (c.Eat("(")) {
    c.SkipSpace();
    param = c.Ident();
    c.SkipSpace();
    if (!c.Eat(")")) return {};
    c.SkipSpace();
    if (!c.Eat("=>")) return {};
  } else {
    std::string_view first = c.Ident();
    c.SkipSpace();
    if (first == "function") {
      c.Ident();  // an optional name; a generator's '*' fails below
      c.SkipSpace();
      if (!c.Eat("(")) return {};
      c.SkipSpace();
      param = c.Ident();
      c.SkipSpace();
      if (!c.Eat(")")) return {};
    } else {
      param = first;
      if (!c.Eat("=>")) return {};
    }
  }
  *body = c.pos();
  return param;
}

}  // namespace

std::optional<std::vector<std::string>> ReadProperties(std::string_view s) {
  if (s.find("\\u") != std::string_view::npos) return std::nullopt;  // escaped identifiers
  size_t j = 0;
  const std::string_view param = Parameter(s, &j);
  if (param.empty() || param == "async" || param == "function") return std::nullopt;
  std::vector<std::string> names;
  while (j < s.size()) {
    if (!IdentStart(s[j]) || (j > 0 && IdentPart(s[j - 1]))) {
      ++j;
      continue;
    }
    const size_t begin = j;
    while (j < s.size() && IdentPart(s[j])) ++j;
    const std::string_view token = s.substr(begin, j - begin);
    if (token == "arguments" || token == "eval") return std::nullopt;
    if (token != param) continue;
    size_t p = begin;
    while (p > 0 && Space(s[p - 1])) --p;
    if (p > 0 && s[p - 1] == '.') {
      if (p >= 3 && s.substr(p - 3, 3) == "...") return std::nullopt;  // spread of the document
      continue;  // a property that happens to have the parameter's name
    }
    size_t k = j;
    while (k < s.size() && Space(s[k])) ++k;
    if (k >= s.size() || s[k] != '.' || (k + 1 < s.size() && s[k + 1] == '.')) {
      return std::nullopt;
    }
    ++k;
    while (k < s.size() && Space(s[k])) ++k;
    const size_t name_begin = k;
    if (k < s.size() && IdentStart(s[k])) {
      while (k < s.size() && IdentPart(s[k])) ++k;
    }
    if (k == name_begin) return std::nullopt;
    size_t after = k;
    while (after < s.size() && Space(s[after])) ++after;
    // A call (or tagged template) of a member runs it with the document as `this`.
    if (after < s.size() && (s[after] == '(' || s[after] == '`')) return std::nullopt;
    std::string name(s.substr(name_begin, k - name_begin));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    j = k;
  }
  return names;
}

std::optional<std::string> Project(std::string_view s, const std::vector<std::string>& names) {
  size_t i = 0;
  const size_t n = s.size();
  auto space = [&] {
    while (i < n && Space(s[i])) ++i;
  };
  auto skip_string = [&]() -> bool {  // at '"'; the closing quote is one not escaped
    const size_t start = ++i;
    while (i < n) {
      const void* q = std::memchr(s.data() + i, '"', n - i);
      if (q == nullptr) return false;
      const size_t at = static_cast<const char*>(q) - s.data();
      size_t slashes = 0;
      while (at - slashes > start && s[at - slashes - 1] == '\\') ++slashes;
      i = at + 1;
      if (slashes % 2 == 0) return true;
    }
    return false;
  };
  auto skip_value = [&]() -> bool {
    if (i >= n) return false;
    if (s[i] == '"') return skip_string();
    if (s[i] == '{' || s[i] == '[') {
      int depth = 0;
      while (i < n) {
        const char c = s[i];
        if (c == '"') {
          if (!skip_string()) return false;
          continue;
        }
        ++i;
        if (c == '{' || c == '[') {
          ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return true;
        }
      }
      return false;
    }
    const size_t begin = i;
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && !Space(s[i])) ++i;
    return i > begin;
  };
  space();
  if (i >= n || s[i] != '{') return std::nullopt;
  ++i;
  std::string out = "{";
  space();
  if (i < n && s[i] == '}') {
    ++i;
  } else {
    while (true) {
      space();
      if (i >= n || s[i] != '"') return std::nullopt;
      const size_t name_begin = i + 1;
      if (!skip_string()) return std::nullopt;
      const std::string_view name = s.substr(name_begin, i - 1 - name_begin);
      if (name.find('\\') != std::string_view::npos) return std::nullopt;
      space();
      if (i >= n || s[i] != ':') return std::nullopt;
      ++i;
      space();
      const size_t value_begin = i;
      if (!skip_value()) return std::nullopt;
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        if (out.size() > 1) out.push_back(',');
        out.append("\"").append(name).append("\":").append(s.substr(value_begin, i - value_begin));
      }
      space();
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && s[i] == '}') {
        ++i;
        break;
      }
      return std::nullopt;
    }
  }
  space();
  if (i != n) return std::nullopt;  // trailing text: JSON.parse of the whole reports it
  out.push_back('}');
  return out;
}

}  // namespace rookery::js::internal
