// Revisions written by PUT and DELETE inside a merged write transaction, and trimming
// (docs/formats/revisions.md).
#include <vector>

#include "documents/database_impl.h"
#include "documents/ids.h"
#include "json/writer.h"

namespace rookery::documents {
namespace {

constexpr std::string_view kRevisionFlags = "HasRevisions, Revision";
constexpr std::string_view kDeleteRevisionFlags = "HasRevisions, DeleteRevision";

// One revision of an id, as trimming needs it.
struct RevisionEntry {
  std::string key;
  uint64_t etag = 0;
  uint64_t last_modified = 0;
  bool is_delete = false;
};

// Every revision of the id, oldest first.
Result<std::vector<RevisionEntry>> ListRevisions(WriteContext& ctx, std::string_view lower_id) {
  std::vector<RevisionEntry> out;
  const std::string prefix = layout::RevisionIdPrefix(lower_id);
  storage::TreeIterator it = ctx.txn().Iterate(ctx.revisions);
  for (it.Seek(prefix); it.Valid() && it.key().starts_with(prefix); it.Next()) {
    ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(it.value(), it.key()));
    out.push_back({std::string(it.key()), r.doc.etag, r.doc.last_modified_micros, r.is_delete()});
  }
  ROOKERY_RETURN_IF_ERROR(it.status());
  return out;
}

// The id's newest revision key, or "" when it has none.
Result<std::string> NewestRevisionKey(WriteContext& ctx, std::string_view lower_id) {
  if (ctx.revisions->stats().entries == 0) return std::string();
  const std::string prefix = layout::RevisionIdPrefix(lower_id);
  storage::TreeIterator it = ctx.txn().Iterate(ctx.revisions);
  it.SeekForPrev(prefix + std::string(8, '\xff'));
  ROOKERY_RETURN_IF_ERROR(it.status());
  if (!it.Valid() || !it.key().starts_with(prefix)) return std::string();
  return std::string(it.key());
}

Status RemoveRevision(WriteContext& ctx, const RevisionEntry& r) {
  ROOKERY_RETURN_IF_ERROR(ctx.revisions->Delete(r.key).status());
  ROOKERY_RETURN_IF_ERROR(ctx.revisions_by_etag->Delete(layout::EtagKey(r.etag)).status());
  if (r.is_delete) {
    ROOKERY_RETURN_IF_ERROR(ctx.revisions_bin->Delete(layout::EtagKey(r.etag)).status());
  }
  return Status::Ok();
}

Status StoreRevision(WriteContext& ctx, std::string_view lower_id, uint8_t kind,
                     const layout::DocumentRecord& record) {
  const std::string key = layout::RevisionKey(lower_id, record.etag);
  ROOKERY_RETURN_IF_ERROR(ctx.revisions->Put(key, layout::EncodeRevision(kind, record)));
  return ctx.revisions_by_etag->Put(layout::EtagKey(record.etag), key);
}

// Drops the oldest revisions the configuration no longer asks to keep (never the newest one,
// which the current write just stored). Reads only the revisions it drops (plus one), after
// counting the id's revisions a leaf at a time.
Status Trim(WriteContext& ctx, std::string_view lower_id, const CollectionRevisionsConfig& config,
            uint64_t now) {
  const auto& count = config.minimum_revisions_to_keep;
  const auto& age = config.minimum_revision_age_micros;
  if (!count && !age) return Status::Ok();
  const std::string prefix = layout::RevisionIdPrefix(lower_id);
  const std::string end = prefix + std::string(9, '\xff');  // above every key of the id
  std::vector<RevisionEntry> drop;
  {
    storage::TreeIterator it = ctx.txn().Iterate(ctx.revisions);
    it.Seek(prefix);
    const uint64_t total = it.CountUntil(std::string_view(end));
    ROOKERY_RETURN_IF_ERROR(it.status());
    const uint64_t limit = config.maximum_revisions_to_delete_upon_update.value_or(UINT64_MAX);
    uint64_t left = total;
    for (it.Seek(prefix); it.Valid() && it.key().starts_with(prefix); it.Next()) {
      if (left <= 1 || drop.size() >= limit || (count && left <= *count)) break;
      ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(it.value(), it.key()));
      // With an age, a revision younger than it stays (and so do all newer ones).
      if (age && r.doc.last_modified_micros + *age > now) break;
      drop.push_back(
          {std::string(it.key()), r.doc.etag, r.doc.last_modified_micros, r.is_delete()});
      --left;
    }
    ROOKERY_RETURN_IF_ERROR(it.status());
  }
  for (const RevisionEntry& r : drop) ROOKERY_RETURN_IF_ERROR(RemoveRevision(ctx, r));
  return Status::Ok();
}

