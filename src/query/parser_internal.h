// The recursive-descent RQL parser behind ParseQuery (parser.h). Internal to the query layer:
// parser.cc holds the clauses, parser_where.cc the conditions of `where`.
//
// Errors are thrown (LexError for malformed text, UnsupportedError for valid constructs Rookery
// does not run) and turned into a Status by ParseQuery; nothing is thrown out of ParseQuery.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"
#include "query/lexer.h"

namespace rookery::query::internal {

// Conditions nest at most this deep: each '(' , `not` and `exact(` is one level.
inline constexpr int kMaxNestingDepth = 64;
// Query texts longer than this are refused before lexing.
inline constexpr size_t kMaxQueryBytes = size_t{1} << 20;

// A valid construct that Rookery does not run; `construct` names it ("search()").
struct UnsupportedError {
  Position pos;
  std::string construct;
};

// A field path as written: segments with "[]" kept on the segment they follow
// (Lines[].Product -> {"Lines[]", "Product"}).
struct RawPath {
  std::vector<std::string> segments;
  bool first_quoted = false;
  Position pos;

  std::string Joined(size_t from = 0) const;
  // A plain name usable as a function name: unquoted, no "[]", e.g. "spatial.within".
  bool IsName() const;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) {}
  Query ParseAll();

 private:
  // Clauses (parser.cc).
  void ParsePrologue();
  void ParseFrom(Query* q);
  void ParseGroupBy(Query* q);
  void ParseLoad(Query* q);
  void ParseOrderBy(Query* q);
  void ParseSelect(Query* q);
  void ParseProjection(Query* q);
  void ParseInclude(Query* q);
  void ParseUpdate(Query* q);
  void ParsePaging(Query* q);
  ValueRef ParsePagingValue();
  [[noreturn]] void FailAtClauseEnd(const Query& q);

  // Conditions (parser_where.cc).
  ExprPtr ParseOr(int depth);
  ExprPtr ParseAnd(int depth);
  ExprPtr ParseUnary(int depth);
  ExprPtr ParsePrimary(int depth);
  ExprPtr ParseFunctionCondition(const RawPath& name, int depth);
  ExprPtr ParseComparison(FieldRef field);
  ValueRef ParseOperand();
  FieldRef ParseFieldArgument(std::string_view function);
  void CheckDepth(int depth, Position pos);

  // Shared pieces (parser.cc).
  RawPath ParsePath(std::string_view expected);
  FieldRef Resolve(const RawPath& path) const;
  // id() / id(alias) after its name, the '(' not yet consumed.
  FieldRef ParseIdCall(const RawPath& name);
  std::string ParseAliasName(std::string_view expected);
  bool StartsValue(const Token& t) const;
  ValueRef ParseValue(std::string_view expected);
  bool Accept(std::string_view punct);  // consumes the punctuation if it is next
  void Expect(std::string_view punct, std::string_view expected);
  void ExpectKeyword(std::string_view keyword);
  [[noreturn]] void Fail(const Token& got, std::string_view expected) const;
  [[noreturn]] void Unsupported(Position pos, std::string construct) const;
  static bool IsReserved(const Token& t);

  Lexer lex_;
  std::string from_alias_;
  std::vector<std::string> load_aliases_;
  // The clause parsed last, for "expected ..." at a clause boundary (see FailAtClauseEnd).
  int stage_ = 0;
  std::string continuation_;  // tokens that could continue the last clause, e.g. "',', 'desc'"
};

}  // namespace rookery::query::internal
