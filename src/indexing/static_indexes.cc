// IndexManager: static (JavaScript) index definitions: validation by compiling, creation,
// replacement and reset (docs/design/js-indexes.md).
#include "base/logging.h"
#include "documents/ids.h"
#include "indexing/index_internal.h"
#include "indexing/index_manager.h"

namespace rookery::indexing {
namespace {

// A non-negative number from Configuration (a number or a numeric string, as RavenDB's
// configuration values are strings); nullopt when absent or unusable.
std::optional<uint64_t> ConfigNumber(const json::Value& configuration, std::string_view key) {
  const json::Value* v = configuration.Find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) {
    const double d = v->as_double();
    if (d >= 0) return static_cast<uint64_t>(d);
    return std::nullopt;
  }
  if (v->is_string() && !v->as_string().empty()) {
    uint64_t n = 0;
    for (char c : v->as_string()) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
  }
  return std::nullopt;
}

}  // namespace

js::IndexScript IndexScriptOf(const IndexDefinition& definition) {
  return {.maps = definition.maps,
          .reduce = definition.reduce,
          .additional_sources = definition.additional_sources};
}

js::RuntimeOptions JavaScriptLimits(const IndexDefinition& definition,
                                    const js::RuntimeOptions& defaults) {
  js::RuntimeOptions o = defaults;
  if (auto ms = ConfigNumber(definition.configuration, "Indexing.JavaScript.TimeLimitInMs")) {
    o.time_limit = std::chrono::milliseconds(*ms);
  }
  if (auto mb = ConfigNumber(definition.configuration, "Indexing.JavaScript.HeapLimitInMb")) {
    if (*mb > 0) o.heap_limit_bytes = static_cast<size_t>(*mb) << 20;
  }
  return o;
}

Result<std::shared_ptr<Index>> IndexManager::PutStatic(IndexDefinition definition) {
  if (!IsJavaScript(definition.type)) {
    return Status::InvalidArgument("PutStatic takes a JavaScript index definition");
  }
  {
    // Compile to validate and to learn the collections; the worker compiles its own copy.
    std::lock_guard<std::mutex> lock(compile_mu_);
    if (compile_runtime_ == nullptr) {
      ROOKERY_ASSIGN_OR_RETURN(compile_runtime_,
                               js::NewRuntime(JavaScriptLimits(definition, options_.javascript)));
    }
    auto program = compile_runtime_->Compile(IndexScriptOf(definition));
    if (!program.ok()) {
      return program.status().WithContext("index '" + definition.name + "'");
    }
    if ((*program)->has_reduce() != (definition.type == IndexType::kJavaScriptMapReduce)) {
      return Status::InvalidArgument("index '" + definition.name + "': the type says " +
                                     std::string(IndexTypeName(definition.type)) +
                                     " but the Reduce source says otherwise");
    }
    definition.collections = (*program)->collections();
  }
  definition.collection = definition.collections.size() == 1 ? definition.collections[0] : "";
  ROOKERY_RETURN_IF_ERROR(CheckOutputCollection(definition));
  ROOKERY_RETURN_IF_ERROR(CheckOutputCollectionEmpty(definition));
  if (auto existing = Find(definition.name)) {
    if (SameStaticDefinition(existing->definition(), definition)) return existing;
    const IndexDefinition previous = existing->definition();
    existing.reset();
    log::Info("index {} changed: rebuilding it", definition.name);
    ROOKERY_RETURN_IF_ERROR(Delete(definition.name));
    ROOKERY_RETURN_IF_ERROR(DeleteAbandonedOutputs(previous, definition));
  }
  return CreateStatic(std::move(definition));
}

Status IndexManager::DeleteAbandonedOutputs(const IndexDefinition& previous,
                                            const IndexDefinition& next) {
  // The new build replaces the documents of the collections it writes itself (its first batch);
  // those of collections it no longer writes go now.
  std::vector<std::string> abandoned;
  const auto writes = [](const IndexDefinition& d, bool references) {
    if (references) return d.reference_pattern.empty() ? std::string() : ReferencesCollection(d);
    return d.output_collection;
  };
  for (bool references : {false, true}) {
    const std::string old = writes(previous, references);
    if (!old.empty() && documents::Lower(old) != documents::Lower(writes(next, references))) {
      abandoned.push_back(old);
    }
  }
  for (const std::string& collection : abandoned) {
    ROOKERY_ASSIGN_OR_RETURN(auto ids, ArtificialDocumentIds(database_, collection));
    log::Info("index {} no longer writes {}: deleting its {} documents there", next.name,
              collection, ids.size());
    for (size_t i = 0; i < ids.size(); i += 1024) {
      std::vector<documents::Command> deletes;
      for (size_t j = i; j < ids.size() && j < i + 1024; ++j)
        deletes.push_back(documents::DeleteCommand{.id = ids[j]});
      ROOKERY_RETURN_IF_ERROR(database_.Execute(std::move(deletes)).status());
    }
  }
  return Status::Ok();
}

