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
#include <variant>
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

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const {
    return type() == Type::kInt || type() == Type::kUint || type() == Type::kDouble;
  }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

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

  // Object lookup: the member's value, or nullptr if absent or not an object. Linear in the
  // number of members.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Sets (replacing in place, keeping the key's position) or appends a member. Object only; a
  // null Value first becomes an empty object.
  void Set(std::string_view key, Value value);
  // Removes a member; false if absent (or not an object).
  bool Remove(std::string_view key);
  // Appends to an array. Array only; a null Value first becomes an empty array.
  void Push(Value value);

  // Structural equality: same type and contents, object members in the same order. Integers
  // compare by value across kInt/kUint (Int(5) == Uint(5)); an integer never equals a double.
  // Doubles compare by identity: -0.0 != 0.0, and NaN equals NaN.
  bool operator==(const Value& other) const;

 private:
  // Alternatives in the order of Type, so that index() is the type.
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, std::vector<Value>,
               std::vector<Member>>
      v_;
};

// Values nested deeper than this are never produced by Parse (ParseOptions::max_depth is clamped
// to it), so recursive walks over parsed values (copy, destruction, Serialize) stay shallow.
inline constexpr uint32_t kMaxParseDepth = 4096;

struct ParseOptions {
  // Inputs nested deeper than this are refused (a parse error, never a stack overflow). Depth
  // counts containers: "[]" has depth 1, "[[]]" depth 2, a scalar 0. Clamped to kMaxParseDepth.
  uint32_t max_depth = 512;
  // When set and the text is an object, only the root members with these keys are converted into
  // the Value (the rest of the text is still validated). Indexing uses it to read a few fields of
  // large documents without building the whole tree. Not owned.
  const std::vector<std::string_view>* only_root_keys = nullptr;
};

// "null", "a boolean", "a number", "a string", "an array", "an object": for error messages.
std::string_view TypeDescription(Type type);

// Parses one JSON text (RFC 8259; surrounding whitespace allowed, nothing else). Errors are
// kInvalidArgument with a message like
//   "invalid JSON at line 3, column 14 (byte 52): expected ',' or '}' after an object member"
// Lines and columns are 1-based (columns count bytes; only '\n' starts a line); the byte offset is
// 0-based. Integers in int64 range are kInt, larger ones in uint64 range kUint, larger still
// kDouble; numbers with a fraction or exponent are kDouble (a double too large for the type is an
// error; too small becomes 0). Lone surrogate escapes (\ud800) are errors. Thread-safe: each
// thread reuses its own simdjson parser.
Result<Value> Parse(std::string_view text, const ParseOptions& options = {});

// Compact serialization (no whitespace); doubles in shortest round-trip form, with ".0" added
// when that form looks like an integer (so 1.0 stays a double: "1.0"); NaN and infinities become
// null; strings escaped as JsonWriter does. Serialize(Parse(x)) is a fixed point: parsing it
// again gives an equal Value. Recursive: depth is bounded by kMaxParseDepth for parsed values.
std::string Serialize(const Value& value);
void SerializeTo(const Value& value, std::string* out);

// Dotted path access for include paths and (later) indexing: "Address.City", "Lines[].Product".
// Appends every value found (arrays marked with [] fan out; a plain name on an array also looks
// into each element, as RavenDB does). Missing paths find nothing. "[]" on a value that is not an
// array yields the value itself. The empty path yields the root. Pointers point into `root`.
void CollectPath(const Value& root, std::string_view path, std::vector<const Value*>* out);

}  // namespace rookery::json
