// RQL conditions (the `where` clause).
//
//   or    := and ('or' and)*
//   and   := unary ('and' unary)*
//   unary := 'not' unary | primary
//   primary := '(' or ')' | 'true' | function '(' ... ')' | field op value | field 'in' (...) |
//              field 'all' 'in' (...) | field 'between' value 'and' value
//
// `and` binds tighter than `or`, `not` tighter than both (RavenDB's precedence, with `and not` /
// `or not` falling out of the unary rule). A chain of one operator (a and b and c ...) becomes a
// balanced tree with its operands in order, so that a long chain cannot make a deep tree for
// the evaluator or for the destructor to recurse through.
#include <string>
#include <utility>
#include <vector>

#include "query/parser_internal.h"

namespace rookery::query::internal {

namespace {

constexpr std::string_view kConditionStart =
    "a condition (a field, startsWith(), endsWith(), exists(), exact(), id(), true, 'not' or '(')";

ExprPtr Balanced(std::vector<ExprPtr>* items, size_t begin, size_t end, Expr::Kind kind) {
  if (end - begin == 1) return std::move((*items)[begin]);
  const size_t mid = begin + (end - begin + 1) / 2;
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->left = Balanced(items, begin, mid, kind);
  e->right = Balanced(items, mid, end, kind);
  e->pos = e->left->pos;
  return e;
}

void MarkExact(Expr* e) {
  e->exact = true;
  if (e->left) MarkExact(e->left.get());
  if (e->right) MarkExact(e->right.get());
}

bool IsFunction(const std::string& name, std::string_view want) {
  return EqualsIgnoreCase(name, want);
}

}  // namespace

void Parser::CheckDepth(int depth, Position pos) {
  if (depth > kMaxNestingDepth) {
    throw LexError{pos, "expected at most " + std::to_string(kMaxNestingDepth) +
                            " nested levels of '(', 'not' and exact(), got more"};
  }
}

ExprPtr Parser::ParseOr(int depth) {
  std::vector<ExprPtr> items;
  items.push_back(ParseAnd(depth));
  while (lex_.Peek().IsKeyword("or")) {
    lex_.Next();
    items.push_back(ParseAnd(depth));
  }
  return Balanced(&items, 0, items.size(), Expr::Kind::kOr);
}

ExprPtr Parser::ParseAnd(int depth) {
  std::vector<ExprPtr> items;
  items.push_back(ParseUnary(depth));
  while (lex_.Peek().IsKeyword("and")) {
    lex_.Next();
    items.push_back(ParseUnary(depth));
  }
  return Balanced(&items, 0, items.size(), Expr::Kind::kAnd);
}

ExprPtr Parser::ParseUnary(int depth) {
  const Token& t = lex_.Peek();
  if (!t.IsKeyword("not")) return ParsePrimary(depth);
  auto e = std::make_unique<Expr>();
  e->kind = Expr::Kind::kNot;
  e->pos = t.pos;
  CheckDepth(depth + 1, t.pos);
  lex_.Next();
  e->left = ParseUnary(depth + 1);
  return e;
}

ExprPtr Parser::ParsePrimary(int depth) {
  const Token& t = lex_.Peek();
  if (t.Is("(")) {
    const Position open = t.pos;
    CheckDepth(depth + 1, open);
    lex_.Next();
    ExprPtr inner = ParseOr(depth + 1);
    Expect(")", "')' to close the '(' at line " + std::to_string(open.line) + ", column " +
                    std::to_string(open.column) + ", or 'and', 'or'");
    return inner;
  }
  if (t.IsKeyword("true")) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kTrue;
    e->pos = t.pos;
    lex_.Next();
    return e;
  }
  if (t.kind != TokenKind::kString && (t.kind != TokenKind::kIdentifier || IsReserved(t))) {
    Fail(t, kConditionStart);
  }
  const RawPath path = ParsePath(kConditionStart);
  if (lex_.Peek().Is("(")) return ParseFunctionCondition(path, depth);
  return ParseComparison(Resolve(path));
}

