// Database: open, the write entry point, reads and stats.
#include <algorithm>

#include "documents/command_stream.h"
#include "documents/database_impl.h"
#include "documents/ids.h"

namespace rookery::documents {
namespace {

// Read-side access to the trees of one snapshot.
struct ReadView {
  std::unique_ptr<storage::StoreReadTransaction> txn;
  storage::Tree* docs = nullptr;

  static Result<ReadView> Begin(storage::Store& store) {
    ReadView view;
    ROOKERY_ASSIGN_OR_RETURN(view.txn, store.BeginRead());
    ROOKERY_ASSIGN_OR_RETURN(view.docs, view.txn->OpenTree(layout::kDocsTree));
    return view;
  }

  Result<std::optional<Document>> Get(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdSize) return std::optional<Document>();
    const std::string key = Lower(id);
    std::string_view bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, docs->GetView(key, &bytes));
    if (!found) return std::optional<Document>();
    ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeDocument(bytes, key));
    return std::optional<Document>(ToDocument(record));
  }

  Result<std::optional<std::string>> GetJson(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdSize) return std::optional<std::string>();
    const std::string key = Lower(id);
    std::string_view bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, docs->GetView(key, &bytes));
    if (!found) return std::optional<std::string>();
    ROOKERY_ASSIGN_OR_RETURN(auto record, layout::DecodeDocument(bytes, key));
    return std::optional<std::string>(std::string(record.json));
  }
};

}  // namespace

Document ToDocument(const layout::DocumentRecord& r) {
  Document d;
  d.id = std::string(r.id);
  d.collection = std::string(r.collection);
  d.change_vector = std::string(r.change_vector);
  d.etag = r.etag;
  d.last_modified = FormatDate(r.last_modified_micros);
  d.flags = std::string(r.flags);
  d.json = std::string(r.json);
  return d;
}

Result<std::unique_ptr<Database>> Database::Open(platform::Env& env, std::string dir,
                                                 DatabaseOptions options) {
  ROOKERY_ASSIGN_OR_RETURN(auto db,
                           DatabaseImpl::OpenImpl(env, std::move(dir), std::move(options)));
  return std::unique_ptr<Database>(std::move(db));
}

Result<std::unique_ptr<DatabaseImpl>> DatabaseImpl::OpenImpl(platform::Env& env, std::string dir,
                                                             DatabaseOptions options) {
  if (options.node_tag.empty()) {
    return Status::InvalidArgument("database node tag must not be empty");
  }
  ROOKERY_RETURN_IF_ERROR(env.CreateDirs(dir));
  // The journal's LZ4 is off for documents: for a batch of JSON documents it cost more time on the
  // commit path (~2.5 ms per MiB, before the write can start) than it saved in the write (an
  // O_DSYNC write's latency barely depends on its size at these sizes; docs/performance.md,
  // issue 4 "Session 4").
  storage::EnvironmentOptions storage_options;
  storage_options.journal.compress_above_bytes = UINT64_MAX;
  auto store = storage::Store::Open(env, dir, storage_options);
  if (!store.ok()) return store.status().WithContext("opening database in " + dir);
  DatabaseInfo info;
  info.env = &env;
  info.node_tag = options.node_tag;
  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl(std::move(store).value(), std::move(info)));
  ROOKERY_RETURN_IF_ERROR(db->Initialize());
  return db;
}

DatabaseImpl::DatabaseImpl(std::unique_ptr<storage::Store> store, DatabaseInfo info)
    : store_(std::move(store)), info_(std::move(info)) {
  info_.notifier = &notifier_;
  info_.revisions = &revisions_config_;
}

void CommitNotifier::Committed(uint64_t last_etag) {
  last_etag_.store(last_etag, std::memory_order_release);
  std::lock_guard<std::mutex> lock(mu_);
  if (observer_) observer_(last_etag);
}

void CommitNotifier::SetObserver(std::function<void(uint64_t)> observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(observer);
}

DatabaseImpl::~DatabaseImpl() {
  merger_.reset();
}  // the writer stops before the store closes

Status DatabaseImpl::Initialize() {
  // Trees exist from the first open on, so reads never meet a missing tree.
  ROOKERY_ASSIGN_OR_RETURN(auto ctx, WriteContext::Begin(*store_, info_));
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, ctx->meta->Get(layout::kFormatKey, &value));
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(uint64_t format, layout::DecodeU64(value, "meta/format"));
    if (format != layout::kFormatVersion) {
      return Status::Corruption(
          "database format version " + std::to_string(format) + " is not the supported version " +
          std::to_string(layout::kFormatVersion) + " (docs/formats/documents.md)");
    }
  } else {
    ROOKERY_RETURN_IF_ERROR(
        ctx->meta->Put(layout::kFormatKey, layout::EncodeU64(layout::kFormatVersion)));
  }
  ROOKERY_ASSIGN_OR_RETURN(found, ctx->meta->Get(layout::kDatabaseIdKey, &value));
  if (found) {
    if (value.size() != 22) {
      return Status::Corruption("stored database id has " + std::to_string(value.size()) +
                                " characters, expected 22");
    }
    info_.database_id = value;
  } else {
    info_.database_id = FormatDatabaseId(info_.env->RandomUint64(), info_.env->RandomUint64());
    ROOKERY_RETURN_IF_ERROR(ctx->meta->Put(layout::kDatabaseIdKey, info_.database_id));
  }
  ROOKERY_ASSIGN_OR_RETURN(found, ctx->meta->Get(layout::kRevisionsConfigKey, &value));
  if (found) {
    auto parsed = json::Parse(value);
    if (!parsed.ok()) return parsed.status().WithContext("stored revisions configuration");
    auto config = ParseRevisionsConfig(*parsed);
    if (!config.ok()) return config.status().WithContext("stored revisions configuration");
    revisions_config_.Set(std::make_shared<const RevisionsConfig>(std::move(config).value()));
  }
  notifier_.Reset(ctx->last_etag());
  ROOKERY_RETURN_IF_ERROR(ctx->Commit());
  merger_ =
      std::make_unique<TransactionMerger>([this]() -> Result<std::unique_ptr<MergedTransaction>> {
        ROOKERY_ASSIGN_OR_RETURN(auto ctx, WriteContext::Begin(*store_, info_));
        return std::unique_ptr<MergedTransaction>(std::move(ctx));
      });
  return Status::Ok();
}