// The finished JSON of a revision (FinishJson into a string of exactly the right size).
std::string FinishedJson(const PreparedDocument& prepared, const std::string& id,
                         const std::string& change_vector, const std::string& last_modified,
                         std::string_view flags) {
  std::string out;
  out.reserve(FinishedJsonSize(prepared, id, change_vector));
  FinishJson(prepared, id, change_vector, last_modified, std::string(flags), &out);
  return out;
}

}  // namespace

bool HasFlag(std::string_view flags, std::string_view flag) {
  while (!flags.empty()) {
    const size_t comma = flags.find(',');
    std::string_view part = flags.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part == flag) return true;
    if (comma == std::string_view::npos) break;
    flags.remove_prefix(comma + 1);
  }
  return false;
}

Result<std::string> FlagsForPut(WriteContext& ctx, std::string_view lower_id,
                                const StoredDocument* current,
                                const CollectionRevisionsConfig* config) {
  if (config != nullptr) return std::string("HasRevisions");
  // Revisions are off for the collection now, but a document that has history keeps saying so.
  if (current == nullptr || !HasFlag(current->record.flags, "HasRevisions")) return std::string();
  ROOKERY_ASSIGN_OR_RETURN(std::string newest, NewestRevisionKey(ctx, lower_id));
  return newest.empty() ? std::string() : std::string("HasRevisions");
}

Status RevisionsAfterPut(WriteContext& ctx, std::string_view lower_id,
                         const layout::DocumentRecord& record, const PreparedDocument& prepared,
                         bool created, const CollectionRevisionsConfig* config) {
  if (created) {
    // A deleted document coming back leaves the bin.
    ROOKERY_ASSIGN_OR_RETURN(std::string newest, NewestRevisionKey(ctx, lower_id));
    if (!newest.empty()) {
      std::string_view bytes;
      ROOKERY_ASSIGN_OR_RETURN(bool found, ctx.revisions->GetView(newest, &bytes));
      if (found) {
        ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(bytes, newest));
        if (r.is_delete()) {
          ROOKERY_RETURN_IF_ERROR(ctx.revisions_bin->Delete(layout::EtagKey(r.doc.etag)).status());
        }
      }
    }
  }
  if (config == nullptr) return Status::Ok();
  const std::string id(record.id);
  const std::string change_vector(record.change_vector);
  const std::string json = FinishedJson(prepared, id, change_vector,
                                        FormatDate(record.last_modified_micros), kRevisionFlags);
  layout::DocumentRecord revision = record;
  revision.flags = kRevisionFlags;
  revision.json = json;
  ROOKERY_RETURN_IF_ERROR(
      StoreRevision(ctx, lower_id, created ? layout::kRevisionCreated : 0, revision));
  return Trim(ctx, lower_id, *config, record.last_modified_micros);
}

Status RevisionsAfterDelete(WriteContext& ctx, std::string_view lower_id,
                            const layout::DocumentRecord& deleted, uint64_t etag,
                            const std::string& change_vector, uint64_t now,
                            const CollectionRevisionsConfig* config) {
  if (config != nullptr && config->purge_on_delete) {
    ROOKERY_ASSIGN_OR_RETURN(std::vector<RevisionEntry> all, ListRevisions(ctx, lower_id));
    for (const RevisionEntry& r : all) ROOKERY_RETURN_IF_ERROR(RemoveRevision(ctx, r));
    return Status::Ok();
  }
  // A document with history records its delete even when revisions are off for it now, so the
  // history ends with the delete and the document shows in the bin.
  if (config == nullptr && !HasFlag(deleted.flags, "HasRevisions")) return Status::Ok();
  const std::string id(deleted.id);
  PreparedDocument metadata;
  metadata.head = "{\"@metadata\":{";
  if (deleted.collection != layout::kEmptyCollection) {
    json::AppendQuoted(&metadata.head, "@collection");
    metadata.head.push_back(':');
    json::AppendQuoted(&metadata.head, deleted.collection);
  }
  metadata.tail = "}}";
  const std::string json =
      FinishedJson(metadata, id, change_vector, FormatDate(now), kDeleteRevisionFlags);
  layout::DocumentRecord revision{
      etag, now, deleted.id, deleted.collection, change_vector, kDeleteRevisionFlags, json};
  ROOKERY_RETURN_IF_ERROR(StoreRevision(ctx, lower_id, layout::kRevisionDelete, revision));
  ROOKERY_RETURN_IF_ERROR(
      ctx.revisions_bin->Put(layout::EtagKey(etag), layout::RevisionKey(lower_id, etag)));
  if (config == nullptr) return Status::Ok();
  return Trim(ctx, lower_id, *config, now);
}

}  // namespace rookery::documents
