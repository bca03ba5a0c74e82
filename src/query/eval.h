// Evaluation of parsed RQL (ast.h) against one document or index entry, with RavenDB's
// semantics. Used by the query executor for collection scans, for filtering index entries, for
// ordering and for projections.
//
// Semantics (RavenDB defaults, protocol.md §8.4):
//   - String equality and startsWith/endsWith are case-insensitive unless the condition is inside
//     exact(); ordering of strings is ordinal on the lower-cased text for kDefault/kString.
//   - Numbers compare numerically across int/uint/double (1 = 1.0). A number never equals a
//     string, except that a string that is the number's canonical JSON text matches it in `=`
//     and `in` (RavenDB indexes a number's text as a term too: age = '31' matches 31).
//     Range operators (<, <=, >, >=, between) compare numbers with numbers and strings with
//     strings (case-insensitive ordinal, so ISO-8601 dates compare as dates); mixed kinds never
//     match.
//   - null: `field = null` matches an explicit null or a missing field; `field != null` the rest.
//   - A field that yields several values (arrays, "Lines[].Product") matches when ANY value
//     matches; `!=` is `not (=)` (true only when no value equals); `all in` requires every listed
//     value to be present; `exists(f)` is true when the path yields at least one value (an
//     explicit null counts as present).
//   - A $parameter that is an array expands into its elements in `in` / `all in`; a missing
//     parameter is kInvalidArgument naming it.
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

// Whether the condition holds for the source. Errors: missing parameters, a between/in with a
// wrong parameter shape (kInvalidArgument naming it).
Result<bool> Evaluate(const Expr& expr, const FieldSource& source, const json::Value& parameters);

// Ordering of two field values for `order by` (nullptr = the field is missing). Returns <0, 0,
// >0 for ascending order; the caller negates for desc. Missing and null sort first, then by
// type: kDefault/kString compare strings case-insensitively (numbers as their text); kLong and
// kDouble compare numerically (strings that parse as numbers too, others sort first);
// kAlphaNumeric compares runs of digits numerically and the rest case-insensitively
// ("file2" < "file10").
int CompareForOrder(const json::Value* a, const json::Value* b, OrderType type);

// The first value of a field in the source, for ordering (nullptr when missing). `holder` keeps
// the vector alive; callers reuse it.
const json::Value* FirstValue(const FieldSource& source, const FieldRef& field,
                              std::vector<const json::Value*>* holder);

// Builds the projected result of a non-group-by `select` for one document: an object with one
// member per projection, named by its alias or else as RavenDB names an unaliased projection
// (verify against RavenDB's docs/source and state the rule here); a field yielding several values
// gives an array, a missing one null; `select c` (a load alias) embeds that whole document.
// Adds "@metadata": {"@projection": true, "@id": <id>} (and "@collection" when known, pass "" to
// omit). `__PROJECTED_NESTED_OBJECT_TYPES__` projections (of @metadata.@nested-object-types)
// are emitted as the client asks.
Result<json::Value> Project(const Query& query, const FieldSource& source, std::string_view id,
                            std::string_view collection);

}  // namespace rookery::query
