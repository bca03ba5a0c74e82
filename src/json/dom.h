// json::Dom: a JSON text parsed once and read in place through Node views, without building a
// Value tree. For hot paths that read a few members and copy sub-values out as compact text:
// bulk_docs builds the stored form of each document straight from the request this way.
//
// Dom::Parse accepts a subset of what json::Parse accepts: texts that simdjson validates, nested
// at most `max_depth` deep (depth as in ParseOptions), in which no object repeats a key. For
// anything else (malformed text, integers beyond uint64, a duplicate key, too deep) it returns
// false, and the caller uses json::Parse, which reports the error with its position or gives the
// general result. On a text Dom::Parse accepts, Node::SerializeTo writes exactly the bytes that
// json::SerializeTo writes for the Value json::Parse returns.
//
// Ownership and threads: a Node views its Dom's buffers and is valid while the Dom lives and is
// not parsed again. A Dom is movable, not copyable, used by one thread at a time; its simdjson
// buffers come from a process-wide pool and go back to it on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "json/value.h"

namespace rookery::json {

namespace internal {
struct ParserState;
struct NodeAccess;
}  // namespace internal

// A non-owning reference to a callable (cheaper than std::function: no allocation, no copy).
// Valid only while the referenced callable lives; meant for parameters.
template <typename Signature>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT: implicit by design, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// One value inside a Dom. Cheap to copy (two words).
class Node {
 public:
  Type type() const;
  bool is_null() const { return type() == Type::kNull; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // The string's (unescaped) bytes; "" unless a string.
  std::string_view as_string() const;
  // An object's member with this key (keys are unique in a Dom); nullopt if absent or not an
  // object. Linear in the number of members.
  std::optional<Node> Find(std::string_view key) const;
  // An object's members / an array's items, in order; nothing for other types.
  void ForEachMember(FunctionRef<void(std::string_view key, Node value)> fn) const;
  void ForEachItem(FunctionRef<void(Node item)> fn) const;
  // Compact text, as json::SerializeTo writes the equal Value.
  void SerializeTo(std::string* out) const;

 private:
  friend struct internal::NodeAccess;
  alignas(8) unsigned char element_[16];  // a simdjson::dom::element
};

class Dom {
 public:
  Dom();
  ~Dom();
  Dom(Dom&& other) noexcept;
  Dom& operator=(Dom&& other) noexcept;
  Dom(const Dom&) = delete;
  Dom& operator=(const Dom&) = delete;

  // Parses `text` (copied); false when the text needs json::Parse (see the file comment). A
  // failed Parse leaves the Dom empty.
  bool Parse(std::string_view text, uint32_t max_depth = ParseOptions{}.max_depth);
  // The root value; only after a successful Parse.
  Node root() const { return root_; }

 private:
  std::unique_ptr<internal::ParserState> state_;
  Node root_{};
};

}  // namespace rookery::json
