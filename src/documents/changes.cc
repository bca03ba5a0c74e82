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
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(layout::kMetaTree));
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(layout::kLastEtagKey, &value));
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(batch.last_etag, layout::DecodeU64(value, "meta/last-etag"));
  }
  if (after_etag >= batch.last_etag || limit == 0) {
    batch.covered_etag = after_etag;  // nothing newer, or nothing asked for
    return batch;
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
  // Merge the two etag-ordered trees. Every etag belongs to exactly one record.
  while (d.Valid() || t.Valid()) {
    if (batch.changes.size() >= limit || examined >= kScanBudget) {
      // Everything before the next unexamined etag is covered.
      uint64_t next = UINT64_MAX;
      if (d.Valid()) {
        ROOKERY_ASSIGN_OR_RETURN(uint64_t e, layout::DecodeEtagKey(d.key()));
        next = std::min(next, e);
      }
      if (t.Valid()) {
        ROOKERY_ASSIGN_OR_RETURN(uint64_t e, layout::DecodeEtagKey(t.key()));
        next = std::min(next, e);
      }
      batch.covered_etag = next - 1;
      return batch;
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
      const std::string lower_id(d.value());
      std::string_view bytes;
      ROOKERY_ASSIGN_OR_RETURN(bool present, docs->GetView(lower_id, &bytes));
      if (!present) {
        return Status::Corruption("docs-by-etag entry " + std::to_string(de) + " names '" +
                                  lower_id + "', which is not in the docs tree");
      }
      ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeDocument(bytes, lower_id));
      if (SameCollection(wanted, record.collection)) {
        Change c;
        c.etag = de;
        c.id = std::string(record.id);
        c.collection = std::string(record.collection);
        c.json = std::string(record.json);
        batch.changes.push_back(std::move(c));
      }
      d.Next();
    } else {
      const std::string lower_id(t.value());
      std::string_view bytes;
      ROOKERY_ASSIGN_OR_RETURN(bool present, tombs->GetView(lower_id, &bytes));
      if (!present) {
        return Status::Corruption("tombstones-by-etag entry " + std::to_string(te) + " names '" +
                                  lower_id + "', which is not in the tombstones tree");
      }
      ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeTombstone(bytes, lower_id));
      if (SameCollection(wanted, record.collection)) {
        Change c;
        c.etag = te;
        c.deleted = true;
        c.id = std::string(record.id);
        c.collection = std::string(record.collection);
        batch.changes.push_back(std::move(c));
      }
      t.Next();
    }
  }
  ROOKERY_RETURN_IF_ERROR(d.status());
  ROOKERY_RETURN_IF_ERROR(t.status());
  batch.covered_etag = batch.last_etag;
  return batch;
}

}  // namespace rookery::documents
