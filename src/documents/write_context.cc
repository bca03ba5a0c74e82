#include "documents/database_impl.h"

namespace rookery::documents {

Result<std::unique_ptr<WriteContext>> WriteContext::Begin(storage::Store& store,
                                                          const DatabaseInfo& info) {
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store.BeginWrite());
  std::unique_ptr<WriteContext> ctx(new WriteContext(std::move(txn), info));
  storage::StoreWriteTransaction& t = *ctx->txn_;
  ROOKERY_ASSIGN_OR_RETURN(ctx->docs, t.OpenOrCreateTree(layout::kDocsTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->docs_by_etag, t.OpenOrCreateTree(layout::kDocsByEtagTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->tombstones, t.OpenOrCreateTree(layout::kTombstonesTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->tombstones_by_etag,
                           t.OpenOrCreateTree(layout::kTombstonesByEtagTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->collections, t.OpenOrCreateTree(layout::kCollectionsTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->meta, t.OpenOrCreateTree(layout::kMetaTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->revisions, t.OpenOrCreateTree(layout::kRevisionsTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->revisions_by_etag,
                           t.OpenOrCreateTree(layout::kRevisionsByEtagTree));
  ROOKERY_ASSIGN_OR_RETURN(ctx->revisions_bin, t.OpenOrCreateTree(layout::kRevisionsBinTree));
  if (info.revisions != nullptr) ctx->config_ = info.revisions->Get();
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, ctx->meta->Get(layout::kLastEtagKey, &value));
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(ctx->loaded_etag_, layout::DecodeU64(value, "meta/last-etag"));
  }
  ctx->last_etag_ = ctx->loaded_etag_;
  return ctx;
}

Status WriteContext::Commit() {
  for (const auto& [key, c] : collection_counts_) {
    if (c.count == 0) {
      ROOKERY_RETURN_IF_ERROR(collections->Delete(key).status());
    } else {
      ROOKERY_RETURN_IF_ERROR(collections->Put(key, layout::EncodeCollection(c.count, c.name)));
    }
  }
  if (last_etag_ != loaded_etag_) {
    ROOKERY_RETURN_IF_ERROR(meta->Put(layout::kLastEtagKey, layout::EncodeU64(last_etag_)));
  }
  ROOKERY_RETURN_IF_ERROR(txn_->Commit());
  if (pending_config_ && info_.revisions != nullptr) info_.revisions->Set(pending_config_);
  if (last_etag_ != loaded_etag_ && info_.notifier != nullptr) {
    info_.notifier->Committed(last_etag_);
  }
  return Status::Ok();
}

void WriteContext::Abort() {
  txn_->Abort();
}

Status WriteContext::SetRevisionsConfig(std::shared_ptr<const RevisionsConfig> config) {
  ROOKERY_RETURN_IF_ERROR(
      meta->Put(layout::kRevisionsConfigKey, json::Serialize(RevisionsConfigToJson(*config))));
  pending_config_ = std::move(config);
  return Status::Ok();
}

Result<uint64_t> WriteContext::NextIdentity(std::string_view lowered_prefix) {
  std::string key(layout::kIdentityKeyPrefix);
  key.append(lowered_prefix);
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(key, &value));
  uint64_t last = 0;
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(last, layout::DecodeU64(value, "meta/" + key));
  }
  ROOKERY_RETURN_IF_ERROR(meta->Put(key, layout::EncodeU64(last + 1)));
  return last + 1;
}

Result<WriteContext::CollectionCount*> WriteContext::CollectionCountOf(
    const std::string& lowered_name) {
  auto it = collection_counts_.find(lowered_name);
  if (it != collection_counts_.end()) return &it->second;
  CollectionCount c;
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, collections->Get(lowered_name, &value));
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(auto decoded, layout::DecodeCollection(value, lowered_name));
    c.count = decoded.first;
    c.name = std::string(decoded.second);
  }
  return &collection_counts_.emplace(lowered_name, std::move(c)).first->second;
}

Result<bool> WriteContext::LoadDocument(std::string_view lowered_id, StoredDocument* doc) {
  ROOKERY_ASSIGN_OR_RETURN(bool found, docs->Get(lowered_id, &doc->bytes));
  if (!found) return false;
  ROOKERY_ASSIGN_OR_RETURN(doc->record, layout::DecodeDocument(doc->bytes, lowered_id));
  return true;
}

}  // namespace rookery::documents
