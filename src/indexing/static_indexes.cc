// IndexManager: static (JavaScript) index definitions: validation by compiling, creation,
// replacement and reset (docs/design/js-indexes.md).
#include "base/logging.h"
#include "documents/ids.h"
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
    auto program =
        compile_runtime_->Compile({.maps = definition.maps, .reduce = definition.reduce});
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
  if (auto existing = Find(definition.name)) {
    if (SameStaticDefinition(existing->definition(), definition)) return existing;
    existing.reset();
    log::Info("index {} changed: rebuilding it", definition.name);
    ROOKERY_RETURN_IF_ERROR(Delete(definition.name));
  }
  return CreateStatic(std::move(definition));
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
