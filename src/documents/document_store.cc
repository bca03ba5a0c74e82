// PUT and DELETE inside a merged write transaction (docs/formats/documents.md).
#include <array>

#include "documents/database_impl.h"
#include "documents/ids.h"
#include "json/value.h"
#include "json/writer.h"

namespace rookery::documents {
namespace {

constexpr std::string_view kViolation =
    ". Optimistic concurrency violation, transaction will be aborted.";

// Metadata keys the server owns: whatever the client sends for them is dropped.
constexpr std::array<std::string_view, 7> kServerOwned = {
    "@id",       "@change-vector", "@last-modified", "@flags",
    "@counters", "@attachments",   "@timeseries"};

bool IsServerOwned(std::string_view key) {
  for (std::string_view k : kServerOwned) {
    if (k == key) return true;
  }
  return false;
}

std::string_view TypeName(const json::Value& v) {
  return json::TypeDescription(v.type());
}

// Checks the document's shape; returns its collection ("@empty" when none).
Result<std::string> ValidateDocument(std::string_view id, const json::Value& doc) {
  std::string what =
      id.empty() ? std::string("the document") : "document '" + std::string(id) + "'";
  if (!doc.is_object()) {
    return Status::InvalidArgument(what + " must be a JSON object, got " +
                                   std::string(TypeName(doc)));
  }
  const json::Value* meta = doc.Find("@metadata");
  if (meta == nullptr || meta->is_null()) return std::string(layout::kEmptyCollection);
  if (!meta->is_object()) {
    return Status::InvalidArgument("@metadata of " + what + " must be a JSON object, got " +
                                   std::string(TypeName(*meta)));
  }
  const json::Value* collection = meta->Find("@collection");
  if (collection == nullptr || collection->is_null()) {
    return std::string(layout::kEmptyCollection);
  }
  if (!collection->is_string()) {
    return Status::InvalidArgument("@metadata.@collection of " + what + " must be a string, got " +
                                   std::string(TypeName(*collection)));
  }
  if (collection->as_string().empty()) return std::string(layout::kEmptyCollection);
  return collection->as_string();
}

Status ValidateId(std::string_view id, std::string_view command) {
  if (id.empty()) return Status::InvalidArgument(std::string(command) + " needs a document id");
  if (id.size() > kMaxIdSize) {
    return Status::InvalidArgument("document id of " + std::to_string(id.size()) +
                                   " bytes is too long (at most " + std::to_string(kMaxIdSize) +
                                   "): " + std::string(id.substr(0, 64)) + "...");
  }
  return Status::Ok();
}

Result<std::string> ResolveId(WriteContext& ctx, std::string_view id) {
  const DatabaseInfo& info = ctx.info();
  if (id.empty()) return FormatGuid(info.env->RandomUint64(), info.env->RandomUint64());
  if (id.back() == '/') {
    // RavenDB numbers these with the etag the PUT is about to get.
    return std::string(id) + FormatEtagId(ctx.last_etag() + 1) + "-" + info.node_tag;
  }
  if (id.back() == '|') {
    std::string prefix(id.substr(0, id.size() - 1));
    prefix += '/';
    ROOKERY_ASSIGN_OR_RETURN(uint64_t n, ctx.NextIdentity(Lower(prefix)));
    return prefix + std::to_string(n);
  }
  return std::string(id);
}

// RavenDB's concurrency check. `verb` is "Put" or "Delete".
Status CheckChangeVector(std::string_view id, const ExpectedChangeVector& expected,
                         const StoredDocument* current, std::string_view verb) {
  if (!expected.has_value()) return Status::Ok();
  std::string prefix = "Document " + std::string(id);
  if (current == nullptr) {
    if (expected->empty()) return Status::Ok();
    return Status::Conflict(prefix + " does not exist, but " + std::string(verb) +
                            " was called with change vector: " + *expected +
                            std::string(kViolation));
  }
  if (*expected == current->record.change_vector) return Status::Ok();
  std::string with =
      expected->empty() ? std::string("expecting new document") : "change vector " + *expected;
  return Status::Conflict(prefix + " has change vector " +
                          std::string(current->record.change_vector) + ", but " +
                          std::string(verb) + " was called with " + with + std::string(kViolation));
}

// The stored JSON is the client's document with the server-owned metadata rewritten: PrepareJson
// serializes everything the client sent (in the caller's thread, outside the merger), and
// FinishJson splices in the fields that exist only once the transaction assigns an etag.
void AppendMember(std::string* out, std::string_view key, const json::Value& value) {
  if (out->back() != '{') out->push_back(',');
  json::AppendQuoted(out, key);
  out->push_back(':');
  json::SerializeTo(value, out);
}

}  // namespace

PreparedJson PrepareJson(const json::Value& document) {
  PreparedJson p;
  p.head = "{";
  bool placed = false;
  // The first "@metadata" is rewritten where it stands (where json::Value::Set would put it);
  // without one, it is appended.
  auto open_metadata = [&](const json::Value* sent) {
    if (p.head.back() != '{') p.head.push_back(',');
    json::AppendQuoted(&p.head, "@metadata");
    p.head.append(":{");
    if (sent != nullptr && sent->is_object()) {
      for (const json::Member& m : sent->members()) {
        if (IsServerOwned(m.first)) continue;
        if (m.first == "@collection" &&
            (m.second.is_null() || (m.second.is_string() && m.second.as_string().empty()))) {
          continue;  // no collection: @empty, not written
        }
        AppendMember(&p.head, m.first, m.second);
      }
    }
    p.tail = "}";
    placed = true;
  };
  for (const json::Member& m : document.members()) {
    if (!placed && m.first == "@metadata") {
      open_metadata(&m.second);
      continue;
    }
    std::string* out = placed ? &p.tail : &p.head;
    AppendMember(out, m.first, m.second);
  }
  if (!placed) open_metadata(nullptr);
  p.tail.push_back('}');
  return p;
}

std::string FinishJson(const PreparedJson& p, const std::string& id,
                       const std::string& change_vector, const std::string& last_modified,
                       const std::string& flags) {
  std::string out;
  out.reserve(p.head.size() + p.tail.size() + id.size() + change_vector.size() + 96);
  out.append(p.head);
  auto field = [&](std::string_view key, const std::string& value) {
    if (out.back() != '{') out.push_back(',');
    json::AppendQuoted(&out, key);
    out.push_back(':');
    json::AppendQuoted(&out, value);
  };
  field("@change-vector", change_vector);
  if (!flags.empty()) field("@flags", flags);
  field("@id", id);
  field("@last-modified", last_modified);
  out.append(p.tail);
  return out;
}

Status AdjustCollection(WriteContext& ctx, std::string_view collection, int delta) {
  const std::string key = Lower(collection);
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, ctx.collections->Get(key, &value));
  uint64_t count = 0;
  std::string name(collection);
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(auto decoded, layout::DecodeCollection(value, key));
    count = decoded.first;
    name = std::string(decoded.second);
  }
  if (delta < 0 && count == 0) {
    return Status::Corruption("collection '" + name + "' count would go below zero");
  }
  count = delta < 0 ? count - 1 : count + 1;
  if (count == 0) return ctx.collections->Delete(key).status();
  return ctx.collections->Put(key, layout::EncodeCollection(count, name));
}

