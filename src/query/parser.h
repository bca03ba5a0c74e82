// RQL parser: query text -> query::Query (ast.h).
//
// Keywords (from, index, where, and, or, not, in, all, between, order, by, desc, asc, as, select,
// distinct, load, include, limit, offset, group, update, delete, true, false, null) are
// case-insensitive. Identifiers may contain letters, digits, '_', '@' and '-' after the first
// character ('@' may also start one: @metadata, @all_docs); quoted names use '...' or "..." with
// backslash escapes. Numbers: optional '-', integers (int64, else uint64, else double) and
// decimals/exponents (double). String literals: '...' or "..." with \\ \' \" \n \t \r \b \f \/
// and \uXXXX escapes.
//
// Errors (never an exception out of ParseQuery):
//   kInvalidArgument  malformed query. Message: "Invalid RQL at line L, column C (offset O):
//                     expected <what>, got <token>" (the server answers InvalidQueryException).
//   kNotSupported     a valid construct Rookery does not run yet, naming it and its position:
//                     "search() is not supported by Rookery yet (line 1, column 21); see
//                     docs/compatibility.md". Covers search, lucene, regex, boost, fuzzy,
//                     proximity, intersect, spatial functions, moreLikeThis, `declare function`,
//                     `with`, `match` (graph), JavaScript `select { ... }`, `include
//                     revisions()/counters()/timeseries()/cmpxchg()`, `order by score()`, and any
//                     other function call in where/select/order by.
// Limits: query text up to 1 MiB and nesting depth 64, else kInvalidArgument.
//
// Threads: pure function; safe from any thread.
#pragma once

#include <string_view>

#include "base/result.h"
#include "query/ast.h"

namespace rookery::query {

Result<Query> ParseQuery(std::string_view text);

}  // namespace rookery::query
