// Evaluation of parsed RQL (ast.h) against one document or index entry, with RavenDB's
// semantics. Used by the query executor for collection scans, for filtering index entries, for
// ordering and for projections.
//
// Semantics (RavenDB defaults, protocol.md §8.4; checked against RavenDB's docs and source where
// noted; "Lucene oddity" marks a place where we chose the documented rule over an index artefact):
//   - String equality and startsWith/endsWith are case-insensitive unless the condition is inside
//     exact(); case-insensitive means json::LowerInvariant (json/text.h) on both sides, the same
//     lower-casing the indexing layer uses for term keys. Ordering of strings is ordinal (code
//     point order) on the lower-cased text for kDefault/kString.
//   - Numbers compare numerically across int/uint/double (1 = 1.0, exact for 64-bit integers).
//     A number never equals a string, with one exception: a document NUMBER matches a query
//     STRING that is the number's canonical JSON text (json::Serialize) in `=`, `!=`, `in`,
//     `all in`, startsWith and endsWith (RavenDB indexes a number's text as a term too: age = '31'
//     matches 31). The reverse does not hold: a document string "31" never equals the query
//     number 31 (RavenDB answers a numeric query from the numeric field, which strings lack).
//     Range operators (<, <=, >, >=, between) compare numbers with numbers and strings with
//     strings (case-insensitive ordinal, so ISO-8601 dates compare as dates); mixed kinds never
//     match (Lucene oddity avoided: RavenDB would compare a number's text with a string bound).
//   - null: `field = null` matches an explicit null or a missing field (or an array holding a
//     null); `field != null` the rest. A range against null never matches.
//   - A field that yields several values (arrays, "Lines[].Product", a plain name on an array)
//     matches when ANY value matches: arrays at the end of a path are flattened (Tags = 'x'
//     matches Tags: ["x", "y"]); objects match nothing but `exists`. `!=` is `not (=)`: true only
//     when no value equals, so a missing field is != anything but null. `all in` requires every
//     listed value to be present among the field's values; an empty list matches nothing.
//   - `exists(f)` is true when the path yields at least one value; an explicit null and an empty
//     array count as present.
//   - `between a and b` is inclusive at both ends; both bounds must be numbers or both strings
//     (kInvalidArgument otherwise, naming the field).
//   - startsWith/endsWith take a string (or number) value; a null or other value is
//     kInvalidArgument.
//   - id() yields the document id as a string and follows the string rules (case-insensitive,
//     as RavenDB ids are). A `load` alias's fields come from the loaded document; a missing load
//     target yields nothing.
//   - A $parameter that is an array expands into its elements in `in` / `all in`; in `=`, `!=`
//     and ranges an array or object value is kInvalidArgument. A missing parameter is
//     kInvalidArgument: "Parameter '$p0' is not defined in QueryParameters".
//   - Booleans equal booleans only (true = 'true' is false).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "json/value.h"
#include "query/ast.h"

namespace rookery::query {

// Where field values come from: a document (DocumentFieldSource) or an index entry (the indexing
// layer stores each indexed path's values; the executor adapts it).
class FieldSource {
 public:
  virtual ~FieldSource() = default;
  // Appends every value the field yields (see json::CollectPath for the path rules); appends
  // nothing when the field is missing. kId fields yield the document id as a string.
  virtual void Collect(const FieldRef& field, std::vector<const json::Value*>* out) const = 0;
};

// A document, its id, and the documents of its `load` clauses (alias -> document; a missing
// load target is simply absent: its fields yield nothing).
class DocumentFieldSource : public FieldSource {
 public:
  DocumentFieldSource(const json::Value& document, std::string_view id);
  void AddLoaded(std::string alias, const json::Value* document);  // not owned
  void Collect(const FieldRef& field, std::vector<const json::Value*>* out) const override;

