// ObjectBuilder: collects the members of one object being parsed, applying RavenDB's rule for
// duplicate keys: the last value wins and the member keeps the position of its first occurrence.
// Internal to the json layer (used by both parsers). Not thread-safe; one per object.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "json/value.h"

namespace rookery::json::internal {

class ObjectBuilder {
 public:
  void Reserve(size_t n) { members_.reserve(n); }

  void Add(std::string_view key, Value value) {
    if (Member* existing = FindDuplicate(key)) {
      existing->second = std::move(value);
      return;
    }
    members_.emplace_back(std::string(key), std::move(value));
    if (!index_.empty()) index_.emplace(Hash(key), members_.size() - 1);
  }

  Value Finish() { return Value::Object(std::move(members_)); }

 private:
  // Objects up to this size are searched linearly; beyond, a hash index is kept.
  static constexpr size_t kLinearLimit = 16;

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>()(key); }

  Member* FindDuplicate(std::string_view key) {
    if (members_.size() < kLinearLimit) {
      for (Member& m : members_) {
        if (m.first == key) return &m;
      }
      return nullptr;
    }
    if (index_.empty()) {
      for (size_t i = 0; i < members_.size(); ++i) index_.emplace(Hash(members_[i].first), i);
    }
    auto [begin, end] = index_.equal_range(Hash(key));
    for (auto it = begin; it != end; ++it) {
      if (members_[it->second].first == key) return &members_[it->second];
    }
    return nullptr;
  }

  std::vector<Member> members_;
  std::unordered_multimap<size_t, size_t> index_;  // key hash -> index in members_
};

}  // namespace rookery::json::internal
