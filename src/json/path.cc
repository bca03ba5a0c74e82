#include <string_view>
#include <vector>

#include "json/value.h"

namespace rookery::json {

namespace {

struct Segment {
  std::string_view name;
  int fan_out = 0;  // number of trailing "[]"
};

void Collect(const Value& value, const std::vector<Segment>& segments, size_t index,
             std::vector<const Value*>* out);

// Applies `fan_out` levels of "[]" to `value`, then continues with the next segment.
void FanOut(const Value& value, int fan_out, const std::vector<Segment>& segments, size_t next,
            std::vector<const Value*>* out) {
  if (fan_out > 0 && value.is_array()) {
    for (const Value& item : value.items()) FanOut(item, fan_out - 1, segments, next, out);
    return;
  }
  Collect(value, segments, next, out);  // "[]" on a non-array: the value itself
}

void Collect(const Value& value, const std::vector<Segment>& segments, size_t index,
             std::vector<const Value*>* out) {
  if (index == segments.size()) {
    out->push_back(&value);
    return;
  }
  const Segment& seg = segments[index];
  if (seg.name.empty()) {  // "[]" alone, or "Tags.[]": applies to the value itself
    FanOut(value, seg.fan_out, segments, index + 1, out);
    return;
  }
  if (value.is_array()) {  // a plain name on an array looks into each element
    for (const Value& item : value.items()) Collect(item, segments, index, out);
    return;
  }
  const Value* child = value.Find(seg.name);  // nullptr for scalars and missing keys
  if (child != nullptr) FanOut(*child, seg.fan_out, segments, index + 1, out);
}

}  // namespace

void CollectPath(const Value& root, std::string_view path, std::vector<const Value*>* out) {
  if (path.empty()) {
    out->push_back(&root);
    return;
  }
  std::vector<Segment> segments;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    std::string_view part =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    Segment seg;
    while (part.ends_with("[]")) {
      part.remove_suffix(2);
      ++seg.fan_out;
    }
    seg.name = part;
    segments.push_back(seg);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  Collect(root, segments, 0, out);
}

}  // namespace rookery::json
