// The syntax tree of one RQL query, as produced by query::ParseQuery (parser.h).
//
// The tree is plain data: it owns its strings and JSON literals, holds no pointers into the
// query text, and can be moved between threads. Parameters ($p0) stay unresolved here; the
// evaluator (eval.h) resolves them against the request's QueryParameters.
//
// Field references are normalised by the parser:
//   - the `from` alias is stripped (`from Users as u where u.Name = 1` -> path "Name");
//   - a reference rooted at a `load` alias keeps that alias in FieldRef::source
//     (`load u.Company as c select c.Name` -> source "c", path "Name");
//   - `id()` / `id(u)` becomes FieldRef::kind == kId;
//   - paths keep RavenDB's notation: "Address.City", "Lines[].Product", "@metadata.@collection";
//     a quoted name ('first name' or "first name") is one segment and is kept unquoted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"

namespace rookery::query {

// Where something starts in the query text: 0-based byte offset, 1-based line and column
// (columns count bytes). Error messages quote these.
struct Position {
  uint32_t offset = 0;
  uint32_t line = 1;
  uint32_t column = 1;
};

struct FieldRef {
  enum class Kind : uint8_t {
    kPath,  // a document field path
    kId,    // id() or id(alias): the document id
  };
  Kind kind = Kind::kPath;
  std::string source;  // "" = the queried document; otherwise a load alias
  std::string path;    // "" for kId
  Position pos;
};

// A value in the query: a literal (string, number, true/false/null) or a $parameter.
struct ValueRef {
  enum class Kind : uint8_t { kLiteral, kParameter };
  Kind kind = Kind::kLiteral;
  json::Value literal;    // kLiteral: a string, an int64/uint64/double, a bool or null
  std::string parameter;  // kParameter: the name without '$'
  Position pos;
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// "=", "!=", "<", "<=", ">", ">=": for messages and for printing a query back.
std::string_view CompareOpText(CompareOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A boolean condition of a `where` clause.
struct Expr {
  enum class Kind : uint8_t {
    kCompare,     // field <op> value
    kIn,          // field in (v, ...)      any of the values (a parameter may hold an array)
    kAllIn,       // field all in (v, ...)  every value is present in the field (an array)
                  // (RavenDB accepts an empty list: `in ()` matches nothing, `all in ()` all)
    kBetween,     // field between v1 and v2, inclusive
    kStartsWith,  // startsWith(field, v)
    kEndsWith,    // endsWith(field, v)
    kExists,      // exists(field)
    kAnd,         // left and right
    kOr,          // left or right
    kNot,         // not left
    kTrue,        // the literal `true` (RavenDB allows `where true and not x = 1`)
  };
  Kind kind = Kind::kTrue;
  Position pos;
  FieldRef field;                 // every leaf kind except kTrue
  CompareOp op = CompareOp::kEq;  // kCompare only
  std::vector<ValueRef> values;  // kCompare, kStartsWith, kEndsWith: 1; kBetween: 2; kIn/kAllIn: 0+
  bool exact = false;            // inside exact(...): string comparisons are case-sensitive
  ExprPtr left;                  // kAnd, kOr, kNot
  ExprPtr right;                 // kAnd, kOr
  // A chain `a and b and c ...` (or `or`) is a balanced tree of kAnd (kOr) nodes with the
  // operands in text order, so its height is logarithmic in its length; pos of kAnd/kOr is the
  // position of its first operand.
};

enum class OrderType : uint8_t { kDefault, kString, kLong, kDouble, kAlphaNumeric };

struct OrderBy {
  FieldRef field;  // unused when random
  bool descending = false;
  OrderType type = OrderType::kDefault;  // from `as long|double|alphaNumeric|string`
  bool random = false;                   // order by random() [ (seed) ]
  std::optional<ValueRef> random_seed;
  Position pos;
};

// One item of a `select` list.
struct Projection {
  enum class Kind : uint8_t {
    kField,  // a field (or id(), or a whole load alias: `select c`)
    kKey,    // key()   (group by)
    kCount,  // count() (group by)
    kSum,    // sum(field) (group by)
  };
  Kind kind = Kind::kField;
  FieldRef field;     // kField, kSum; for `select c` (a load alias): source "c", path ""
  std::string alias;  // `as x`; "" when none (the evaluator derives the output name)
  Position pos;
};

struct LoadClause {
  FieldRef field;     // the path holding the id(s) to load, relative to the queried document
  std::string alias;  // required: `load u.Company as c`
  Position pos;
};

struct Query {
  enum class SourceKind : uint8_t {
    kCollection,  // from Users / from 'Users' / from "Users"
    kIndex,       // from index 'Users/ByName'
    kAllDocs,     // from @all_docs / from '@all_docs'
  };
  SourceKind source = SourceKind::kCollection;
  std::string source_name;  // collection or index name, unquoted, casing as written
  std::string alias;        // `from Users as u` -> "u"; "" when none
  Position source_pos;

  ExprPtr where;  // null when there is no where clause

  std::vector<FieldRef> group_by;  // empty when not a group-by query
  std::vector<OrderBy> order_by;
  std::vector<LoadClause> loads;

  bool has_select = false;  // false for `select *` / `select distinct *` too (whole documents)
  bool distinct = false;
  std::vector<Projection> select;

  std::vector<FieldRef> includes;  // include a, b.c

  // `limit A, B` sets offset = A and limit = B; `limit B` sets limit only; `offset A` (or
  // `limit B offset A`) sets offset. A parameter whose value is null means "not given".
  std::optional<ValueRef> offset;
  std::optional<ValueRef> limit;

  // ParseQuery produces kSelect or kUpdate; RQL has no delete clause, so the DELETE /queries
  // handler sets kDelete on the query it parsed.
  enum class Operation : uint8_t { kSelect, kDelete, kUpdate };
  Operation operation = Operation::kSelect;
  std::string update_script;  // kUpdate: the text between the braces of `update { ... }`
};

}  // namespace rookery::query
