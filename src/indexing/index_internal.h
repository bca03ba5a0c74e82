// Shared by index.cc and js_apply.cc: tree and meta key names (docs/formats/index.md) and the
// encodings both use. Not part of the indexing layer's interface.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "documents/database.h"
#include "indexing/index.h"
#include "json/value.h"

namespace rookery::indexing {

inline constexpr std::string_view kMetaTree = "meta";
inline constexpr std::string_view kEntriesTree = "entries";
inline constexpr std::string_view kReduceTree = "reduce";
inline constexpr std::string_view kTermTreePrefix = "terms/";
inline constexpr std::string_view kJsDocsTree = "js-docs";
inline constexpr std::string_view kJsMapTree = "js-map";
inline constexpr std::string_view kJsResultsTree = "js-results";
inline constexpr std::string_view kJsRefsTree = "js-refs";
inline constexpr std::string_view kJsErrorsTree = "js-errors";
inline constexpr std::string_view kJsOutRefsTree = "js-out-refs";
inline constexpr std::string_view kJsStatsKey = "js-stats";
inline constexpr std::string_view kErroredKey = "errored";
inline constexpr std::string_view kJsGroupsTree = "js-groups";
inline constexpr std::string_view kDefinitionKey = "definition";
inline constexpr std::string_view kCoveredKey = "covered-etag";
inline constexpr std::string_view kCreatedKey = "created";
inline constexpr std::string_view kIrregularKeyPrefix = "irregular/";

// The ids of the documents of `collection` flagged Artificial (an index's outputs or reference
// documents), found by a scan of the collection's changes.
Result<std::vector<std::string>> ArtificialDocumentIds(documents::Database& db,
                                                       std::string_view collection);

// u64 little-endian (meta values).
std::string U64(uint64_t v);
Result<uint64_t> ReadU64(std::string_view bytes, std::string_view what);

// A map entry: u32 little-endian id length, the id, the fields as JSON (an object).
std::string EncodeMapEntry(std::string_view id, const json::Value& fields);
Result<IndexEntry> DecodeMapEntry(std::string_view bytes, std::string_view key);

}  // namespace rookery::indexing
