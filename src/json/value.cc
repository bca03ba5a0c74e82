#include <bit>
#include <cassert>
#include <cmath>

#include "json/value.h"

namespace rookery::json {

Value Value::Bool(bool b) {
  Value v;
  v.v_.emplace<bool>(b);
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.v_.emplace<int64_t>(i);
  return v;
}

Value Value::Uint(uint64_t u) {
  Value v;
  v.v_.emplace<uint64_t>(u);
  return v;
}

Value Value::Double(double d) {
  Value v;
  v.v_.emplace<double>(d);
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.v_.emplace<std::string>(std::move(s));
  return v;
}

Value Value::Array(std::vector<Value> items) {
  Value v;
  v.v_.emplace<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::Object(std::vector<Member> members) {
  Value v;
  v.v_.emplace<std::vector<Member>>(std::move(members));
  return v;
}

bool Value::as_bool() const {
  if (const bool* b = std::get_if<bool>(&v_)) return *b;
  assert(false && "json::Value::as_bool on a non-bool");
  return false;
}

int64_t Value::as_int() const {
  switch (type()) {
    case Type::kInt:
      return std::get<int64_t>(v_);
    case Type::kUint:
      return static_cast<int64_t>(std::get<uint64_t>(v_));
    case Type::kDouble: {
      // Saturating conversion: a plain cast of an out-of-range double is undefined behaviour.
      const double d = std::get<double>(v_);
      if (std::isnan(d)) return 0;
      if (d >= 9223372036854775807.0) return INT64_MAX;
      if (d <= -9223372036854775808.0) return INT64_MIN;
      return static_cast<int64_t>(d);
    }
    default:
      assert(false && "json::Value::as_int on a non-number");
      return 0;
  }
}

uint64_t Value::as_uint() const {
  switch (type()) {
    case Type::kInt:
      return static_cast<uint64_t>(std::get<int64_t>(v_));
    case Type::kUint:
      return std::get<uint64_t>(v_);
    case Type::kDouble: {
      const double d = std::get<double>(v_);
      if (std::isnan(d) || d <= 0) return 0;
      if (d >= 18446744073709551615.0) return UINT64_MAX;
      return static_cast<uint64_t>(d);
    }
    default:
      assert(false && "json::Value::as_uint on a non-number");
      return 0;
  }
}

double Value::as_double() const {
  switch (type()) {
    case Type::kInt:
      return static_cast<double>(std::get<int64_t>(v_));
    case Type::kUint:
      return static_cast<double>(std::get<uint64_t>(v_));
    case Type::kDouble:
      return std::get<double>(v_);
    default:
      assert(false && "json::Value::as_double on a non-number");
      return 0;
  }
}

const std::string& Value::as_string() const {
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  assert(false && "json::Value::as_string on a non-string");
  static const std::string kEmpty;
  return kEmpty;
}

const std::vector<Value>& Value::items() const {
  if (const auto* a = std::get_if<std::vector<Value>>(&v_)) return *a;
  assert(false && "json::Value::items on a non-array");
  static const std::vector<Value> kEmpty;
  return kEmpty;
}

std::vector<Value>& Value::items() {
  if (auto* a = std::get_if<std::vector<Value>>(&v_)) return *a;
  assert(false && "json::Value::items on a non-array");
  thread_local std::vector<Value> scratch;
  scratch.clear();
  return scratch;
}

const std::vector<Member>& Value::members() const {
  if (const auto* o = std::get_if<std::vector<Member>>(&v_)) return *o;
  assert(false && "json::Value::members on a non-object");
  static const std::vector<Member> kEmpty;
  return kEmpty;
}

std::vector<Member>& Value::members() {
  if (auto* o = std::get_if<std::vector<Member>>(&v_)) return *o;
  assert(false && "json::Value::members on a non-object");
  thread_local std::vector<Member> scratch;
  scratch.clear();
  return scratch;
}

const Value* Value::Find(std::string_view key) const {
  const auto* o = std::get_if<std::vector<Member>>(&v_);
  if (o == nullptr) return nullptr;
  for (const Member& m : *o) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Value* Value::Find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(key));
}

void Value::Set(std::string_view key, Value value) {
  if (is_null()) v_.emplace<std::vector<Member>>();
  auto* o = std::get_if<std::vector<Member>>(&v_);
  if (o == nullptr) {
    assert(false && "json::Value::Set on a non-object");
    return;
  }
  for (Member& m : *o) {
    if (m.first == key) {
      m.second = std::move(value);
      return;
    }
  }
  o->emplace_back(std::string(key), std::move(value));
}

bool Value::Remove(std::string_view key) {
  auto* o = std::get_if<std::vector<Member>>(&v_);
  if (o == nullptr) return false;
  for (auto it = o->begin(); it != o->end(); ++it) {
    if (it->first == key) {
      o->erase(it);
      return true;
    }
  }
  return false;
}

void Value::Push(Value value) {
  if (is_null()) v_.emplace<std::vector<Value>>();
  auto* a = std::get_if<std::vector<Value>>(&v_);
  if (a == nullptr) {
    assert(false && "json::Value::Push on a non-array");
    return;
  }
  a->push_back(std::move(value));
}

namespace {

// Integer equality across kInt and kUint.
bool IntegersEqual(const Value& a, const Value& b) {
  if (a.type() == b.type()) {
    return a.type() == Type::kInt ? a.as_int() == b.as_int() : a.as_uint() == b.as_uint();
  }
  const Value& i = a.type() == Type::kInt ? a : b;
  const Value& u = a.type() == Type::kInt ? b : a;
  return i.as_int() >= 0 && static_cast<uint64_t>(i.as_int()) == u.as_uint();
}

bool IsInteger(Type t) {
  return t == Type::kInt || t == Type::kUint;
}

}  // namespace

bool Value::operator==(const Value& other) const {
  const Type a = type();
  const Type b = other.type();
  if (IsInteger(a) && IsInteger(b)) return IntegersEqual(*this, other);
  if (a != b) return false;
  switch (a) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return std::get<bool>(v_) == std::get<bool>(other.v_);
    case Type::kDouble: {
      const double x = std::get<double>(v_);
      const double y = std::get<double>(other.v_);
      return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y) ||
             (std::isnan(x) && std::isnan(y));
    }
    case Type::kString:
      return std::get<std::string>(v_) == std::get<std::string>(other.v_);
    case Type::kArray:
      return std::get<std::vector<Value>>(v_) == std::get<std::vector<Value>>(other.v_);
    case Type::kObject:
      return std::get<std::vector<Member>>(v_) == std::get<std::vector<Member>>(other.v_);
    default:
      return false;  // integers handled above
  }
}

std::string_view TypeDescription(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
    case Type::kUint:
    case Type::kDouble:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kArray:
      return "an array";
    case Type::kObject:
      return "an object";
  }
  return "a value";
}

}  // namespace rookery::json
