// GetStartingWith: ids with a prefix, in lower-cased id order, filtered by wildcard patterns.
#include "documents/database_impl.h"
#include "documents/ids.h"

namespace rookery::documents {

Result<std::vector<Document>> DatabaseImpl::GetStartingWith(const StartsWithQuery& query) {
  std::vector<Document> out;
  if (query.page_size == 0) return out;
  if (query.prefix.size() > kMaxIdSize) return out;
  const std::string prefix = Lower(query.prefix);
  std::string seek = prefix;
  std::string after;
  if (!query.start_after.empty()) {
    after = Lower(query.start_after);
    if (after > seek) seek = after;
  }

  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * docs, txn->OpenTree(layout::kDocsTree));
  storage::TreeIterator it = txn->Iterate(docs);
  if (seek.empty()) {
    it.SeekToFirst();
  } else {
    it.Seek(seek);
  }
  uint64_t skipped = 0;
  for (; it.Valid(); it.Next()) {
    std::string_view key = it.key();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!after.empty() && key <= after) continue;
    ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeDocument(it.value(), key));
    std::string_view rest = record.id.substr(prefix.size());
    if (!MatchesAny(query.matches, rest, /*if_empty=*/true)) continue;
    if (MatchesAny(query.exclude, rest, /*if_empty=*/false)) continue;
    if (skipped < query.start) {
      ++skipped;
      continue;
    }
    out.push_back(ToDocument(record));
    if (out.size() >= query.page_size) break;
  }
  ROOKERY_RETURN_IF_ERROR(it.status());
  return out;
}

}  // namespace rookery::documents
