// Evaluation of `where` conditions (eval.h states the rules).
#include "query/eval.h"

#include <optional>
#include <utility>

#include "json/text.h"
#include "query/value_compare.h"

namespace rookery::query {

DocumentFieldSource::DocumentFieldSource(const json::Value& document, std::string_view id)
    : document_(document), id_(json::Value::String(std::string(id))) {}

void DocumentFieldSource::AddLoaded(std::string alias, const json::Value* document) {
  if (document != nullptr) loaded_.emplace_back(std::move(alias), document);
}

void DocumentFieldSource::Collect(const FieldRef& field,
                                  std::vector<const json::Value*>* out) const {
  if (field.source.empty()) {
    if (field.kind == FieldRef::Kind::kId) {
      out->push_back(&id_);
    } else {
      json::CollectPath(document_, field.path, out);
    }
    return;
  }
  // Several documents may be loaded under one alias (`load o.Lines[].Product as p`).
  for (const auto& [alias, document] : loaded_) {
    if (alias != field.source) continue;
    if (field.kind == FieldRef::Kind::kId) {
      // A loaded document's id lives in its metadata.
      const json::Value* metadata = document->Find("@metadata");
      const json::Value* id = metadata != nullptr ? metadata->Find("@id") : nullptr;
      if (id != nullptr && id->is_string()) out->push_back(id);
    } else {
      json::CollectPath(*document, field.path, out);
    }
  }
}

Result<const json::Value*> ResolveValue(const ValueRef& ref, const json::Value& parameters) {
  if (ref.kind == ValueRef::Kind::kLiteral) return &ref.literal;
  const json::Value* value = parameters.is_object() ? parameters.Find(ref.parameter) : nullptr;
  if (value == nullptr) {
    return Status::InvalidArgument("Parameter '$" + ref.parameter +
                                   "' is not defined in QueryParameters");
  }
  return value;
}

namespace {

// "parameter '$p0'" or "the value": who to blame in an error message.
std::string ValueName(const ValueRef& ref) {
  return ref.kind == ValueRef::Kind::kParameter ? "parameter '$" + ref.parameter + "'"
                                                : std::string("the value");
}

// Whether a field value equals a query value (the `=` rule of eval.h).
bool ValueEquals(const json::Value& field, const json::Value& query, bool exact) {
  switch (query.type()) {
    case json::Type::kNull:
      return field.is_null();
    case json::Type::kBool:
      return field.is_bool() && field.as_bool() == query.as_bool();
    case json::Type::kInt:
    case json::Type::kUint:
    case json::Type::kDouble:
      return field.is_number() && CompareNumbers(field, query) == 0;
    case json::Type::kString: {
      if (field.is_string()) {
        return exact ? field.as_string() == query.as_string()
                     : json::EqualsLowerInvariant(field.as_string(), query.as_string());
      }
      // A document number matches the query string holding its canonical text.
      return field.is_number() && ValueText(field) == query.as_string();
    }
    default:
      return false;
  }
}

// The values a field yields: `raw` as collected (for missing/exists), `flat` with trailing
// arrays flattened (for matching).
struct FieldValues {
  std::vector<const json::Value*> raw;
  std::vector<const json::Value*> flat;
};

FieldValues CollectValues(const FieldSource& source, const FieldRef& field) {
  FieldValues values;
  source.Collect(field, &values.raw);
  for (const json::Value* v : values.raw) AppendFlattened(v, &values.flat);
  return values;
}

// `field = query` for a multi-valued field: ANY value equals; null also matches a missing field.
bool AnyEquals(const FieldValues& values, const json::Value& query, bool exact) {
  if (query.is_null() && values.raw.empty()) return true;
  for (const json::Value* v : values.flat) {
    if (ValueEquals(*v, query, exact)) return true;
  }
  return false;
}

// Range comparison of a field value with a bound: numbers with numbers, strings with strings;
// nullopt for mixed or other kinds.
std::optional<int> RangeCompare(const json::Value& field, const json::Value& bound, bool exact) {
  if (field.is_number() && bound.is_number()) return CompareNumbers(field, bound);
  if (field.is_string() && bound.is_string()) {
    return exact ? field.as_string().compare(bound.as_string())
                 : json::CompareLowerInvariant(field.as_string(), bound.as_string());
  }
  return std::nullopt;
}

bool RangeHolds(CompareOp op, int cmp) {
  switch (op) {
    case CompareOp::kLt:
      return cmp < 0;
    case CompareOp::kLe:
      return cmp <= 0;
    case CompareOp::kGt:
      return cmp > 0;
    case CompareOp::kGe:
      return cmp >= 0;
    default:
      return false;
  }
}

// Resolves a value that must be a scalar (=, !=, ranges, between, startsWith).
Result<const json::Value*> ResolveScalar(const Expr& expr, const ValueRef& ref,
                                         const json::Value& parameters) {
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* value, ResolveValue(ref, parameters));
  if (value->is_array() || value->is_object()) {
    return Status::InvalidArgument(
        "RQL condition on '" + FieldText(expr.field) + "': " + ValueName(ref) + " is " +
        std::string(json::TypeDescription(value->type())) + "; only `in` and `all in` take a list");
  }
  return value;
}

Result<bool> EvaluateCompare(const Expr& expr, const FieldSource& source,
                             const json::Value& parameters) {
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* query,
                           ResolveScalar(expr, expr.values.at(0), parameters));
  const FieldValues values = CollectValues(source, expr.field);
  if (expr.op == CompareOp::kEq) return AnyEquals(values, *query, expr.exact);
  if (expr.op == CompareOp::kNe) return !AnyEquals(values, *query, expr.exact);
  for (const json::Value* v : values.flat) {
    const std::optional<int> cmp = RangeCompare(*v, *query, expr.exact);
    if (cmp && RangeHolds(expr.op, *cmp)) return true;
  }
  return false;
}

