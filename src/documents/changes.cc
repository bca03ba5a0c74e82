// ReadChanges: documents and tombstones in etag order, for indexing.
#include <algorithm>

#include "documents/database_impl.h"
#include "documents/ids.h"

namespace rookery::documents {
namespace {

// Other collections' changes examined per call at most, so one call stays short even when the
// requested collection is rare; the caller continues from covered_etag.
constexpr size_t kScanBudget = 1 << 16;

bool SameCollection(std::string_view wanted_lower, std::string_view collection) {
  return wanted_lower.empty() || Lower(collection) == wanted_lower;
}

}  // namespace

Result<ChangeBatch> DatabaseImpl::ReadChanges(uint64_t after_etag, std::string_view collection,
                                              size_t limit) {
  ChangeBatch batch;
  ROOKERY_RETURN_IF_ERROR(ReadChangesInto(after_etag, collection, limit, &batch));
  return batch;
}

Status DatabaseImpl::ReadChangesInto(uint64_t after_etag, std::string_view collection, size_t limit,
                                     ChangeBatch* out) {
  // The batch's Change objects (and recycled ones) are reused in order; unused ones are recycled.
  size_t used = 0;
  auto next = [&]() -> Change& {
    if (used == out->changes.size()) {
      if (out->recycled.empty()) {
        out->changes.emplace_back();
      } else {
        out->changes.push_back(std::move(out->recycled.back()));
        out->recycled.pop_back();
      }
    }
    return out->changes[used++];
  };
  out->covered_etag = 0;
  out->last_etag = 0;
  auto read = [&]() -> Status {
    ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(layout::kMetaTree));
    std::string value;
    ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(layout::kLastEtagKey, &value));
    if (found) {
      ROOKERY_ASSIGN_OR_RETURN(out->last_etag, layout::DecodeU64(value, "meta/last-etag"));
    }
    if (after_etag >= out->last_etag || limit == 0) {
      out->covered_etag = after_etag;  // nothing newer, or nothing asked for
      return Status::Ok();
    }
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * docs, txn->OpenTree(layout::kDocsTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * docs_by_etag, txn->OpenTree(layout::kDocsByEtagTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tombs, txn->OpenTree(layout::kTombstonesTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tombs_by_etag,
                             txn->OpenTree(layout::kTombstonesByEtagTree));
    const std::string wanted = Lower(collection);
    const std::string start = layout::EtagKey(after_etag + 1);
    storage::TreeIterator d = txn->Iterate(docs_by_etag);
    storage::TreeIterator t = txn->Iterate(tombs_by_etag);
    d.Seek(start);
    t.Seek(start);
    size_t examined = 0;
    std::string lower_id;
    // Merge the two etag-ordered trees. Every etag belongs to exactly one record.
    while (d.Valid() || t.Valid()) {
      if (used >= limit || examined >= kScanBudget) {
        // Everything before the next unexamined etag is covered.
        uint64_t next_etag = UINT64_MAX;
        if (d.Valid()) {
          ROOKERY_ASSIGN_OR_RETURN(uint64_t e, layout::DecodeEtagKey(d.key()));
          next_etag = std::min(next_etag, e);
        }
        if (t.Valid()) {
          ROOKERY_ASSIGN_OR_RETURN(uint64_t e, layout::DecodeEtagKey(t.key()));
          next_etag = std::min(next_etag, e);
        }
        out->covered_etag = next_etag - 1;
        return Status::Ok();
      }
      ++examined;
      uint64_t de = UINT64_MAX;
      uint64_t te = UINT64_MAX;
      if (d.Valid()) {
        ROOKERY_ASSIGN_OR_RETURN(de, layout::DecodeEtagKey(d.key()));
      }
      if (t.Valid()) {
        ROOKERY_ASSIGN_OR_RETURN(te, layout::DecodeEtagKey(t.key()));
      }
      if (de < te) {
        lower_id.assign(d.value());
        std::string_view bytes;
        ROOKERY_ASSIGN_OR_RETURN(bool present, docs->GetView(lower_id, &bytes));
        if (!present) {
          return Status::Corruption("docs-by-etag entry " + std::to_string(de) + " names '" +
                                    lower_id + "', which is not in the docs tree");
        }
        ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeDocument(bytes, lower_id));
        if (SameCollection(wanted, record.collection)) {
          Change& c = next();
          c.etag = de;
          c.deleted = false;
          c.id.assign(record.id);
          c.collection.assign(record.collection);
          c.json.assign(record.json);
        }
        d.Next();
      } else {
        lower_id.assign(t.value());
        std::string_view bytes;
        ROOKERY_ASSIGN_OR_RETURN(bool present, tombs->GetView(lower_id, &bytes));
        if (!present) {
          return Status::Corruption("tombstones-by-etag entry " + std::to_string(te) + " names '" +
                                    lower_id + "', which is not in the tombstones tree");
        }
        ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeTombstone(bytes, lower_id));
        if (SameCollection(wanted, record.collection)) {
          Change& c = next();
          c.etag = te;
          c.deleted = true;
          c.id.assign(record.id);
          c.collection.assign(record.collection);
          c.json.clear();
        }
        t.Next();
      }
    }
    ROOKERY_RETURN_IF_ERROR(d.status());
    ROOKERY_RETURN_IF_ERROR(t.status());
    out->covered_etag = out->last_etag;
    return Status::Ok();
  };
  Status s = read();
  while (out->changes.size() > used) {
    out->recycled.push_back(std::move(out->changes.back()));
    out->changes.pop_back();
  }
  return s;
}

}  // namespace rookery::documents