 private:
  const json::Value& document_;
  json::Value id_;
  std::vector<std::pair<std::string, const json::Value*>> loaded_;
};

// The request's QueryParameters (an object, or null when none were sent).
// Returns the value a ValueRef denotes, or kInvalidArgument for a missing parameter
// ("Parameter '$p0' is not defined in QueryParameters").
Result<const json::Value*> ResolveValue(const ValueRef& ref, const json::Value& parameters);

// Checks that every $parameter the query uses (where, random seeds, offset, limit) is defined.
// Evaluate stops at the first operand that decides an and/or, so a missing parameter further on
// would fail only for some documents: the executor calls this once per query first.
Status CheckParameters(const Query& query, const json::Value& parameters);

// Whether the condition holds for the source. Errors: missing parameters, a between/in with a
// wrong parameter shape (kInvalidArgument naming it).
Result<bool> Evaluate(const Expr& expr, const FieldSource& source, const json::Value& parameters);

// Ordering of two field values for `order by` (nullptr = the field is missing). Returns <0, 0,
// >0 for ascending order; the caller negates for desc (so missing/null come last in desc).
// Missing and null sort first and equal to each other, then by type:
//   kDefault/kString: the value's text (a string as is, a number as its canonical JSON text,
//     true/false, other values serialized) compared case-insensitively (ordinal on the lower-cased
//     text): "10" < "9", as RavenDB's default lexicographical sort.
//   kLong/kDouble: numerically; strings that parse entirely as numbers count as numbers, other
//     values sort after null and before every number (among themselves by their text). kLong
//     truncates fractions toward zero first (RavenDB sorts the long form it indexed), so 2.2 and
//     2.7 tie under kLong.
//   kAlphaNumeric: CompareAlphaNumeric of the texts.
int CompareForOrder(const json::Value* a, const json::Value* b, OrderType type);

// RavenDB's alphanumeric order: the texts are split into runs of ASCII digits and runs of
// anything else and compared run by run. Two digit runs compare as numbers of any length (leading
// zeros ignored: "007" = "7"); a digit run sorts before a non-digit run; non-digit runs compare
// case-insensitively code point by code point, a shorter prefix first. When all runs tie, the
// text with runs left over is greater. "file2" < "file10" < "File11" < "fileA".
int CompareAlphaNumeric(std::string_view a, std::string_view b);

// The first value of a field in the source, for ordering (nullptr when missing). Arrays at the
// end of the path are flattened first, so `order by Tags` uses the first tag (an empty array is
// missing). `holder` keeps the vector alive; callers reuse it.
const json::Value* FirstValue(const FieldSource& source, const FieldRef& field,
                              std::vector<const json::Value*>* holder);

// Orders whole results by a query's `order by` list: returns a permutation of 0..sources.size()-1
// (result i of the output is sources[perm[i]]). Keys compare in turn (ties broken by the next
// key); the sort is stable, so ties over all keys keep the input order. `order by random()`
// ranks by a hash of the seed and the document id (or the input position when the source yields
// no id), so a given seed gives the same order for the same documents whatever the scan order;
// without a seed the caller's `unseeded_random` (from Env randomness) is the seed. A seed is a
// string or number literal or parameter (its text is hashed). Errors: missing parameters.
Result<std::vector<size_t>> OrderResults(const std::vector<OrderBy>& order_by,
                                         const std::vector<const FieldSource*>& sources,
                                         const json::Value& parameters, uint64_t unseeded_random);

// The output name of a non-group-by projection (checked against RavenDB's QueryMetadata and
// FieldsToFetch: the key is `alias ?? name`, where the name is the path without the from/load
// alias): the alias when given; else the path as written ("Address.City", "Lines[].Product",
// "Name" for `c.Name`); "id()" for id(); the load alias ("c") for a whole loaded document.
std::string ProjectionName(const Projection& projection);

// Builds the projected result of a non-group-by `select` for one document: an object with one
// member per projection, named by ProjectionName, in select order. Values: a missing field gives
// null; a path containing "[]" gives an array of every value it yields (null when the part
// before the first "[]" is missing); any other path gives its single value, or an array when it
// yields several (a plain name on an array); `select c` (a load alias) embeds the whole loaded
// document (an array when several were loaded). As in RavenDB, a select that is exactly one
// unaliased load alias returns that document itself as the result (its members, without its
// @metadata). `@metadata.@nested-object-types as __PROJECTED_NESTED_OBJECT_TYPES__`, which the
// Node client appends, is an ordinary aliased path (null when the document has none).
// Adds "@metadata": {"@projection": true, "@id": <id>} (and "@collection" when `collection` is
// not ""). Errors: key()/count()/sum() projections (kInvalidArgument: group-by results come from
// the index layer).
Result<json::Value> Project(const Query& query, const FieldSource& source, std::string_view id,
                            std::string_view collection);

// `select distinct`: the canonical form of a projected result, equal for two results exactly
// when they are duplicates. Compares every member but "@metadata", in order, with json::Value
// equality (case-sensitive strings; 1 and 1.0 differ, as RavenDB compares the stored values).
// Hashable: use it as a set key.
std::string DistinctKey(const json::Value& projected);
bool SameProjection(const json::Value& a, const json::Value& b);

}  // namespace rookery::query