Result<std::vector<CommandResult>> DatabaseImpl::Execute(std::vector<Command> commands) {
  std::vector<CommandResult> results;
  if (commands.empty()) return results;
  // Serializing documents is the bulk of a PUT's CPU: done here, in parallel across callers,
  // instead of on the merger's one writer thread.
  std::vector<std::optional<PreparedDocument>> prepared(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    if (const auto* put = std::get_if<PutCommand>(&commands[i]);
        put && !put->prepared && put->document.is_object()) {
      prepared[i] = PrepareJson(put->document);
    }
  }
  Status s = merger_->Execute([&](MergedTransaction& txn) -> Status {
    auto& ctx = static_cast<WriteContext&>(txn);
    results.clear();  // a re-run starts over
    results.reserve(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      ROOKERY_RETURN_IF_ERROR(
          ExecuteCommand(ctx, commands[i], prepared[i] ? &*prepared[i] : nullptr, &results));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return results;
}

Result<std::vector<CommandResult>> DatabaseImpl::ExecuteStreaming(
    CommandStream& stream, const std::function<void()>& produce) {
  std::vector<CommandResult> results;
  Status s = merger_->Execute(
      [&](MergedTransaction& txn) -> Status {
        auto& ctx = static_cast<WriteContext&>(txn);
        results.clear();  // a re-run starts over (the stream keeps every chunk)
        for (size_t c = 0;; ++c) {
          const std::vector<Command>* chunk = stream.Chunk(c);
          if (chunk == nullptr) break;
          for (const Command& command : *chunk) {
            ROOKERY_RETURN_IF_ERROR(ExecuteCommand(ctx, command, nullptr, &results));
          }
        }
        // A batch error: fails this batch only, not the batches merged with it.
        if (stream.failed()) {
          return Status::InvalidArgument("the batch's commands were not all produced");
        }
        return Status::Ok();
      },
      [&] {
        produce();
        stream.Close(!stream.failed());  // in case `produce` did not close it
      });
  if (!s.ok()) return s;
  return results;
}

Result<std::optional<Document>> DatabaseImpl::Get(std::string_view id) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, ReadView::Begin(*store_));
  return view.Get(id);
}

Result<std::vector<std::optional<Document>>> DatabaseImpl::GetMany(
    const std::vector<std::string>& ids) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, ReadView::Begin(*store_));
  std::vector<std::optional<Document>> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    ROOKERY_ASSIGN_OR_RETURN(auto doc, view.Get(id));
    out.push_back(std::move(doc));
  }
  return out;
}

Result<std::vector<std::optional<std::string>>> DatabaseImpl::GetJsonMany(
    const std::vector<std::string>& ids) {
  ROOKERY_ASSIGN_OR_RETURN(auto view, ReadView::Begin(*store_));
  std::vector<std::optional<std::string>> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    ROOKERY_ASSIGN_OR_RETURN(auto json, view.GetJson(id));
    out.push_back(std::move(json));
  }
  return out;
}

Result<DatabaseStats> DatabaseImpl::Stats() {
  DatabaseStats stats;
  {
    ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * docs, txn->OpenTree(layout::kDocsTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tombs, txn->OpenTree(layout::kTombstonesTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * colls, txn->OpenTree(layout::kCollectionsTree));
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(layout::kMetaTree));
    stats.documents = docs->stats().entries;
    stats.tombstones = tombs->stats().entries;
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * revs, txn->OpenTree(layout::kRevisionsByEtagTree));
    stats.revisions = revs->stats().entries;
    std::string value;
    ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(layout::kLastEtagKey, &value));
    if (found) {
      ROOKERY_ASSIGN_OR_RETURN(stats.last_etag, layout::DecodeU64(value, "meta/last-etag"));
    }
    Status decode;
    ROOKERY_RETURN_IF_ERROR(
        storage::ForEachInRange(txn->pages(), colls->stats(), std::string_view("\0", 1),
                                std::nullopt, [&](std::string_view key, std::string_view v) {
                                  auto c = layout::DecodeCollection(v, key);
                                  if (!c.ok()) {
                                    decode = c.status();
                                    return false;
                                  }
                                  stats.collections.push_back({std::string(c->second), c->first});
                                  return true;
                                }));
    ROOKERY_RETURN_IF_ERROR(decode);
  }
  stats.database_id = info_.database_id;
  if (stats.last_etag > 0) {
    stats.change_vector = FormatChangeVector(info_.node_tag, stats.last_etag, info_.database_id);
  }
  ROOKERY_ASSIGN_OR_RETURN(auto report, store_->Report());
  stats.size_on_disk = report.environment.data_file_bytes + report.environment.journal_bytes;
  stats.temp_bytes = report.environment.scratch_bytes;
  MergerStats m = merger_->stats();
  stats.write_transactions = m.transactions;
  stats.write_batches = m.batches;
  stats.merger_queue = merger_->queued();
  return stats;
}

}  // namespace rookery::documents
