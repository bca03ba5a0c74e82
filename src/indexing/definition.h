// Index definitions: what an index computes from the documents of one collection.
//
// Automatic indexes (created by queries, protocol.md §8.4) come in two kinds:
//   kAutoMap        one entry per document holding the values of `fields` (paths such as
//                   "Name", "Address.City", "Lines[].Product"), with a term tree per field for
//                   lookups and range scans.
//   kAutoMapReduce  `group by` queries: documents grouped by the values of `group_by`; per group
//                   the count of documents and the sum of each path in `sums`.
// Names follow RavenDB's AutoIndexNameFinder: "Auto/<Collection>/By<F1>And<F2>" with fields in
// ordinal order ("Auto/Users/ByAgeAndName"), "Auto/<Collection>/ById" with no fields,
// "Auto/<Collection>/By<Aggregates>ReducedBy<G1>And<G2>" for map-reduce (aggregates: "Count" and
// the summed paths), "AllDocs" for @all_docs, names over 256 characters cut and suffixed with
// "..." + XXH64 of the full name.
//
// Static JavaScript indexes (defined over HTTP, protocol.md §9.1; docs/design/js-indexes.md):
//   kJavaScriptMap        `maps` (each calling map('Collection', fn)); entries are what the maps
//                         return.
//   kJavaScriptMapReduce  the same plus `reduce` (groupBy(fn).aggregate(fn)).
// Their name is the user's; `collections` and `uses_load` are derived when the definition is
// compiled (IndexManager::PutStatic).
//
// Definitions are values; the JSON form is what an index stores (docs/formats/index.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "json/value.h"

namespace rookery::indexing {

enum class IndexType : uint8_t { kAutoMap, kAutoMapReduce, kJavaScriptMap, kJavaScriptMapReduce };

// RavenDB's IndexType names: "AutoMap", "AutoMapReduce", "JavaScriptMap", "JavaScriptMapReduce".
std::string_view IndexTypeName(IndexType type);
bool IsJavaScript(IndexType type);

struct IndexDefinition {
  IndexType type = IndexType::kAutoMap;
  std::string collection;             // as first queried; "@all_docs" for every collection
  std::vector<std::string> fields;    // kAutoMap: indexed paths, sorted, unique
  std::vector<std::string> group_by;  // kAutoMapReduce: grouping paths, sorted, unique
  std::vector<std::string> sums;      // kAutoMapReduce: summed paths, sorted, unique
  std::string name;                   // auto: derived, AutoIndexName(*this); static: given

  // kJavaScript*: the sources, RavenDB's Fields options and Configuration (objects, kept as
  // given), and what compiling found: the collections the maps name (first-seen order) and
  // whether any source calls load().
  std::vector<std::string> maps;
  std::string reduce;
  json::Value field_options = json::Value::Object();
  json::Value configuration = json::Value::Object();
  std::vector<std::string> collections;
  bool uses_load = false;
  // kJavaScriptMapReduce: RavenDB's OutputReduceToCollection ("" = none). Every reduce result
  // is also an artificial document of this collection (docs/design/js-indexes.md, "Output
  // collections"); never one of `collections`.
  std::string output_collection;
  // RavenDB's PatternForOutputReduceToCollectionReferences ("" = none; needs
  // output_collection) and PatternReferencesCollectionName ("" = "<output_collection>/References"):
  // reference documents listing the output documents of each pattern id (docs/formats/index.md,
  // "Reference documents").
  std::string reference_pattern;
  std::string references_collection;
  // RavenDB's AdditionalSources: name -> JavaScript run before the maps (its functions are
  // callable from the maps and the reduce), in the order given.
  std::vector<std::pair<std::string, std::string>> additional_sources;

  // Auto: sorts and de-duplicates the path lists and sets `name`. Static: nothing.
  void Normalize();
  // Whether a query needing `wanted` can be answered by this index: same kind and collection
  // (case-insensitive), for map the fields are a superset; for map-reduce the same group-by set
  // and the sums a superset.
  bool Covers(const IndexDefinition& wanted) const;
  // The union of both (same kind and collection): what a widened index holds. Normalized.
  IndexDefinition Merge(const IndexDefinition& other) const;

  json::Value ToJson() const;
  static Result<IndexDefinition> FromJson(const json::Value& value);
};

std::string AutoIndexName(const IndexDefinition& definition);

// A static definition from RavenDB's IndexDefinition JSON (what PutIndexesOperation sends):
// Name, Maps, Reduce, IndexType or Type (detected from Maps as the client does when absent),
// Fields, Configuration, AdditionalSources, OutputReduceToCollection (map-reduce only),
// PatternForOutputReduceToCollectionReferences (validated; needs OutputReduceToCollection) and
// PatternReferencesCollectionName. kInvalidArgument for a malformed one; kNotSupported for C#
// maps. `collections` is left for the compiler.
Result<IndexDefinition> StaticDefinitionFromRavenJson(const json::Value& value);
// Whether two static definitions describe the same index (sources, type, options).
bool SameStaticDefinition(const IndexDefinition& a, const IndexDefinition& b);
// The collection of a definition's reference documents: references_collection, else
// "<output_collection>/References".
std::string ReferencesCollection(const IndexDefinition& definition);

// "Auto/Users/ByName" -> a directory name: [A-Za-z0-9._-] kept, others '_', then '-' and 16 hex
// digits of XXH64(name) so that distinct names never share a directory.
std::string IndexDirectoryName(std::string_view index_name);

}  // namespace rookery::indexing
