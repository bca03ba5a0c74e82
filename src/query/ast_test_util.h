// Small builders for RQL syntax trees in tests, so evaluator tests do not depend on the parser.
//   auto e = And(Eq(F("Name"), Lit("john")), Gt(F("Age"), P("p0")));
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "json/value.h"
#include "query/ast.h"

namespace rookery::query::testing {

// Parses JSON text; fails the test on malformed input.
inline json::Value J(std::string_view text) {
  Result<json::Value> value = json::Parse(text);
  EXPECT_TRUE(value.ok()) << value.status().ToString() << " in " << text;
  return value.ok() ? std::move(value).value() : json::Value();
}

inline FieldRef F(std::string path, std::string source = "") {
  FieldRef field;
  field.path = std::move(path);
  field.source = std::move(source);
  return field;
}
inline FieldRef Id(std::string source = "") {
  FieldRef field;
  field.kind = FieldRef::Kind::kId;
  field.source = std::move(source);
  return field;
}

// A literal from JSON text: Lit("'x'") is not JSON, so strings use S().
inline ValueRef Lit(std::string_view json_text) {
  ValueRef ref;
  ref.literal = J(json_text);
  return ref;
}
inline ValueRef S(std::string text) {
  ValueRef ref;
  ref.literal = json::Value::String(std::move(text));
  return ref;
}
inline ValueRef P(std::string name) {
  ValueRef ref;
  ref.kind = ValueRef::Kind::kParameter;
  ref.parameter = std::move(name);
  return ref;
}

inline ExprPtr Leaf(Expr::Kind kind, FieldRef field, std::initializer_list<ValueRef> values) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  expr->field = std::move(field);
  expr->values.assign(values.begin(), values.end());
  return expr;
}
inline ExprPtr Cmp(FieldRef field, CompareOp op, ValueRef value) {
  ExprPtr expr = Leaf(Expr::Kind::kCompare, std::move(field), {std::move(value)});
  expr->op = op;
  return expr;
}
inline ExprPtr Eq(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kEq, std::move(v));
}
inline ExprPtr Ne(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kNe, std::move(v));
}
inline ExprPtr Lt(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kLt, std::move(v));
}
inline ExprPtr Le(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kLe, std::move(v));
}
inline ExprPtr Gt(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kGt, std::move(v));
}
inline ExprPtr Ge(FieldRef f, ValueRef v) {
  return Cmp(std::move(f), CompareOp::kGe, std::move(v));
}
inline ExprPtr In(FieldRef f, std::initializer_list<ValueRef> values) {
  return Leaf(Expr::Kind::kIn, std::move(f), values);
}
inline ExprPtr AllIn(FieldRef f, std::initializer_list<ValueRef> values) {
  return Leaf(Expr::Kind::kAllIn, std::move(f), values);
}
inline ExprPtr Between(FieldRef f, ValueRef low, ValueRef high) {
  return Leaf(Expr::Kind::kBetween, std::move(f), {std::move(low), std::move(high)});
}
inline ExprPtr StartsWith(FieldRef f, ValueRef v) {
  return Leaf(Expr::Kind::kStartsWith, std::move(f), {std::move(v)});
}
inline ExprPtr EndsWith(FieldRef f, ValueRef v) {
  return Leaf(Expr::Kind::kEndsWith, std::move(f), {std::move(v)});
}
inline ExprPtr Exists(FieldRef f) {
  return Leaf(Expr::Kind::kExists, std::move(f), {});
}
inline ExprPtr True() {
  return std::make_unique<Expr>();
}

inline ExprPtr Binary(Expr::Kind kind, ExprPtr left, ExprPtr right) {
  auto expr = std::make_unique<Expr>();
  expr->kind = kind;
  expr->left = std::move(left);
  expr->right = std::move(right);
  return expr;
}
inline ExprPtr And(ExprPtr l, ExprPtr r) {
  return Binary(Expr::Kind::kAnd, std::move(l), std::move(r));
}
inline ExprPtr Or(ExprPtr l, ExprPtr r) {
  return Binary(Expr::Kind::kOr, std::move(l), std::move(r));
}
inline ExprPtr Not(ExprPtr inner) {
  return Binary(Expr::Kind::kNot, std::move(inner), nullptr);
}

// exact(...): marks every leaf inside as case-sensitive, as the parser does.
inline ExprPtr Exact(ExprPtr expr) {
  struct Marker {
    static void Mark(Expr* e) {
      if (e == nullptr) return;
      e->exact = true;
      Mark(e->left.get());
      Mark(e->right.get());
    }
  };
  Marker::Mark(expr.get());
  return expr;
}

inline OrderBy Order(FieldRef field, OrderType type = OrderType::kDefault, bool desc = false) {
  OrderBy order;
  order.field = std::move(field);
  order.type = type;
  order.descending = desc;
  return order;
}
inline OrderBy Random(std::optional<ValueRef> seed = std::nullopt) {
  OrderBy order;
  order.random = true;
  order.random_seed = std::move(seed);
  return order;
}

inline Projection Select(FieldRef field, std::string alias = "") {
  Projection projection;
  projection.field = std::move(field);
  projection.alias = std::move(alias);
  return projection;
}

}  // namespace rookery::query::testing
