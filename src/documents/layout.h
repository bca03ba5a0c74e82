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
// Revisions (docs/formats/revisions.md).
inline constexpr std::string_view kRevisionsTree = "revisions";
inline constexpr std::string_view kRevisionsByEtagTree = "revisions-by-etag";
inline constexpr std::string_view kRevisionsBinTree = "revisions-bin";

inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kDatabaseIdKey = "database-id";
inline constexpr std::string_view kLastEtagKey = "last-etag";
inline constexpr std::string_view kIdentityKeyPrefix = "identity/";
inline constexpr std::string_view kRevisionsConfigKey = "revisions-config";
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

// A revision: kind bits, then a document record (docs/formats/revisions.md).
inline constexpr uint8_t kRevisionDelete = 0x1;
inline constexpr uint8_t kRevisionCreated = 0x2;
struct RevisionRecord {
  uint8_t kind = 0;
  DocumentRecord doc;
  bool is_delete() const { return (kind & kRevisionDelete) != 0; }
  bool created() const { return (kind & kRevisionCreated) != 0; }
};
std::string EncodeRevision(uint8_t kind, const DocumentRecord& doc);
Result<RevisionRecord> DecodeRevision(std::string_view bytes, std::string_view key);
// u16 big-endian length of the lower id + the lower id: the key prefix of the id's revisions.
std::string RevisionIdPrefix(std::string_view lower_id);
// RevisionIdPrefix + the etag, 8 bytes big-endian.
std::string RevisionKey(std::string_view lower_id, uint64_t etag);
// The lower id and etag of a revisions key; kCorruption when malformed.
Result<std::pair<std::string_view, uint64_t>> DecodeRevisionKey(std::string_view key);

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
