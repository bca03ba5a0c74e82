#include "json/dom.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "json/numbers.h"
#include "json/parser_state.h"
#include "json/writer.h"

namespace rookery::json {

namespace dom = simdjson::dom;

namespace internal {

static_assert(sizeof(dom::element) <= 16 && alignof(dom::element) <= 8 &&
              std::is_trivially_copyable_v<dom::element>);

struct NodeAccess {
  static dom::element Get(const Node& n) {
    dom::element e;
    std::memcpy(static_cast<void*>(&e), n.element_, sizeof(e));
    return e;
  }
  static Node Wrap(dom::element e) {
    Node n{};
    std::memcpy(n.element_, static_cast<const void*>(&e), sizeof(e));
    return n;
  }
};

}  // namespace internal

namespace {

using internal::NodeAccess;

// Objects up to this many members are checked for duplicate keys pairwise; larger ones by
// sorting their keys.
constexpr size_t kLinearKeys = 16;

bool HasDuplicateKeys(dom::object object) {
  const size_t n = object.size();
  if (n < 2) return false;
  if (n <= kLinearKeys) {
    std::string_view keys[kLinearKeys];
    size_t count = 0;
    for (dom::key_value_pair member : object) {
      for (size_t i = 0; i < count; ++i) {
        if (keys[i] == member.key) return true;
      }
      keys[count++] = member.key;
    }
    return false;
  }
  thread_local std::vector<std::string_view> keys;
  keys.clear();
  for (dom::key_value_pair member : object) keys.push_back(member.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

// What Dom::Parse accepts beyond simdjson's validation: depth (as json::Parse's Convert counts
// it) and unique keys. Recursion depth is bounded by max_depth <= kMaxParseDepth.
bool Acceptable(dom::element e, uint32_t depth, uint32_t max_depth) {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      if (depth >= max_depth) return false;
      for (dom::element child : dom::array(e)) {
        if (!Acceptable(child, depth + 1, max_depth)) return false;
      }
      return true;
    case dom::element_type::OBJECT: {
      if (depth >= max_depth) return false;
      const dom::object object(e);
      if (HasDuplicateKeys(object)) return false;
      for (dom::key_value_pair member : object) {
        if (!Acceptable(member.value, depth + 1, max_depth)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

void Write(dom::element e, std::string* out) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (dom::element child : dom::array(e)) {
        if (!first) out->push_back(',');
        first = false;
        Write(child, out);
      }
      out->push_back(']');
      return;
    }
    case dom::element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      for (dom::key_value_pair member : dom::object(e)) {
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(out, member.key);
        out->push_back(':');
        Write(member.value, out);
      }
      out->push_back('}');
      return;
    }
    case dom::element_type::INT64:
      internal::AppendInteger(out, e.get_int64().value_unsafe());
      return;
    case dom::element_type::UINT64:
      internal::AppendInteger(out, e.get_uint64().value_unsafe());
      return;
    case dom::element_type::DOUBLE:
      internal::AppendDouble(out, e.get_double().value_unsafe());
      return;
    case dom::element_type::STRING:
      AppendQuoted(out, e.get_string().value_unsafe());
      return;
    case dom::element_type::BOOL:
      out->append(e.get_bool().value_unsafe() ? "true" : "false");
      return;
    case dom::element_type::NULL_VALUE:
      out->append("null");
      return;
  }
}

}  // namespace

Type Node::type() const {
  switch (NodeAccess::Get(*this).type()) {
    case dom::element_type::ARRAY:
      return Type::kArray;
    case dom::element_type::OBJECT:
      return Type::kObject;
    case dom::element_type::INT64:
      return Type::kInt;
    case dom::element_type::UINT64:
      return Type::kUint;
    case dom::element_type::DOUBLE:
      return Type::kDouble;
    case dom::element_type::STRING:
      return Type::kString;
    case dom::element_type::BOOL:
      return Type::kBool;
    case dom::element_type::NULL_VALUE:
      return Type::kNull;
  }
  return Type::kNull;
}

std::string_view Node::as_string() const {
  const dom::element e = NodeAccess::Get(*this);
  if (e.type() != dom::element_type::STRING) return {};
  return e.get_string().value_unsafe();
}

std::optional<Node> Node::Find(std::string_view key) const {
  const dom::element e = NodeAccess::Get(*this);
  if (e.type() != dom::element_type::OBJECT) return std::nullopt;
  for (dom::key_value_pair member : dom::object(e)) {
    if (member.key == key) return NodeAccess::Wrap(member.value);
  }
  return std::nullopt;
}

void Node::ForEachMember(FunctionRef<void(std::string_view, Node)> fn) const {
  const dom::element e = NodeAccess::Get(*this);
  if (e.type() != dom::element_type::OBJECT) return;
  for (dom::key_value_pair member : dom::object(e)) fn(member.key, NodeAccess::Wrap(member.value));
}

void Node::ForEachItem(FunctionRef<void(Node)> fn) const {
  const dom::element e = NodeAccess::Get(*this);
  if (e.type() != dom::element_type::ARRAY) return;
  for (dom::element child : dom::array(e)) fn(NodeAccess::Wrap(child));
}

void Node::SerializeTo(std::string* out) const {
  Write(NodeAccess::Get(*this), out);
}

Dom::Dom() = default;
Dom::~Dom() {
  internal::ReleaseParser(std::move(state_));
}
Dom::Dom(Dom&& other) noexcept = default;
Dom& Dom::operator=(Dom&& other) noexcept {
  if (this != &other) {
    internal::ReleaseParser(std::move(state_));
    state_ = std::move(other.state_);
    root_ = other.root_;
  }
  return *this;
}

bool Dom::Parse(std::string_view text, uint32_t max_depth) {
  if (state_ == nullptr) state_ = internal::AcquireParser();
  dom::element root;
  if (state_->Parse(text, &root) != simdjson::SUCCESS) return false;
  if (!Acceptable(root, 0, std::min(max_depth, kMaxParseDepth))) return false;
  root_ = NodeAccess::Wrap(root);
  return true;
}

}  // namespace rookery::json
