// RQL parser: query text -> query::Query (ast.h).
//
// The accepted grammar, clause order and precedence: docs/design/rql.md. Keywords are
// case-insensitive and contextual: only the clause words (as, select, where, load, group, order,
// include, update, offset, limit, filter) cannot start an unquoted field path. RQL has no
// `delete` clause: delete-by-query sends a plain query (the caller sets Operation::kDelete).
// Identifiers start with a letter, '_', '@' or a non-ASCII character and continue with those,
// digits and '-' (@metadata.@nested-object-types); quoted names use '...' or "...". Numbers:
// optional '-', digits with optional '_' separators (int64, else uint64, else double), decimals
// and exponents (double). String literals: '...' or "..." with a doubled quote ('it''s') and
// \\ \' \" \n \t \r \b \f \/ and \uXXXX escapes. Comments: // to end of line and /* */. The
// text must be UTF-8.
//
// Errors (never an exception out of ParseQuery):
//   kInvalidArgument  malformed query. Message: "Invalid RQL at line L, column C (offset O):
//                     expected <what>, got <token>" (the server answers InvalidQueryException).
//   kNotSupported     a valid construct Rookery does not run yet, naming it and its position:
//                     "search() is not supported by Rookery yet (line 1, column 21); see
//                     docs/compatibility.md". Covers search, lucene, regex, boost, fuzzy,
//                     proximity, intersect, spatial functions, moreLikeThis, `declare function`,
//                     `with`, `match` (graph), JavaScript `select { ... }`, `include
//                     revisions()/counters()/timeseries()/cmpxchg()`, `order by score()`, any
//                     other function call in where/select/order by/group by, `filter`,
//                     comparing two fields, array indexes (a[0]), constants in select, aliases
//                     in group by, and a load through another load alias.
// Limits: query text up to 1 MiB (else kInvalidArgument "Invalid RQL: the query text is N bytes;
// the limit is 1048576 bytes"); conditions nested at most 64 deep (each '(', `not`, `exact(` is a
// level), else kInvalidArgument with the position.
//
// Threads: pure function; safe from any thread.
#pragma once

#include <string_view>

#include "base/result.h"
#include "query/ast.h"

namespace rookery::query {

Result<Query> ParseQuery(std::string_view text);

}  // namespace rookery::query
