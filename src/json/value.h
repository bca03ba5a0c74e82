// JSON values: the in-memory document model of Rookery.
//
// A Value is null, a boolean, a number (int64, uint64 or double, as parsed), a string, an array or
// an object. Objects keep their keys in document order (RavenDB documents round-trip with their
// key order intact) and allow lookup by key; duplicate keys in input keep the last value, as
// RavenDB does. Values own their data and are cheap to move.
//
// Parsing validates with simdjson and reports malformed input with its byte offset, line and
// column. Numbers: integers that fit int64 (or uint64) stay exact; others are doubles. Strings are
// UTF-8; invalid UTF-8 is a parse error.
//
// Threads: a Value is a plain value type; distinct objects may be used from distinct threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace rookery::json {

enum class Type : uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };

class Value;
using Member = std::pair<std::string, Value>;

class Value {
 public:
  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint(uint64_t u);
  static Value Double(double d);
  static Value String(std::string s);
  static Value Array(std::vector<Value> items = {});
  static Value Object(std::vector<Member> members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const {
    return type_ == Type::kInt || type_ == Type::kUint || type_ == Type::kDouble;
  }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors; calling the wrong one for the type is a bug (asserts in debug builds) and returns a
  // neutral value (false, 0, "", empty) in release builds.
  bool as_bool() const;
  int64_t as_int() const;    // kInt, or kUint/kDouble converted
  uint64_t as_uint() const;  // kUint, or kInt/kDouble converted
  double as_double() const;  // any number
  const std::string& as_string() const;
  const std::vector<Value>& items() const;
  std::vector<Value>& items();
  const std::vector<Member>& members() const;
  std::vector<Member>& members();

  // Object lookup: the member's value, or nullptr if absent or not an object.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Sets (replacing in place, keeping the key's position) or appends a member. Object only.
  void Set(std::string_view key, Value value);
  // Removes a member; false if absent.
  bool Remove(std::string_view key);
  // Appends to an array.
  void Push(Value value);

  bool operator==(const Value& other) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  union {
    int64_t int_ = 0;
    uint64_t uint_;
    double double_;
  };
  std::string string_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

struct ParseOptions {
  // Inputs nested deeper than this are refused (a parse error, never a stack overflow).
  uint32_t max_depth = 512;
};

// Parses one JSON text (surrounding whitespace allowed, nothing else). Errors are
// kInvalidArgument with a message like
//   "invalid JSON at line 3, column 14 (byte 52): expected ',' or '}' after an object member"
Result<Value> Parse(std::string_view text, const ParseOptions& options = {});

// Compact serialization (no whitespace); doubles in shortest round-trip form; strings escaped as
// JsonWriter does. Serialize(Parse(x)) is a fixed point: parsing it again gives an equal Value.
std::string Serialize(const Value& value);
void SerializeTo(const Value& value, std::string* out);

// Dotted path access for include paths and (later) indexing: "Address.City", "Lines[].Product".
// Appends every value found (arrays marked with [] fan out; a plain name on an array also looks
// into each element, as RavenDB does). Missing paths find nothing.
void CollectPath(const Value& root, std::string_view path, std::vector<const Value*>* out);

}  // namespace rookery::json