// The listed values of `in` / `all in`, with array parameters expanded into their elements.
Result<std::vector<const json::Value*>> ExpandList(const Expr& expr,
                                                   const json::Value& parameters) {
  std::vector<const json::Value*> list;
  for (const ValueRef& ref : expr.values) {
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* value, ResolveValue(ref, parameters));
    if (value->is_array()) {
      for (const json::Value& item : value->items()) list.push_back(&item);
    } else {
      list.push_back(value);
    }
  }
  return list;
}

Result<bool> EvaluateIn(const Expr& expr, const FieldSource& source,
                        const json::Value& parameters) {
  ROOKERY_ASSIGN_OR_RETURN(std::vector<const json::Value*> list, ExpandList(expr, parameters));
  const FieldValues values = CollectValues(source, expr.field);
  if (expr.kind == Expr::Kind::kIn) {
    for (const json::Value* wanted : list) {
      if (AnyEquals(values, *wanted, expr.exact)) return true;
    }
    return false;
  }
  if (list.empty()) return false;  // `all in ()` matches nothing
  for (const json::Value* wanted : list) {
    if (!AnyEquals(values, *wanted, expr.exact)) return false;
  }
  return true;
}

Result<bool> EvaluateBetween(const Expr& expr, const FieldSource& source,
                             const json::Value& parameters) {
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* low,
                           ResolveScalar(expr, expr.values.at(0), parameters));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* high,
                           ResolveScalar(expr, expr.values.at(1), parameters));
  const bool numbers = low->is_number() && high->is_number();
  const bool strings = low->is_string() && high->is_string();
  if (!numbers && !strings) {
    return Status::InvalidArgument("RQL between on '" + FieldText(expr.field) +
                                   "' needs two numbers or two strings, got " +
                                   std::string(json::TypeDescription(low->type())) + " and " +
                                   std::string(json::TypeDescription(high->type())));
  }
  for (const json::Value* v : CollectValues(source, expr.field).flat) {
    const std::optional<int> lo = RangeCompare(*v, *low, expr.exact);
    const std::optional<int> hi = RangeCompare(*v, *high, expr.exact);
    if (lo && hi && *lo >= 0 && *hi <= 0) return true;
  }
  return false;
}

