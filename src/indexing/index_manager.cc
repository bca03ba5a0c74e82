#include "indexing/index_manager.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>

#include "base/logging.h"
#include "documents/ids.h"

namespace rookery::indexing {
namespace {

// Documents per indexing batch (one durable index transaction): from kFirstBatch, doubled up to
// kMaxBatch while a batch's documents stay under half of kBatchBytes, halved above it, so that a
// batch holds some tens of MB of documents whatever their size.
constexpr size_t kFirstBatch = 4096;
constexpr size_t kMinBatch = 64;
constexpr size_t kMaxBatch = 16384;
constexpr size_t kBatchBytes = size_t{32} << 20;
// Batches one index gets in a row before the worker moves on to the next index.
constexpr int kBatchesPerTurn = 8;

size_t NextBatchLimit(const documents::ChangeBatch& batch, size_t limit) {
  size_t bytes = 0;
  for (const documents::Change& c : batch.changes) bytes += c.json.size() + c.id.size();
  if (bytes > kBatchBytes) return std::max(kMinBatch, limit / 2);
  if (bytes < kBatchBytes / 2 && batch.changes.size() >= limit)
    return std::min(kMaxBatch, limit * 2);
  return limit;
}
// How long the worker sleeps without a wake-up before looking again (a safety net only).
constexpr auto kIdleWait = std::chrono::seconds(1);
// How many output-collection hops staleness follows (a chain longer than this, or a cycle, is
// judged by its nearest indexes only).
constexpr int kMaxChainDepth = 8;

}  // namespace

// The worker thread's JavaScript state: runtimes by limits, each index's program. Programs are
// declared after runtimes so they are destroyed first.
struct IndexManager::JsWorker {
  struct Slot {
    std::weak_ptr<Index> index;  // the index the program was compiled for (names are reused)
    std::unique_ptr<js::IndexProgram> program;
  };
  std::map<std::pair<int64_t, size_t>, std::unique_ptr<js::Runtime>> runtimes;
  std::map<std::string, Slot> programs;  // lower-cased index name

  Result<js::IndexProgram*> ProgramFor(const std::shared_ptr<Index>& index,
                                       const js::RuntimeOptions& defaults) {
    const IndexDefinition& d = index->definition();
    Slot& slot = programs[documents::Lower(d.name)];
    if (slot.program != nullptr && slot.index.lock() == index) return slot.program.get();
    slot.program.reset();
    const js::RuntimeOptions limits = JavaScriptLimits(d, defaults);
    auto& runtime = runtimes[{limits.time_limit.count(), limits.heap_limit_bytes}];
    if (runtime == nullptr) {
      ROOKERY_ASSIGN_OR_RETURN(runtime, js::NewRuntime(limits));
    }
    ROOKERY_ASSIGN_OR_RETURN(slot.program, runtime->Compile(IndexScriptOf(d)));
    slot.index = index;
    return slot.program.get();
  }
};

IndexManager::IndexManager(platform::Env& env, std::string dir, documents::Database& database,
                           IndexingOptions options)
    : env_(env), dir_(std::move(dir)), database_(database), options_(std::move(options)) {}

Result<std::unique_ptr<IndexManager>> IndexManager::Open(platform::Env& env,
                                                         std::string database_dir,
                                                         documents::Database& database,
                                                         IndexingOptions options) {
  std::unique_ptr<IndexManager> m(
      new IndexManager(env, database_dir + "/Indexes", database, std::move(options)));
  ROOKERY_RETURN_IF_ERROR(env.CreateDirs(m->dir_));
  ROOKERY_RETURN_IF_ERROR(m->LoadExisting());
  IndexManager* raw = m.get();
  database.SetWriteObserver([raw](uint64_t) { raw->Wake(); });
  m->worker_ = std::thread([raw] { raw->Run(); });
  return m;
}

IndexManager::~IndexManager() {
  database_.SetWriteObserver(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& [name, index] : indexes_) index->Shutdown();
}

Status IndexManager::LoadExisting() {
  ROOKERY_ASSIGN_OR_RETURN(auto names, env_.ListDir(dir_));
  for (const std::string& entry : names) {
    const std::string path = dir_ + "/" + entry;
    ROOKERY_ASSIGN_OR_RETURN(bool is_dir, env_.IsDirectory(path));
    if (!is_dir) continue;
    auto index = Index::Open(env_, path);
    if (!index.ok() && index.status().code() == Code::kNotFound) {
      // Creation did not commit before a crash: nothing refers to this directory.
      log::Warn("removing incomplete index directory {}", path);
      ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(path));
      continue;
    }
    if (!index.ok()) return index.status().WithContext("opening index in " + path);
    Adopt(std::move(index).value());
  }
  return Status::Ok();
}

std::shared_ptr<Index> IndexManager::Adopt(std::unique_ptr<Index> index) {
  std::shared_ptr<Index> shared(std::move(index));
  indexes_[documents::Lower(shared->name())] = shared;
  return shared;
}

void IndexManager::StopIndexing() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
}

void IndexManager::StartIndexing() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = false;
    pending_ = true;
  }
  wake_.notify_all();
}

