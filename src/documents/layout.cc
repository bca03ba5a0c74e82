#include "documents/layout.h"

#include <cstring>

namespace rookery::documents::layout {
namespace {

inline constexpr uint8_t kRecordVersion = 1;

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetFixed(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

// Reads a record's common prefix: version, two u64, then `count` u32 lengths and their strings.
// Returns the offset after the strings, or 0 when malformed.
size_t DecodeCommon(std::string_view bytes, uint64_t* a, uint64_t* b, std::string_view* parts,
                    size_t count) {
  const size_t head = 17 + 4 * count;
  if (bytes.size() < head || static_cast<uint8_t>(bytes[0]) != kRecordVersion) return 0;
  *a = GetFixed(bytes.data() + 1, 8);
  *b = GetFixed(bytes.data() + 9, 8);
  size_t pos = head;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t n = GetFixed(bytes.data() + 17 + 4 * i, 4);
    if (n > bytes.size() - pos) return 0;
    parts[i] = bytes.substr(pos, n);
    pos += n;
  }
  return pos;
}

Status BadRecord(std::string_view what, std::string_view key) {
  return Status::Corruption("malformed " + std::string(what) + " record for key '" +
                            std::string(key) + "' (docs/formats/documents.md)");
}

}  // namespace

std::string EncodeDocumentHead(const DocumentRecord& r, size_t json_size) {
  std::string out;
  out.reserve(33 + r.id.size() + r.collection.size() + r.change_vector.size() + r.flags.size() +
              json_size);
  out.push_back(static_cast<char>(kRecordVersion));
  PutFixed64(&out, r.etag);
  PutFixed64(&out, r.last_modified_micros);
  for (std::string_view s : {r.id, r.collection, r.change_vector, r.flags}) {
    PutFixed32(&out, static_cast<uint32_t>(s.size()));
  }
  for (std::string_view s : {r.id, r.collection, r.change_vector, r.flags}) out.append(s);
  return out;
}

std::string EncodeDocument(const DocumentRecord& r) {
  std::string out = EncodeDocumentHead(r, r.json.size());
  out.append(r.json);
  return out;
}

Result<DocumentRecord> DecodeDocument(std::string_view bytes, std::string_view key) {
  DocumentRecord r;
  std::string_view parts[4];
  const size_t pos = DecodeCommon(bytes, &r.etag, &r.last_modified_micros, parts, 4);
  if (pos == 0) return BadRecord("document", key);
  r.id = parts[0];
  r.collection = parts[1];
  r.change_vector = parts[2];
  r.flags = parts[3];
  r.json = bytes.substr(pos);
  return r;
}

std::string EncodeTombstone(const TombstoneRecord& r) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  PutFixed64(&out, r.etag);
  PutFixed64(&out, r.deleted_micros);
  for (std::string_view s : {r.id, r.collection, r.change_vector}) {
    PutFixed32(&out, static_cast<uint32_t>(s.size()));
  }
  for (std::string_view s : {r.id, r.collection, r.change_vector}) out.append(s);
  return out;
}

Result<TombstoneRecord> DecodeTombstone(std::string_view bytes, std::string_view key) {
  TombstoneRecord r;
  std::string_view parts[3];
  const size_t pos = DecodeCommon(bytes, &r.etag, &r.deleted_micros, parts, 3);
  if (pos == 0 || pos != bytes.size()) return BadRecord("tombstone", key);
  r.id = parts[0];
  r.collection = parts[1];
  r.change_vector = parts[2];
  return r;
}

std::string EtagKey(uint64_t etag) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(etag >> (56 - 8 * i));
  return out;
}

Result<uint64_t> DecodeEtagKey(std::string_view key) {
  if (key.size() != 8)
    return Status::Corruption("etag key of " + std::to_string(key.size()) +
                              " bytes, expected 8 (docs/formats/documents.md)");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return v;
}

std::string EncodeRevision(uint8_t kind, const DocumentRecord& doc) {
  std::string out(1, static_cast<char>(kind));
  out.append(EncodeDocument(doc));
  return out;
}

Result<RevisionRecord> DecodeRevision(std::string_view bytes, std::string_view key) {
  if (bytes.empty()) return BadRecord("revision", key);
  RevisionRecord r;
  r.kind = static_cast<uint8_t>(bytes[0]);
  auto doc = DecodeDocument(bytes.substr(1), key);
  if (!doc.ok()) return BadRecord("revision", key);
  r.doc = *doc;
  return r;
}

std::string RevisionIdPrefix(std::string_view lower_id) {
  std::string out;
  out.reserve(2 + lower_id.size() + 8);
  out.push_back(static_cast<char>(lower_id.size() >> 8));
  out.push_back(static_cast<char>(lower_id.size() & 0xff));
  out.append(lower_id);
  return out;
}

std::string RevisionKey(std::string_view lower_id, uint64_t etag) {
  std::string out = RevisionIdPrefix(lower_id);
  out.append(EtagKey(etag));
  return out;
}

Result<std::pair<std::string_view, uint64_t>> DecodeRevisionKey(std::string_view key) {
  if (key.size() >= 10) {
    const size_t n = (size_t{static_cast<uint8_t>(key[0])} << 8) | static_cast<uint8_t>(key[1]);
    if (key.size() == 2 + n + 8) {
      ROOKERY_ASSIGN_OR_RETURN(uint64_t etag, DecodeEtagKey(key.substr(2 + n)));
      return std::make_pair(key.substr(2, n), etag);
    }
  }
  return Status::Corruption("malformed revisions key of " + std::to_string(key.size()) +
                            " bytes (docs/formats/revisions.md)");
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  PutFixed64(&out, v);
  return out;
}

Result<uint64_t> DecodeU64(std::string_view bytes, std::string_view what) {
  if (bytes.size() < 8) {
    return Status::Corruption(std::string(what) + " holds " + std::to_string(bytes.size()) +
                              " bytes, expected 8 (docs/formats/documents.md)");
  }
  return GetFixed(bytes.data(), 8);
}

std::string EncodeCollection(uint64_t count, std::string_view name) {
  std::string out = EncodeU64(count);
  out.append(name);
  return out;
}

Result<std::pair<uint64_t, std::string_view>> DecodeCollection(std::string_view bytes,
                                                               std::string_view key) {
  if (bytes.size() < 8) return BadRecord("collection", key);
  return std::pair<uint64_t, std::string_view>(GetFixed(bytes.data(), 8), bytes.substr(8));
}

}  // namespace rookery::documents::layout