Result<PutResult> ExecutePut(WriteContext& ctx, const PutCommand& command,
                             const PreparedJson* prepared) {
  ROOKERY_ASSIGN_OR_RETURN(std::string collection, ValidateDocument(command.id, command.document));
  ROOKERY_ASSIGN_OR_RETURN(std::string id, ResolveId(ctx, command.id));
  ROOKERY_RETURN_IF_ERROR(ValidateId(id, "PUT"));
  const std::string key = Lower(id);

  StoredDocument current;
  ROOKERY_ASSIGN_OR_RETURN(bool exists, ctx.LoadDocument(key, &current));
  ROOKERY_RETURN_IF_ERROR(
      CheckChangeVector(id, command.expected_change_vector, exists ? &current : nullptr, "Put"));
  if (exists && !EqualsIgnoreCase(current.record.collection, collection)) {
    std::string old(current.record.collection);
    return Status::InvalidArgument("Changing '" + id + "' from '" + old + "' to '" + collection +
                                   "' via update is not supported. Delete it and recreate the "
                                   "document " +
                                   id + ".");
  }

  const CollectionRevisionsConfig* revisions = ctx.RevisionsFor(collection);
  const uint64_t etag = ctx.NextEtag();
  const uint64_t now = ctx.info().env->NowMicros();
  PutResult result;
  result.id = id;
  result.collection = collection;
  result.change_vector = FormatChangeVector(ctx.info().node_tag, etag, ctx.info().database_id);
  result.last_modified = FormatDate(now);
  ROOKERY_ASSIGN_OR_RETURN(result.flags,
                           FlagsForPut(ctx, key, exists ? &current : nullptr, revisions));
  PreparedJson local;
  if (prepared == nullptr) {
    local = PrepareJson(command.document);
    prepared = &local;
  }
  const std::string json =
      FinishJson(*prepared, id, result.change_vector, result.last_modified, result.flags);

  if (exists) {
    ROOKERY_RETURN_IF_ERROR(
        ctx.docs_by_etag->Delete(layout::EtagKey(current.record.etag)).status());
  } else {
    std::string tomb;
    ROOKERY_ASSIGN_OR_RETURN(bool had_tombstone, ctx.tombstones->Get(key, &tomb));
    if (had_tombstone) {
      ROOKERY_ASSIGN_OR_RETURN(auto t, layout::DecodeTombstone(tomb, key));
      // A tombstone of another collection stays (as RavenDB's per-collection tombstones do):
      // that collection's readers (indexes) must still learn that the id left it.
      if (EqualsIgnoreCase(t.collection, collection)) {
        ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Delete(layout::EtagKey(t.etag)).status());
        ROOKERY_RETURN_IF_ERROR(ctx.tombstones->Delete(key).status());
      }
    }
    ROOKERY_RETURN_IF_ERROR(AdjustCollection(ctx, collection, +1));
  }
  layout::DocumentRecord record{etag,         now, id, collection, result.change_vector,
                                result.flags, json};
  ROOKERY_RETURN_IF_ERROR(ctx.docs->Put(key, layout::EncodeDocument(record)));
  ROOKERY_RETURN_IF_ERROR(ctx.docs_by_etag->Put(layout::EtagKey(etag), key));
  ROOKERY_RETURN_IF_ERROR(RevisionsAfterPut(ctx, key, record, *prepared, !exists, revisions));
  return result;
}