Result<bool> EvaluateAffix(const Expr& expr, const FieldSource& source,
                           const json::Value& parameters) {
  const char* name = expr.kind == Expr::Kind::kStartsWith ? "startsWith" : "endsWith";
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* query,
                           ResolveScalar(expr, expr.values.at(0), parameters));
  if (!query->is_string() && !query->is_number()) {
    return Status::InvalidArgument(std::string(name) + "(" + FieldText(expr.field) + ", ...): " +
                                   ValueName(expr.values.at(0)) + " must be a string, got " +
                                   std::string(json::TypeDescription(query->type())));
  }
  const std::string affix =
      expr.exact ? ValueText(*query) : json::LowerInvariant(ValueText(*query));
  for (const json::Value* v : CollectValues(source, expr.field).flat) {
    if (!v->is_string() && !v->is_number()) continue;
    const std::string text = expr.exact ? ValueText(*v) : json::LowerInvariant(ValueText(*v));
    const bool hit =
        expr.kind == Expr::Kind::kStartsWith ? text.starts_with(affix) : text.ends_with(affix);
    if (hit) return true;
  }
  return false;
}

// A malformed tree (the parser never builds one) is a bug, reported rather than thrown.
Status CheckArity(const Expr& expr) {
  size_t need = 0;
  switch (expr.kind) {
    case Expr::Kind::kCompare:
    case Expr::Kind::kStartsWith:
    case Expr::Kind::kEndsWith:
    case Expr::Kind::kIn:
    case Expr::Kind::kAllIn:
      need = 1;
      break;
    case Expr::Kind::kBetween:
      need = 2;
      break;
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr:
      if (expr.left == nullptr || expr.right == nullptr) {
        return Status::Internal("RQL and/or without both operands");
      }
      return Status::Ok();
    case Expr::Kind::kNot:
      if (expr.left == nullptr) return Status::Internal("RQL not without an operand");
      return Status::Ok();
    default:
      return Status::Ok();
  }
  if (expr.values.size() < need && expr.kind != Expr::Kind::kAllIn) {
    return Status::Internal("RQL condition on '" + FieldText(expr.field) + "' lacks its values");
  }
  return Status::Ok();
}

void CheckValue(const ValueRef& ref, const json::Value& parameters, Status* status) {
  if (!status->ok()) return;
  Result<const json::Value*> value = ResolveValue(ref, parameters);
  if (!value.ok()) *status = value.status();
}

void CheckExpr(const Expr* expr, const json::Value& parameters, Status* status) {
  if (expr == nullptr || !status->ok()) return;
  for (const ValueRef& ref : expr->values) CheckValue(ref, parameters, status);
  CheckExpr(expr->left.get(), parameters, status);
  CheckExpr(expr->right.get(), parameters, status);
}

}  // namespace

Status CheckParameters(const Query& query, const json::Value& parameters) {
  Status status;
  CheckExpr(query.where.get(), parameters, &status);
  for (const OrderBy& order : query.order_by) {
    if (order.random_seed) CheckValue(*order.random_seed, parameters, &status);
  }
  if (query.offset) CheckValue(*query.offset, parameters, &status);
  if (query.limit) CheckValue(*query.limit, parameters, &status);
  return status;
}

Result<bool> Evaluate(const Expr& expr, const FieldSource& source, const json::Value& parameters) {
  if (Status arity = CheckArity(expr); !arity.ok()) return arity;
  switch (expr.kind) {
    case Expr::Kind::kTrue:
      return true;
    case Expr::Kind::kAnd: {
      ROOKERY_ASSIGN_OR_RETURN(bool left, Evaluate(*expr.left, source, parameters));
      if (!left) return false;
      return Evaluate(*expr.right, source, parameters);
    }
    case Expr::Kind::kOr: {
      ROOKERY_ASSIGN_OR_RETURN(bool left, Evaluate(*expr.left, source, parameters));
      if (left) return true;
      return Evaluate(*expr.right, source, parameters);
    }
    case Expr::Kind::kNot: {
      ROOKERY_ASSIGN_OR_RETURN(bool inner, Evaluate(*expr.left, source, parameters));
      return !inner;
    }
    case Expr::Kind::kCompare:
      return EvaluateCompare(expr, source, parameters);
    case Expr::Kind::kIn:
    case Expr::Kind::kAllIn:
      return EvaluateIn(expr, source, parameters);
    case Expr::Kind::kBetween:
      return EvaluateBetween(expr, source, parameters);
    case Expr::Kind::kStartsWith:
    case Expr::Kind::kEndsWith:
      return EvaluateAffix(expr, source, parameters);
    case Expr::Kind::kExists: {
      std::vector<const json::Value*> raw;
      source.Collect(expr.field, &raw);
      return !raw.empty();
    }
  }
  return Status::Internal("unknown RQL expression kind");
}

}  // namespace rookery::query
