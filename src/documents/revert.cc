// Revert of revisioned documents to a point in time (docs/design/revisions.md).
//
// 1. Scan: from one snapshot, walk revisions-by-etag newest first (the order this database
//    received the changes) and collect the ids of revisions no older than time - window.
// 2. Decide and apply, a batch of ids per merged write transaction: each id's target is its
//    newest revision at or before the point. Deciding inside the write transaction sees the
//    latest committed state, so a document a client wrote after the revert began is left alone.
//    A dry run decides against the scan's snapshot and writes nothing.
#include <unordered_set>

#include "documents/database_impl.h"
#include "documents/ids.h"

namespace rookery::documents {
namespace {

// The trees a decision reads, from a read snapshot or from the write transaction.
struct RevertTrees {
  storage::StoreTransaction* txn = nullptr;
  storage::Tree* docs = nullptr;
  storage::Tree* tombstones = nullptr;
  storage::Tree* revisions = nullptr;
};

struct Decision {
  enum class Kind { kUnchanged, kRestore, kDelete, kSkipConcurrent, kSkipMissing };
  Kind kind = Kind::kUnchanged;
  std::string id;          // original casing
  std::string collection;  // of the target (restore) or of the live document (delete)
  std::string json;        // restore: the revision's JSON
  bool live_in_other_collection = false;  // restore over a document of another collection
};

// The document without the metadata the server rewrites on every write.
Result<json::Value> Content(std::string_view text) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  if (json::Value* m = v.Find("@metadata"); m != nullptr && m->is_object()) {
    for (std::string_view key : {"@id", "@change-vector", "@last-modified", "@flags"}) {
      m->Remove(key);
    }
  }
  return v;
}

Result<Decision> Decide(RevertTrees& t, const std::string& lower_id, uint64_t start_etag,
                        int64_t time) {
  Decision d;
  std::string live_bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool live, t.docs->Get(lower_id, &live_bytes));
  layout::DocumentRecord current;
  if (live) {
    ROOKERY_ASSIGN_OR_RETURN(current, layout::DecodeDocument(live_bytes, lower_id));
    if (current.etag > start_etag) {
      d.kind = Decision::Kind::kSkipConcurrent;
      d.id = std::string(current.id);
      return d;
    }
  } else {
    std::string tomb_bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool tomb, t.tombstones->Get(lower_id, &tomb_bytes));
    if (tomb) {
      ROOKERY_ASSIGN_OR_RETURN(auto tombstone, layout::DecodeTombstone(tomb_bytes, lower_id));
      if (tombstone.etag > start_etag) {
        d.kind = Decision::Kind::kSkipConcurrent;
        d.id = std::string(tombstone.id);
        return d;
      }
    }
  }

  // The id's newest revision at or before the point, and whether its oldest one created it.
  bool found = false;
  bool target_deleted = false;
  std::string target_change_vector;
  bool oldest_created = false;
  const std::string prefix = layout::RevisionIdPrefix(lower_id);
  storage::TreeIterator it = t.txn->Iterate(t.revisions);
  for (it.SeekForPrev(prefix + std::string(8, '\xff')); it.Valid() && it.key().starts_with(prefix);
       it.Prev()) {
    ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(it.value(), it.key()));
    if (r.doc.etag > start_etag) continue;
    d.id = std::string(r.doc.id);
    oldest_created = r.created();
    if (static_cast<int64_t>(r.doc.last_modified_micros) <= time) {
      found = true;
      target_deleted = r.is_delete();
      d.collection = std::string(r.doc.collection);
      d.json = std::string(r.doc.json);
      target_change_vector = std::string(r.doc.change_vector);
      break;
    }
  }
  ROOKERY_RETURN_IF_ERROR(it.status());
  if (live) d.id = std::string(current.id);

  if (!found && !oldest_created) {
    // Its history does not reach back to the point (trimmed): nothing safe to do.
    d.kind = Decision::Kind::kSkipMissing;
    return d;
  }
  if (!found || target_deleted) {  // it did not exist at the point
    if (!live) return d;           // kUnchanged
    d.kind = Decision::Kind::kDelete;
    d.collection = std::string(current.collection);
    return d;
  }
  if (live) {
    if (!EqualsIgnoreCase(current.collection, d.collection)) {
      d.live_in_other_collection = true;
    } else if (current.change_vector == target_change_vector) {
      return d;  // kUnchanged: the live document is the target version itself
    } else {
      ROOKERY_ASSIGN_OR_RETURN(json::Value now_content, Content(current.json));
      ROOKERY_ASSIGN_OR_RETURN(json::Value then_content, Content(d.json));
      if (now_content == then_content) return d;  // kUnchanged
    }
  }
  d.kind = Decision::Kind::kRestore;
  return d;
}

Status Apply(WriteContext& ctx, const Decision& d) {
  if (d.kind == Decision::Kind::kDelete || d.live_in_other_collection) {
    ROOKERY_RETURN_IF_ERROR(ExecuteDelete(ctx, DeleteCommand{d.id, std::nullopt}).status());
  }
  if (d.kind == Decision::Kind::kRestore) {
    PutCommand put;
    put.id = d.id;
    ROOKERY_ASSIGN_OR_RETURN(put.document, json::Parse(d.json));
    ROOKERY_RETURN_IF_ERROR(ExecutePut(ctx, put).status());
  }
  return Status::Ok();
}