Result<DeleteResult> ExecuteDelete(WriteContext& ctx, const DeleteCommand& command) {
  ROOKERY_RETURN_IF_ERROR(ValidateId(command.id, "DELETE"));
  const std::string key = Lower(command.id);
  StoredDocument current;
  ROOKERY_ASSIGN_OR_RETURN(bool exists, ctx.LoadDocument(key, &current));
  ROOKERY_RETURN_IF_ERROR(CheckChangeVector(command.id, command.expected_change_vector,
                                            exists ? &current : nullptr, "Delete"));
  DeleteResult result;
  result.id = command.id;
  if (!exists) return result;

  const uint64_t etag = ctx.NextEtag();
  const uint64_t now = ctx.info().env->NowMicros();
  result.deleted = true;
  result.change_vector = FormatChangeVector(ctx.info().node_tag, etag, ctx.info().database_id);
  const std::string collection(current.record.collection);
  const std::string id(current.record.id);
  ROOKERY_RETURN_IF_ERROR(RevisionsAfterDelete(ctx, key, current.record, etag, result.change_vector,
                                               now, ctx.RevisionsFor(collection)));
  ROOKERY_RETURN_IF_ERROR(ctx.docs_by_etag->Delete(layout::EtagKey(current.record.etag)).status());
  ROOKERY_RETURN_IF_ERROR(ctx.docs->Delete(key).status());
  ROOKERY_RETURN_IF_ERROR(AdjustCollection(ctx, collection, -1));
  // An older tombstone of the id (left by a delete from another collection) is replaced.
  std::string older;
  ROOKERY_ASSIGN_OR_RETURN(bool had_tombstone, ctx.tombstones->Get(key, &older));
  if (had_tombstone) {
    ROOKERY_ASSIGN_OR_RETURN(auto t, layout::DecodeTombstone(older, key));
    ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Delete(layout::EtagKey(t.etag)).status());
  }
  layout::TombstoneRecord tomb{etag, now, id, collection, result.change_vector};
  ROOKERY_RETURN_IF_ERROR(ctx.tombstones->Put(key, layout::EncodeTombstone(tomb)));
  ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Put(layout::EtagKey(etag), key));
  return result;
}

}  // namespace rookery::documents