bool IndexManager::indexing_stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

void IndexManager::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  wake_.notify_all();
}

Result<std::shared_ptr<Index>> IndexManager::GetOrCreateAuto(IndexDefinition wanted) {
  wanted.Normalize();
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<Index> widen_from;
  for (auto& [name, index] : indexes_) {
    if (index->definition().Covers(wanted)) return index;
  }
  // The widest existing index of the same collection and kind gets merged in.
  IndexDefinition target = wanted;
  std::vector<std::string> narrower;
  for (auto& [name, index] : indexes_) {
    const IndexDefinition& d = index->definition();
    if (d.type != wanted.type ||
        documents::Lower(d.collection) != documents::Lower(wanted.collection)) {
      continue;
    }
    if (d.type == IndexType::kAutoMapReduce && d.group_by != wanted.group_by) continue;
    target = target.Merge(d);
    narrower.push_back(index->name());
  }
  if (auto it = indexes_.find(documents::Lower(target.name)); it != indexes_.end()) {
    return it->second;
  }
  const std::string dir = dir_ + "/" + IndexDirectoryName(target.name);
  ROOKERY_ASSIGN_OR_RETURN(auto created, Index::Create(env_, dir, target));
  log::Info("created automatic index {} in {}", target.name, dir);
  std::shared_ptr<Index> index = Adopt(std::move(created));
  if (!narrower.empty()) replaces_[documents::Lower(index->name())] = std::move(narrower);
  pending_ = true;
  lock.unlock();
  wake_.notify_all();
  return index;
}

std::shared_ptr<Index> IndexManager::FindAuto(IndexDefinition wanted) const {
  wanted.Normalize();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, index] : indexes_) {
    if (index->definition().Covers(wanted)) return index;
  }
  return nullptr;
}

std::shared_ptr<Index> IndexManager::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = indexes_.find(documents::Lower(name));
  return it == indexes_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Index>> IndexManager::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Index>> out;
  for (const auto& [name, index] : indexes_) out.push_back(index);
  return out;
}

std::string IndexManager::ErrorOf(std::string_view name) const {
  std::shared_ptr<Index> index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = errors_.find(documents::Lower(name));
    if (it != errors_.end()) return it->second;
    auto found = indexes_.find(documents::Lower(name));
    if (found == indexes_.end()) return std::string();
    index = found->second;
  }
  return index->errored();
}

Status IndexManager::Delete(std::string_view name) {
  std::shared_ptr<Index> index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indexes_.find(documents::Lower(name));
    if (it == indexes_.end()) {
      return Status::NotFound("index '" + std::string(name) + "' does not exist");
    }
    index = std::move(it->second);
    indexes_.erase(it);
    errors_.erase(documents::Lower(name));
    replaces_.erase(documents::Lower(name));
  }
  index->Shutdown();
  const std::string dir = index->dir();
  // Wait for holders (the worker, queries) to let go, then remove the files. The worker never
  // holds an index across batches, and queries are short.
  while (index.use_count() > 1) env_.SleepMicros(1000);
  index.reset();
  log::Info("deleted index {}", std::string(name));
  return env_.RemoveAll(dir);
}

std::string IndexManager::CollectionFilter(const Index& index) const {
  const IndexDefinition& d = index.definition();
  if (IsJavaScript(d.type)) {
    // load() may read any collection, a multi-map several: read every change, filter in Apply.
    return !d.uses_load && d.collections.size() == 1 ? d.collections[0] : std::string();
  }
  const std::string& c = d.collection;
  return documents::Lower(c) == "@all_docs" ? std::string() : c;
}

Result<bool> IndexManager::IsStaleAfter(const Index& index, uint64_t covered) {
  return IsStaleAfter(index, covered, 0);
}

Result<bool> IndexManager::IsStaleAfter(const Index& index, uint64_t covered, int depth) {
  // A chained index (it maps another index's output collection) is stale while that index is:
  // the output documents it will see are written when that index applies its next batch.
  if (depth < kMaxChainDepth) {
    for (const std::shared_ptr<Index>& source : List()) {
      const std::string out = documents::Lower(source->definition().output_collection);
      if (out.empty() || source.get() == &index) continue;
      bool maps = false;
      for (const std::string& c : index.definition().collections)
        maps = maps || documents::Lower(c) == out;
      if (!maps) continue;
      ROOKERY_ASSIGN_OR_RETURN(bool stale,
                               IsStaleAfter(*source, source->covered_etag(), depth + 1));
      if (stale) return true;
    }
  }
  uint64_t from = covered;
  while (from < database_.LastEtag()) {
    ROOKERY_ASSIGN_OR_RETURN(auto batch, database_.ReadChanges(from, CollectionFilter(index), 1));
    if (!batch.changes.empty()) return true;
    if (batch.covered_etag <= from) break;
    from = batch.covered_etag;
  }
  return false;
}