void Count(const Decision& d, const RevertRequest& request, RevertResult* result) {
  switch (d.kind) {
    case Decision::Kind::kUnchanged:
      ++result->skipped;
      return;
    case Decision::Kind::kSkipConcurrent:
      ++result->skipped;
      ++result->skipped_concurrent;
      return;
    case Decision::Kind::kSkipMissing:
      ++result->skipped;
      ++result->skipped_missing_history;
      return;
    case Decision::Kind::kRestore:
      ++result->collections[d.collection].restored;
      break;
    case Decision::Kind::kDelete:
      ++result->collections[d.collection].deleted;
      break;
  }
  ++result->reverted;
  if (result->ids.size() < request.max_listed_ids) result->ids.push_back(d.id);
}

bool InCollections(const RevertRequest& request, std::string_view collection) {
  if (request.collections.empty()) return true;
  for (const std::string& c : request.collections) {
    if (EqualsIgnoreCase(c, collection)) return true;
  }
  return false;
}

}  // namespace

Result<RevertResult> DatabaseImpl::RevertRevisions(
    const RevertRequest& request, const std::function<void(const RevertResult&)>& progress) {
  if (request.batch_size == 0) return Status::InvalidArgument("revert batch size must be > 0");
  RevertResult result;
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  RevertTrees snapshot;
  snapshot.txn = txn.get();
  ROOKERY_ASSIGN_OR_RETURN(snapshot.docs, txn->OpenTree(layout::kDocsTree));
  ROOKERY_ASSIGN_OR_RETURN(snapshot.tombstones, txn->OpenTree(layout::kTombstonesTree));
  ROOKERY_ASSIGN_OR_RETURN(snapshot.revisions, txn->OpenTree(layout::kRevisionsTree));
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * by_etag, txn->OpenTree(layout::kRevisionsByEtagTree));
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(layout::kMetaTree));
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool has_etag, meta->Get(layout::kLastEtagKey, &value));
  if (has_etag) {
    ROOKERY_ASSIGN_OR_RETURN(result.start_etag, layout::DecodeU64(value, "meta/last-etag"));
  }

  // 1. Scan in received order, newest first, down to the point minus the window.
  const int64_t cutoff = request.time_micros - static_cast<int64_t>(request.window_micros);
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  {
    storage::TreeIterator it = txn->Iterate(by_etag);
    for (it.SeekToLast(); it.Valid(); it.Prev()) {
      const std::string key(it.value());
      std::string_view bytes;
      ROOKERY_ASSIGN_OR_RETURN(bool found, snapshot.revisions->GetView(key, &bytes));
      if (!found) return Status::Corruption("revisions-by-etag names a missing revision");
      ROOKERY_ASSIGN_OR_RETURN(auto r, layout::DecodeRevision(bytes, key));
      ++result.scanned;
      if (static_cast<int64_t>(r.doc.last_modified_micros) < cutoff) break;
      if (!InCollections(request, r.doc.collection)) continue;
      ROOKERY_ASSIGN_OR_RETURN(auto decoded, layout::DecodeRevisionKey(key));
      std::string lower(decoded.first);
      if (seen.insert(lower).second) ids.push_back(std::move(lower));
    }
    ROOKERY_RETURN_IF_ERROR(it.status());
  }
  if (!request.dry_run) {
    // The writes decide against the latest state; no need to pin the snapshot's pages.
    snapshot = RevertTrees{};
    txn.reset();
  }

  // 2. Decide (and apply) a batch at a time.
  for (size_t begin = 0; begin < ids.size(); begin += request.batch_size) {
    const size_t end = std::min(ids.size(), begin + request.batch_size);
    std::vector<Decision> decisions;
    if (request.dry_run) {
      for (size_t i = begin; i < end; ++i) {
        ROOKERY_ASSIGN_OR_RETURN(Decision d,
                                 Decide(snapshot, ids[i], result.start_etag, request.time_micros));
        decisions.push_back(std::move(d));
      }
    } else {
      ROOKERY_RETURN_IF_ERROR(merger_->Execute([&](MergedTransaction& mt) -> Status {
        auto& ctx = static_cast<WriteContext&>(mt);
        decisions.clear();  // a re-run starts over
        RevertTrees trees{&ctx.txn(), ctx.docs, ctx.tombstones, ctx.revisions};
        for (size_t i = begin; i < end; ++i) {
          ROOKERY_ASSIGN_OR_RETURN(Decision d,
                                   Decide(trees, ids[i], result.start_etag, request.time_micros));
          ROOKERY_RETURN_IF_ERROR(Apply(ctx, d));
          decisions.push_back(std::move(d));
        }
        return Status::Ok();
      }));
    }
    for (const Decision& d : decisions) Count(d, request, &result);
    if (progress) progress(result);
  }
  return result;
}

}  // namespace rookery::documents
