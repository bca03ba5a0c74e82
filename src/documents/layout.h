// The bytes a database keeps in its storage trees (docs/formats/documents.md): tree and meta key
// names, document and tombstone records, etag keys. Pure encoding; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rookery::documents::layout {

inline constexpr std::string_view kDocsTree = "docs";
inline constexpr std::string_view kDocsByEtagTree = "docs-by-etag";
inline constexpr std::string_view kTombstonesTree = "tombstones";
inline constexpr std::string_view kTombstonesByEtagTree = "tombstones-by-etag";
inline constexpr std::string_view kCollectionsTree = "collections";
inline constexpr std::string_view kMetaTree = "meta";

inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kDatabaseIdKey = "database-id";
inline constexpr std::string_view kLastEtagKey = "last-etag";
inline constexpr std::string_view kIdentityKeyPrefix = "identity/";
inline constexpr uint32_t kFormatVersion = 1;

inline constexpr std::string_view kEmptyCollection = "@empty";

// A document record's header fields plus its JSON text. Views into the encoded bytes on decode.
struct DocumentRecord {
  uint64_t etag = 0;
  uint64_t last_modified_micros = 0;
  std::string_view id;
  std::string_view collection;
  std::string_view change_vector;
  std::string_view flags;
  std::string_view json;
};

struct TombstoneRecord {
  uint64_t etag = 0;
  uint64_t deleted_micros = 0;
  std::string_view id;
  std::string_view collection;
  std::string_view change_vector;
};

std::string EncodeDocument(const DocumentRecord& record);
// EncodeDocument but for the JSON, which the caller appends (record.json is ignored); reserves
// room for `json_size` bytes of it. Lets a writer build the JSON in place instead of copying it.
std::string EncodeDocumentHead(const DocumentRecord& record, size_t json_size);
// kCorruption (naming `key`) when the bytes are not a version-1 document record. The views in
// the result point into `bytes`.
Result<DocumentRecord> DecodeDocument(std::string_view bytes, std::string_view key);

std::string EncodeTombstone(const TombstoneRecord& record);
Result<TombstoneRecord> DecodeTombstone(std::string_view bytes, std::string_view key);

// 8 bytes, big-endian: keys of the by-etag trees iterate in etag order.
std::string EtagKey(uint64_t etag);
Result<uint64_t> DecodeEtagKey(std::string_view key);

// 8 bytes, little-endian (meta values and collection counts).
std::string EncodeU64(uint64_t v);
// kCorruption naming `what` unless `bytes` starts with 8 bytes; extra bytes are ignored.
Result<uint64_t> DecodeU64(std::string_view bytes, std::string_view what);

// Collections tree value: u64 count + the collection name as first written.
std::string EncodeCollection(uint64_t count, std::string_view name);
Result<std::pair<uint64_t, std::string_view>> DecodeCollection(std::string_view bytes,
                                                               std::string_view key);

}  // namespace rookery::documents::layout
