// Test helpers for the RQL parser tests: parse-or-fail and a compact S-expression rendering of
// conditions, so that tree shapes (precedence, alias stripping) are asserted as one string.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "query/ast.h"
#include "query/parser.h"

namespace rookery::query::testing {

inline std::string Render(const FieldRef& f) {
  std::string out = f.source.empty() ? "" : f.source + ":";
  if (f.kind == FieldRef::Kind::kId) return out + "id()";
  return out + f.path;
}

inline std::string Render(const ValueRef& v) {
  if (v.kind == ValueRef::Kind::kParameter) return "$" + v.parameter;
  return json::Serialize(v.literal);
}

// (= Name $p0), (in Tags "a" "b"), (and L R), (not L), true; exact leaves as exact(= ...).
inline std::string Render(const Expr& e) {
  std::string head;
  switch (e.kind) {
    case Expr::Kind::kTrue:
      return "true";
    case Expr::Kind::kAnd:
      return "(and " + Render(*e.left) + " " + Render(*e.right) + ")";
    case Expr::Kind::kOr:
      return "(or " + Render(*e.left) + " " + Render(*e.right) + ")";
    case Expr::Kind::kNot:
      return "(not " + Render(*e.left) + ")";
    case Expr::Kind::kCompare:
      head = std::string(CompareOpText(e.op));
      break;
    case Expr::Kind::kIn:
      head = "in";
      break;
    case Expr::Kind::kAllIn:
      head = "allin";
      break;
    case Expr::Kind::kBetween:
      head = "between";
      break;
    case Expr::Kind::kStartsWith:
      head = "startsWith";
      break;
    case Expr::Kind::kEndsWith:
      head = "endsWith";
      break;
    case Expr::Kind::kExists:
      head = "exists";
      break;
  }
  std::string out = "(" + head + " " + Render(e.field);
  for (const ValueRef& v : e.values) out += " " + Render(v);
  out += ")";
  return e.exact ? "exact" + out : out;
}

// Parses `text`, failing the test (with the status) when it does not parse.
inline Query MustParse(std::string_view text) {
  auto r = ParseQuery(text);
  EXPECT_TRUE(r.ok()) << "query: " << text << "\nstatus: " << r.status().ToString();
  if (!r.ok()) return Query{};
  return std::move(r).value();
}

// The rendered where clause of `text` ("" when it has none or does not parse).
inline std::string Where(std::string_view text) {
  Query q = MustParse(text);
  return q.where ? Render(*q.where) : "";
}

}  // namespace rookery::query::testing