Status IndexManager::CheckOutputCollection(const IndexDefinition& definition) const {
  const std::string out = documents::Lower(definition.output_collection);
  if (out.empty()) return Status::Ok();
  const std::string refs = definition.reference_pattern.empty()
                               ? ""
                               : documents::Lower(ReferencesCollection(definition));
  if (refs == out) {
    return Status::InvalidArgument(
        "index '" + definition.name +
        "': the reference documents cannot go to the output collection '" +
        definition.output_collection + "'");
  }
  for (const std::string& c : definition.collections) {
    if (!refs.empty() && documents::Lower(c) == refs) {
      // The index would re-map its own reference documents forever, as with its outputs.
      return Status::InvalidArgument(
          "It is forbidden to create the '" + definition.name +
          "' index which would output reference documents to the '" +
          ReferencesCollection(definition) +
          "' collection, as this index is mapping all documents in this collection");
    }
    if (documents::Lower(c) == out) {
      // RavenDB refuses this too: the index would re-map its own results forever.
      return Status::InvalidArgument(
          "It is forbidden to create the '" + definition.name +
          "' index which would output reduce results to documents in the '" +
          definition.output_collection +
          "' collection, as this index is mapping all documents in this collection");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, index] : indexes_) {
    const IndexDefinition& d = index->definition();
    if (documents::Lower(d.name) != documents::Lower(definition.name) &&
        documents::Lower(d.output_collection) == out) {
      return Status::InvalidArgument(
          "index '" + definition.name + "' cannot output reduce results to the collection '" +
          definition.output_collection + "': index '" + d.name + "' already outputs to it");
    }
  }
  return Status::Ok();
}

Status IndexManager::CheckOutputCollectionEmpty(const IndexDefinition& definition) const {
  const std::string out = documents::Lower(definition.output_collection);
  if (out.empty()) return Status::Ok();
  // A new definition of the same index writing the same collection takes its documents over
  // (its first batch replaces them); anything else needs an empty collection, as in RavenDB.
  if (auto existing = Find(definition.name);
      existing != nullptr && documents::Lower(existing->definition().output_collection) == out) {
    return Status::Ok();
  }
  ROOKERY_ASSIGN_OR_RETURN(documents::DatabaseStats stats, database_.Stats());
  for (const documents::CollectionStats& c : stats.collections) {
    if (documents::Lower(c.name) != out || c.count == 0) continue;
    return Status::InvalidArgument(
        "Index '" + definition.name +
        "' is defined to output the Reduce results to documents in "
        "Collection '" +
        definition.output_collection + "'. This collection currently has " +
        std::to_string(c.count) + " document" + (c.count == 1 ? " " : "s") +
        ". All documents in Collection '" + c.name + "' must be deleted first.");
  }
  return Status::Ok();
}

Result<std::shared_ptr<Index>> IndexManager::CreateStatic(IndexDefinition definition) {
  std::unique_lock<std::mutex> lock(mu_);
  if (indexes_.count(documents::Lower(definition.name)) != 0) {
    return Status::AlreadyExists("index '" + definition.name + "' was created concurrently");
  }
  const std::string dir = dir_ + "/" + IndexDirectoryName(definition.name);
  ROOKERY_ASSIGN_OR_RETURN(auto created, Index::Create(env_, dir, definition));
  log::Info("created index {} ({}) in {}", definition.name, IndexTypeName(definition.type), dir);
  std::shared_ptr<Index> index = Adopt(std::move(created));
  pending_ = true;
  lock.unlock();
  wake_.notify_all();
  return index;
}

Status IndexManager::Reset(std::string_view name) {
  auto index = Find(name);
  if (index == nullptr) return Status::NotFound("Index '" + std::string(name) + "' does not exist");
  IndexDefinition definition = index->definition();
  index.reset();
  ROOKERY_RETURN_IF_ERROR(Delete(definition.name));
  if (IsJavaScript(definition.type)) return CreateStatic(std::move(definition)).status();
  return GetOrCreateAuto(std::move(definition)).status();
}

}  // namespace rookery::indexing
