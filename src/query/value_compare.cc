#include "query/value_compare.h"

namespace rookery::query {

int CompareNumbers(const json::Value& a, const json::Value& b) {
  using json::Type;
  const Type ta = a.type();
  const Type tb = b.type();
  if (ta == Type::kInt && tb == Type::kInt) {
    return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
  }
  if (ta != Type::kDouble && tb != Type::kDouble) {  // integers, at least one kUint
    if (ta == Type::kInt && a.as_int() < 0) return -1;
    if (tb == Type::kInt && b.as_int() < 0) return 1;
    const uint64_t ua = a.as_uint();
    const uint64_t ub = b.as_uint();
    return ua < ub ? -1 : (ua > ub ? 1 : 0);
  }
  // long double holds every 64-bit integer exactly on the platforms we build for (x86-64 80-bit,
  // aarch64 128-bit), so mixed integer/double comparisons are exact too.
  const auto as_long_double = [](const json::Value& v) -> long double {
    switch (v.type()) {
      case Type::kInt:
        return static_cast<long double>(v.as_int());
      case Type::kUint:
        return static_cast<long double>(v.as_uint());
      default:
        return static_cast<long double>(v.as_double());
    }
  };
  const long double da = as_long_double(a);
  const long double db = as_long_double(b);
  return da < db ? -1 : (da > db ? 1 : 0);
}

std::string ValueText(const json::Value& value) {
  if (value.is_string()) return value.as_string();
  return json::Serialize(value);  // numbers canonical, "true"/"false"/"null", containers as JSON
}

void AppendFlattened(const json::Value* value, std::vector<const json::Value*>* out) {
  if (!value->is_array()) {
    out->push_back(value);
    return;
  }
  for (const json::Value& item : value->items()) AppendFlattened(&item, out);
}

std::string FieldText(const FieldRef& field) {
  if (field.kind == FieldRef::Kind::kId) {
    return field.source.empty() ? "id()" : "id(" + field.source + ")";
  }
  if (field.source.empty()) return field.path;
  if (field.path.empty()) return field.source;
  return field.source + "." + field.path;
}

}  // namespace rookery::query
