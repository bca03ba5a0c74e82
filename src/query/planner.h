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

}  // namespace rookery::query
