// Query planning helpers (executor.h): which automatic index a query needs, and which index
// entries can possibly match a where clause (term-tree narrowing).
#pragma once

#include <optional>
#include <set>
#include <string>

#include "base/result.h"
#include "indexing/definition.h"
#include "indexing/index.h"
#include "json/value.h"
#include "query/ast.h"

namespace rookery::query {

// Every document field path a where clause references (load aliases and id() excluded).
void WherePaths(const Expr& expr, std::vector<std::string>* out);
// True when the where clause references only id().
bool WhereOnlyOnId(const Expr& expr);

// The automatic index a collection query needs: map over where + order by paths, or map-reduce
// for group by (group-by paths, summed paths of sum() projections).
indexing::IndexDefinition AutoIndexFor(const Query& query);

// Lower ids of the entries that may satisfy `expr`, found through the term trees of `snapshot`;
// nullopt when the clause cannot be narrowed (then every entry is a candidate). A superset of
// the true matches: the caller evaluates each candidate exactly.
Result<std::optional<std::set<std::string>>> Candidates(const Expr& expr,
                                                        indexing::IndexSnapshot& snapshot,
                                                        const indexing::IndexDefinition& definition,
                                                        const json::Value& parameters);

// Whether Candidates(expr) gives exactly the matching entries, so they need no evaluation:
// `path = 'text'` on an indexed path, not exact(), with a text that is not a number's. A string
// term is the lower-cased text (json::LowerInvariant), and eval's case-insensitive equality is
// equality of the same lower-cased code points; both flatten arrays fully, and only strings have
// string terms (a document number matches a query string only through its text, which a
// non-numeric text never is).
Result<bool> CandidatesAreMatches(const Expr& expr, const indexing::IndexDefinition& definition,
                                  const json::Value& parameters);

// Candidates, reading at most about max_candidates + 1 term keys per term scan: nullopt when
// the clause cannot be narrowed or narrows to more than `max_candidates` entries (*within is then
// false), so it is cheap whatever the index holds.
Result<std::optional<std::set<std::string>>> CandidatesUpTo(
    const Expr& expr, indexing::IndexSnapshot& snapshot,
    const indexing::IndexDefinition& definition, const json::Value& parameters,
    size_t max_candidates, bool* within);

// Whether Candidates narrows `expr` to at most `max_candidates` entries (CandidatesUpTo).
Result<bool> CandidatesWithin(const Expr& expr, indexing::IndexSnapshot& snapshot,
                              const indexing::IndexDefinition& definition,
                              const json::Value& parameters, size_t max_candidates);

// A range + sort that an ordered scan of one term tree answers exactly, without loading every
// match: the where clause is a single numeric range on an indexed path P (`P between a and b`,
// `P > a`, `>=`, `<`, `<=`; a and b numbers exactly representable as doubles) and the query is
// ordered by P `as long` or `as double`, ascending, and nothing else. Scanning the term keys
// [lo, hi) of `terms/P` yields, when the index has no irregular entries at P
// (IndexSnapshot::IrregularEntries), exactly the matching documents, once each, by value and
// then lower id. `as long` orders by the values' integer parts (truncated toward zero) with ties
// kept in lower-id order (the stable sort of the general path), so runs of equal integer parts
// must be re-sorted by lower id.
struct OrderedRange {
  std::string path;
  std::string lo;                 // first term key (inclusive)
  std::optional<std::string> hi;  // last term key (exclusive); none: every number above lo
  bool truncate = false;          // `as long`
};
Result<std::optional<OrderedRange>> OrderedRangeFor(const Query& query,
                                                    const indexing::IndexDefinition& definition,
                                                    const json::Value& parameters);
// The number a number term key encodes (the first 9 bytes of a term tree key of a number).
double DecodeNumberTermKey(std::string_view key);

}  // namespace rookery::query