ExprPtr Parser::ParseFunctionCondition(const RawPath& name_path, int depth) {
  const std::string name = name_path.Joined();
  const bool plain = name_path.IsName();
  if (plain && IsFunction(name, "id")) return ParseComparison(ParseIdCall(name_path));
  auto e = std::make_unique<Expr>();
  e->pos = name_path.pos;
  if (plain && IsFunction(name, "exact")) {
    CheckDepth(depth + 1, name_path.pos);
    lex_.Next();
    e = ParseOr(depth + 1);
    Expect(")", "')' to close exact(, or 'and', 'or'");
    MarkExact(e.get());
    return e;
  }
  if (plain && (IsFunction(name, "startsWith") || IsFunction(name, "endsWith"))) {
    e->kind = IsFunction(name, "startsWith") ? Expr::Kind::kStartsWith : Expr::Kind::kEndsWith;
    lex_.Next();
    e->field = ParseFieldArgument(name);
    Expect(",", "',' and a value after the field in " + name + "()");
    e->values.push_back(ParseValue("a value (string or $parameter) in " + name + "()"));
    Expect(")", "')' to close " + name + "(");
    return e;
  }
  if (plain && IsFunction(name, "exists")) {
    e->kind = Expr::Kind::kExists;
    lex_.Next();
    e->field = ParseFieldArgument(name);
    Expect(")", "')' to close exists(");
    return e;
  }
  // search, lucene, regex, boost, fuzzy, proximity, intersect, moreLikeThis, spatial.*, count()
  // of group by, and anything else.
  Unsupported(name_path.pos, name + "()");
}

FieldRef Parser::ParseFieldArgument(std::string_view function) {
  const RawPath path =
      ParsePath("a field as the first argument of " + std::string(function) + "()");
  if (!lex_.Peek().Is("(")) return Resolve(path);
  if (path.IsName() && EqualsIgnoreCase(path.Joined(), "id")) return ParseIdCall(path);
  Unsupported(path.pos, path.Joined() + "() as an argument of " + std::string(function) + "()");
}

ValueRef Parser::ParseOperand() {
  const Token& t = lex_.Peek();
  if (StartsValue(t)) return ParseValue("");
  if (t.kind == TokenKind::kIdentifier && !IsReserved(t)) {
    const RawPath other = ParsePath("");
    if (lex_.Peek().Is("(")) Unsupported(other.pos, other.Joined() + "() as a value");
    Unsupported(other.pos, "comparing a field with another field ('" + other.Joined() + "')");
  }
  Fail(t, "a value (string, number, true, false, null or $parameter)");
}

ExprPtr Parser::ParseComparison(FieldRef field) {
  auto e = std::make_unique<Expr>();
  e->pos = field.pos;
  const Token t = lex_.Peek();
  static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
      {"=", CompareOp::kEq},  {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},
      {"<>", CompareOp::kNe}, {"<", CompareOp::kLt},  {"<=", CompareOp::kLe},
      {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
  for (const auto& [text, op] : kOps) {
    if (t.Is(text)) {
      lex_.Next();
      e->kind = Expr::Kind::kCompare;
      e->op = op;
      e->values.push_back(ParseOperand());
      e->field = std::move(field);
      return e;
    }
  }
  if (t.IsKeyword("in") || t.IsKeyword("all")) {
    lex_.Next();
    e->kind = Expr::Kind::kIn;
    if (t.IsKeyword("all")) {
      ExpectKeyword("in");
      e->kind = Expr::Kind::kAllIn;
    }
    Expect("(", "'(' and a list of values after 'in'");
    if (!lex_.Peek().Is(")")) {
      do {
        e->values.push_back(
            ParseValue("a value (string, number, true, false, null or $parameter)"));
      } while (Accept(","));
    }
    Expect(")", "',' or ')' in the list of values");
  } else if (t.IsKeyword("between")) {
    lex_.Next();
    e->kind = Expr::Kind::kBetween;
    e->values.push_back(ParseValue("a value after 'between'"));
    ExpectKeyword("and");
    e->values.push_back(ParseValue("a value after 'between ... and'"));
  } else {
    const std::string shown = field.kind == FieldRef::Kind::kId ? "id()" : field.path;
    Fail(t, "an operator (=, !=, <, <=, >, >=, in, all in, between) after '" + shown + "'");
  }
  e->field = std::move(field);
  return e;
}

}  // namespace rookery::query::internal