Result<bool> IndexManager::WaitForNonStale(Index& index, uint64_t timeout_micros) {
  const uint64_t target = database_.LastEtag();
  const uint64_t start = env_.MonotonicNanos() / 1000;
  Wake();
  while (true) {
    ROOKERY_ASSIGN_OR_RETURN(bool stale, IsStale(index));
    if (!stale) return true;
    const uint64_t now = env_.MonotonicNanos() / 1000;
    if (now - start >= timeout_micros) return false;
    if (index.covered_etag() >= target) {
      // Covered, yet stale: an index it chains from (or newer writes) is still being indexed.
      env_.SleepMicros(std::min<uint64_t>(timeout_micros - (now - start), 2000));
    } else {
      index.WaitForCoverage(target, std::min<uint64_t>(timeout_micros - (now - start), 100000));
    }
  }
}

void IndexManager::NoteFailure(const Index& index, const Status& s) {
  log::Error("indexing {} failed: {}", index.name(), s.ToString());
  std::lock_guard<std::mutex> lock(mu_);
  errors_[documents::Lower(index.name())] = s.ToString();
}

bool IndexManager::IndexOneBatch(const std::shared_ptr<Index>& index, JsWorker& js,
                                 BatchBuffers& buffers) {
  // An errored index is not indexed (it may have become errored earlier in this round).
  if (index->covered_etag() >= database_.LastEtag() || !index->errored().empty()) return false;
  JsBatchContext context;
  context.database = &database_;
  context.flat_group_limit = options_.flat_group_limit;
  if (IsJavaScript(index->definition().type)) {
    auto program = js.ProgramFor(index, options_.javascript);
    if (!program.ok()) {
      NoteFailure(*index, program.status());
      return false;
    }
    context.program = *program;
    context.stale_after = [this, &index](uint64_t covered) {
      return IsStaleAfter(*index, covered);
    };
  }
  const std::string collection = CollectionFilter(*index);
  size_t limit = kFirstBatch;
  // Two batches in turn: one applied while the next is read into the other, reusing its memory
  // (documents::Database::ReadChangesInto).
  documents::ChangeBatch* batch = &buffers[0];
  documents::ChangeBatch* spare = &buffers[1];
  Status s = database_.ReadChangesInto(index->covered_etag(), collection, limit, batch);
  for (int turn = 1; s.ok(); ++turn) {
    // The next batch is read on another thread while this one is applied (mostly a wait for its
    // durable commit); it starts where this batch ends, so it does not depend on the commit.
    bool more = turn < kBatchesPerTurn && batch->covered_etag < batch->last_etag;
    if (more) {
      std::lock_guard<std::mutex> lock(mu_);
      more = !stop_ && !stopped_;
    }
    limit = NextBatchLimit(*batch, limit);
    // The future's destructor waits for the read, so `spare` is never written after this loop.
    std::future<Status> next;
    if (more) {
      next = std::async(std::launch::async,
                        [this, from = batch->covered_etag, &collection, limit, spare] {
                          return database_.ReadChangesInto(from, collection, limit, spare);
                        });
    }
    s = index->Apply(*batch, &context);
    if (!s.ok() || !more || !index->errored().empty()) break;
    s = next.get();
    std::swap(batch, spare);
  }
  if (!s.ok()) {
    NoteFailure(*index, s);
    return false;
  }
  // An index whose user code fails too often is marked errored by the batch that crosses
  // RavenDB's failure rate and is no longer indexed; Reset or a new definition clears it.
  return index->errored().empty();
}

void IndexManager::RetireReplaced() {
  std::vector<std::string> retire;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = replaces_.begin(); it != replaces_.end();) {
      auto wider = indexes_.find(it->first);
      if (wider != indexes_.end() && wider->second->covered_etag() >= database_.LastEtag()) {
        retire.insert(retire.end(), it->second.begin(), it->second.end());
        it = replaces_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& name : retire) {
    Status s = Delete(name);
    if (!s.ok() && s.code() != Code::kNotFound) {
      log::Warn("retiring index {} failed: {}", name, s.ToString());
    }
  }
}

void IndexManager::Run() {
  JsWorker js;
  BatchBuffers buffers;
  while (true) {
    std::vector<std::shared_ptr<Index>> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!pending_ || stopped_) {
        wake_.wait_for(lock, kIdleWait, [&] { return stop_ || (pending_ && !stopped_); });
      }
      if (stop_) return;
      if (stopped_) continue;
      pending_ = false;
      for (auto& [name, index] : indexes_) {
        if (errors_.count(name) == 0 && index->errored().empty()) work.push_back(index);
      }
    }
    // Round robin until every index is current (or failed); new commits set pending_ again.
    bool progress = true;
    while (progress) {
      progress = false;
      for (const auto& index : work) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stop_) return;
          if (stopped_) break;
        }
        if (IndexOneBatch(index, js, buffers)) progress = true;
      }
    }
    work.clear();
    buffers = BatchBuffers();  // every index is current: the batches' memory is not kept idle
    // Programs of deleted indexes (the worker holds no index between rounds).
    std::erase_if(js.programs, [](const auto& p) { return p.second.index.expired(); });
    RetireReplaced();
  }
}

}  // namespace rookery::indexing
