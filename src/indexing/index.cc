#include "indexing/index.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "documents/ids.h"
#include "indexing/index_internal.h"
#include "indexing/term.h"

namespace rookery::indexing {

std::string U64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

Result<uint64_t> ReadU64(std::string_view bytes, std::string_view what) {
  if (bytes.size() < 8)
    return Status::Corruption("index meta '" + std::string(what) + "' is short");
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

namespace {

std::string TermTreeName(std::string_view path) {
  return std::string(kTermTreePrefix) + std::string(path);
}

std::string IrregularKey(std::string_view path) {
  return std::string(kIrregularKeyPrefix) + std::string(path);
}

// Counts the leaves of `v` (arrays flattened) into *count, keeping the first in *first.
void CountLeaves(const json::Value& v, size_t* count, const json::Value** first) {
  if (v.is_array()) {
    for (const json::Value& item : v.items()) CountLeaves(item, count, first);
    return;
  }
  if (++*count == 1) *first = &v;
}

// Every value CollectPath finds, as a JSON array.
json::Value Collect(const json::Value& doc, std::string_view path) {
  std::vector<const json::Value*> found;
  json::CollectPath(doc, path, &found);
  std::vector<json::Value> items;
  items.reserve(found.size());
  for (const json::Value* v : found) items.push_back(*v);
  return json::Value::Array(std::move(items));
}

// Term keys of every scalar in `v`, arrays fanned out.
void AppendTerms(const json::Value& v, std::vector<std::string>* out) {
  if (v.is_array()) {
    for (const json::Value& item : v.items()) AppendTerms(item, out);
    return;
  }
  if (auto term = EncodeTerm(v)) out->push_back(std::move(*term));
}

}  // namespace

std::string EncodeMapEntry(std::string_view id, const json::Value& fields) {
  std::string out(4, '\0');
  const uint32_t n = static_cast<uint32_t>(id.size());
  std::memcpy(out.data(), &n, 4);
  out.append(id);
  json::SerializeTo(fields, &out);
  return out;
}

Result<IndexEntry> DecodeMapEntry(std::string_view bytes, std::string_view key) {
  uint32_t n = 0;
  if (bytes.size() >= 4) std::memcpy(&n, bytes.data(), 4);
  if (bytes.size() < 4 || bytes.size() - 4 < n) {
    return Status::Corruption("index entry '" + std::string(key) + "' is truncated");
  }
  IndexEntry entry;
  entry.id = std::string(bytes.substr(4, n));
  auto fields = json::Parse(bytes.substr(4 + n));
  if (!fields.ok() || !fields->is_object()) {
    return Status::Corruption("index entry '" + std::string(key) + "' has invalid fields");
  }
  entry.fields = std::move(fields).value();
  return entry;
}

namespace {

// a + sign * b for JSON numbers, exact while both are integers in int64 range.
json::Value AddNumbers(const json::Value& a, const json::Value& b, int sign) {
  if (a.type() == json::Type::kInt && b.type() == json::Type::kInt) {
    int64_t r;
    if (!__builtin_add_overflow(a.as_int(), sign * b.as_int(), &r)) return json::Value::Int(r);
  }
  return json::Value::Double(a.as_double() + sign * b.as_double());
}

json::Value SumOf(const json::Value& values) {
  json::Value total = json::Value::Int(0);
  for (const json::Value& v : values.items()) {
    if (v.is_array()) {
      total = AddNumbers(total, SumOf(v), 1);
    } else if (v.is_number()) {
      total = AddNumbers(total, v, 1);
    }
  }
  return total;
}

// The value a group key takes for one path: null when missing, the value when one, else an array.
json::Value GroupValue(const json::Value& collected) {
  const auto& items = collected.items();
  if (items.empty()) return json::Value::Null();
  if (items.size() == 1) return items[0];
  return collected;
}

// Adds `delta` to the irregular-entry count of `path` (kept only when the index has it).
Status AddIrregular(storage::StoreWriteTransaction& txn, std::string_view path, int64_t delta) {
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn.OpenTree(kMetaTree));
  const std::string key = IrregularKey(path);
  std::string bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(key, &bytes));
  if (!found) return Status::Ok();
  ROOKERY_ASSIGN_OR_RETURN(uint64_t count, ReadU64(bytes, key));
  if (delta < 0 && count < static_cast<uint64_t>(-delta)) {
    return Status::Corruption("index meta '" + key + "' underflow");
  }
  return meta->Put(key, U64(count + static_cast<uint64_t>(delta)));
}

class StoreIndexSnapshot final : public IndexSnapshot {
 public:
  StoreIndexSnapshot(std::unique_ptr<storage::StoreReadTransaction> txn, uint64_t covered)
      : txn_(std::move(txn)), covered_(covered) {}

  uint64_t covered_etag() const override { return covered_; }

  Result<std::optional<IndexEntry>> GetEntry(std::string_view lower_id) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * entries, txn_->OpenTree(kEntriesTree));
    std::string_view bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, entries->GetView(lower_id, &bytes));
    if (!found) return std::optional<IndexEntry>();
    ROOKERY_ASSIGN_OR_RETURN(auto entry, DecodeMapEntry(bytes, lower_id));
    return std::optional<IndexEntry>(std::move(entry));
  }

  Status ForEachEntry(const std::function<bool(IndexEntry&)>& fn) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * entries, txn_->OpenTree(kEntriesTree));
    Status failed;
    ROOKERY_RETURN_IF_ERROR(
        storage::ForEachInRange(txn_->pages(), entries->stats(), std::string_view(), std::nullopt,
                                [&](std::string_view key, std::string_view value) {
                                  auto entry = DecodeMapEntry(value, key);
                                  if (!entry.ok()) {
                                    failed = entry.status();
                                    return false;
                                  }
                                  return fn(*entry);
                                }));
    return failed;
  }

  Status ForEachTerm(std::string_view path, std::string_view lo, std::optional<std::string_view> hi,
                     const std::function<bool(std::string_view)>& fn) override {
    auto tree = txn_->OpenTree(TermTreeName(path));
    if (!tree.ok()) return tree.status();
    Status failed;
    ROOKERY_RETURN_IF_ERROR(storage::ForEachInRange(
        txn_->pages(), (*tree)->stats(), lo, hi, [&](std::string_view key, std::string_view value) {
          // value = the lower id; the key ends with it.
          (void)key;
          return fn(value);
        }));
    return failed;
  }

  Status ForEachTermKey(
      std::string_view path, std::string_view lo, std::optional<std::string_view> hi,
      const std::function<bool(std::string_view, std::string_view)>& fn) override {
    auto tree = txn_->OpenTree(TermTreeName(path));
    if (!tree.ok()) return tree.status();
    return storage::ForEachInRange(txn_->pages(), (*tree)->stats(), lo, hi, fn);
  }

  Result<uint64_t> CountTerms(std::string_view path, std::string_view lo,
                              std::optional<std::string_view> hi) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tree, txn_->OpenTree(TermTreeName(path)));
    storage::TreeIterator it = txn_->Iterate(tree);
    it.Seek(lo);
    const uint64_t n = it.CountUntil(hi);
    ROOKERY_RETURN_IF_ERROR(it.status());
    return n;
  }

  Result<std::optional<uint64_t>> IrregularEntries(std::string_view path) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn_->OpenTree(kMetaTree));
    const std::string key = IrregularKey(path);
    std::string bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(key, &bytes));
    if (!found) return std::optional<uint64_t>();
    ROOKERY_ASSIGN_OR_RETURN(uint64_t count, ReadU64(bytes, key));
    return std::optional<uint64_t>(count);
  }

  Status ForEachReduceResult(const std::function<bool(ReduceResult&)>& fn) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * reduce, txn_->OpenTree(kReduceTree));
    Status failed;
    ROOKERY_RETURN_IF_ERROR(storage::ForEachInRange(
        txn_->pages(), reduce->stats(), std::string_view(), std::nullopt,
        [&](std::string_view key, std::string_view value) {
          auto v = json::Parse(value);
          const json::Value* k = v.ok() ? v->Find("k") : nullptr;
          const json::Value* c = v.ok() ? v->Find("c") : nullptr;
          const json::Value* s = v.ok() ? v->Find("s") : nullptr;
          if (k == nullptr || c == nullptr || s == nullptr || !k->is_array() || !s->is_array()) {
            failed = Status::Corruption("reduce result '" + std::string(key) + "' is invalid");
            return false;
          }
          ReduceResult r;
          r.keys = k->items();
          r.count = c->as_uint();
          r.sums = s->items();
          return fn(r);
        }));
    return failed;
  }

  Status ForEachJsResult(const std::function<bool(json::Value&)>& fn) override {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * results, txn_->OpenTree(kJsResultsTree));
    Status failed;
    ROOKERY_RETURN_IF_ERROR(storage::ForEachInRange(
        txn_->pages(), results->stats(), std::string_view(), std::nullopt,
        [&](std::string_view key, std::string_view value) {
          auto v = json::Parse(value);
          if (!v.ok() || !v->is_array()) {
            failed = Status::Corruption("index reduce result '" + std::string(key) +
                                        "' is not a JSON array");
            return false;
          }
          for (json::Value& r : v->items()) {
            if (!fn(r)) return false;
          }
          return true;
        }));
    return failed;
  }

  uint64_t entry_count() const override {
    auto entries = txn_->OpenTree(kEntriesTree);
    return entries.ok() ? (*entries)->stats().entries : 0;
  }

 private:
  std::unique_ptr<storage::StoreReadTransaction> txn_;
  uint64_t covered_;
};

}  // namespace

std::string InvalidIndexMessage(std::string_view name, const IndexStats& stats, bool is_stale) {
  constexpr double kFailureThreshold = 0.15;
  constexpr uint64_t kSufficientAttempts = 100;
  constexpr uint64_t kMinimalAttempts = 6;  // RavenDB: (int)(100 / (0.15 * 100))
  const uint64_t attempts = stats.map_attempts + stats.reduce_attempts;
  const uint64_t errors = stats.map_errors + stats.reduce_errors;
  if (attempts == 0 || errors == 0) return std::string();
  const double rate = static_cast<double>(errors) / static_cast<double>(attempts);
  bool invalid = false;
  if (attempts > kSufficientAttempts) {
    invalid = rate > kFailureThreshold;
  } else if (!is_stale) {  // too few attempts while indexing: let it index more first
    invalid = attempts >= kMinimalAttempts ? rate > kFailureThreshold : attempts == errors;
  }
  if (!invalid) return std::string();
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.2f%%", rate * 100);
  std::string out = "Index " + std::string(name) + " is invalid, out of " +
                    std::to_string(stats.map_attempts) + " map attempts";
  if (stats.reduce_attempts != 0) {
    out += " and " + std::to_string(stats.reduce_attempts) + " reduce attempts, " +
           std::to_string(stats.map_errors) + " and " + std::to_string(stats.reduce_errors) +
           " has failed respectively.";
  } else {
    out += ", " + std::to_string(stats.map_errors) + " has failed.";
  }
  return out + " Error rate of " + percent + " exceeds allowed 15% error rate";
}

bool IsIrregular(const json::Value& values, size_t lower_id_size) {
  size_t count = 0;
  const json::Value* first = nullptr;
  CountLeaves(values, &count, &first);
  if (count == 0) return false;
  if (count > 1) return true;
  if (first->type() == json::Type::kInt || first->type() == json::Type::kUint) {
    constexpr uint64_t kExact = uint64_t{1} << 53;  // every integer up to here is a double
    const bool exact = first->type() == json::Type::kInt
                           ? (first->as_int() >= -static_cast<int64_t>(kExact) &&
                              first->as_int() <= static_cast<int64_t>(kExact))
                           : first->as_uint() <= kExact;
    if (!exact) return true;
  }
  auto term = EncodeTerm(*first);
  return term && term->size() + lower_id_size > storage::btree::kMaxKeySize;
}

Index::Index(platform::Env& env, std::string dir, std::unique_ptr<storage::Store> store,
             IndexDefinition definition)
    : env_(env),
      dir_(std::move(dir)),
      store_(std::move(store)),
      definition_(std::move(definition)) {
  // The first segment of every path the index reads: only those members are converted.
  for (const auto* paths : {&definition_.fields, &definition_.group_by, &definition_.sums}) {
    for (const std::string& path : *paths) {
      std::string_view root = path;
      root = root.substr(0, std::min(root.find('.'), root.find("[]")));
      if (std::find(root_keys_.begin(), root_keys_.end(), root) == root_keys_.end()) {
        root_keys_.push_back(root);
      }
    }
  }
}

Index::~Index() {
  Shutdown();
}

Result<std::unique_ptr<Index>> Index::Create(platform::Env& env, std::string dir,
                                             IndexDefinition definition) {
  definition.Normalize();
  ROOKERY_RETURN_IF_ERROR(env.CreateDirs(dir));
  ROOKERY_ASSIGN_OR_RETURN(auto store, storage::Store::Open(env, dir));
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store->BeginWrite());
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenOrCreateTree(kMetaTree));
  std::string existing;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(kDefinitionKey, &existing));
  if (found) return Status::AlreadyExists("an index is stored in " + dir + " already");
  const uint64_t now = env.NowMicros();
  ROOKERY_RETURN_IF_ERROR(meta->Put(kDefinitionKey, json::Serialize(definition.ToJson())));
  ROOKERY_RETURN_IF_ERROR(meta->Put(kCoveredKey, U64(0)));
  ROOKERY_RETURN_IF_ERROR(meta->Put(kCreatedKey, U64(now)));
  if (IsJavaScript(definition.type)) {
    ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kJsDocsTree).status());
    ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kJsRefsTree).status());
    if (definition.type == IndexType::kJavaScriptMap) {
      ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kEntriesTree).status());
    } else {
      ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kJsMapTree).status());
      ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kJsResultsTree).status());
    }
  } else if (definition.type == IndexType::kAutoMap) {
    ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kEntriesTree).status());
    for (const std::string& path : definition.fields) {
      ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(TermTreeName(path)).status());
      ROOKERY_RETURN_IF_ERROR(meta->Put(IrregularKey(path), U64(0)));
    }
  } else {
    ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kEntriesTree).status());
    ROOKERY_RETURN_IF_ERROR(txn->OpenOrCreateTree(kReduceTree).status());
  }
  ROOKERY_RETURN_IF_ERROR(txn->Commit());
  std::unique_ptr<Index> index(
      new Index(env, std::move(dir), std::move(store), std::move(definition)));
  index->stats_.created_micros = now;
  return index;
}

Result<std::unique_ptr<Index>> Index::Open(platform::Env& env, std::string dir) {
  ROOKERY_ASSIGN_OR_RETURN(auto store, storage::Store::Open(env, dir));
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store->BeginRead());
  auto meta = txn->OpenTree(kMetaTree);
  if (!meta.ok()) return Status::NotFound("no index definition in " + dir);
  std::string value;
  ROOKERY_ASSIGN_OR_RETURN(bool found, (*meta)->Get(kDefinitionKey, &value));
  if (!found) return Status::NotFound("no index definition in " + dir);
  ROOKERY_ASSIGN_OR_RETURN(auto json, json::Parse(value));
  ROOKERY_ASSIGN_OR_RETURN(auto definition, IndexDefinition::FromJson(json));
  ROOKERY_ASSIGN_OR_RETURN(found, (*meta)->Get(kCoveredKey, &value));
  uint64_t covered = 0;
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(covered, ReadU64(value, kCoveredKey));
  }
  uint64_t created = 0;
  ROOKERY_ASSIGN_OR_RETURN(found, (*meta)->Get(kCreatedKey, &value));
  if (found) {
    ROOKERY_ASSIGN_OR_RETURN(created, ReadU64(value, kCreatedKey));
  }
  txn.reset();
  std::unique_ptr<Index> index(
      new Index(env, std::move(dir), std::move(store), std::move(definition)));
  index->covered_.store(covered);
  index->stats_.created_micros = created;
  if (IsJavaScript(index->definition_.type)) ROOKERY_RETURN_IF_ERROR(index->LoadErrors());
  return index;
}

std::optional<json::Value> Index::ParseForIndexing(const documents::Change& change) {
  json::ParseOptions options;
  options.only_root_keys = &root_keys_;
  auto doc = json::Parse(change.json, options);
  if (doc.ok()) return std::move(doc).value();
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.map_errors;
  stats_.last_error = "document '" + change.id + "': " + doc.status().ToString();
  return std::nullopt;
}

Status Index::ApplyMap(storage::StoreWriteTransaction& txn, const MapTrees& trees,
                       const documents::Change& change) {
  storage::Tree* entries = trees.entries;
  const std::string lower_id = documents::Lower(change.id);
  std::string old_bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool had, entries->Get(lower_id, &old_bytes));
  if (had) {
    ROOKERY_ASSIGN_OR_RETURN(auto old, DecodeMapEntry(old_bytes, lower_id));
    for (const json::Member& m : old.fields.members()) {
      if (IsIrregular(m.second, lower_id.size())) {
        ROOKERY_RETURN_IF_ERROR(AddIrregular(txn, m.first, -1));
      }
      std::vector<std::string> terms;
      AppendTerms(m.second, &terms);
      if (terms.empty()) continue;
      ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tree, txn.OpenTree(TermTreeName(m.first)));
      for (std::string& term : terms) {
        ROOKERY_RETURN_IF_ERROR(tree->Delete(term + lower_id).status());
      }
    }
    ROOKERY_RETURN_IF_ERROR(entries->Delete(lower_id).status());
  }
  if (change.deleted) return Status::Ok();
  auto doc = ParseForIndexing(change);
  if (!doc) return Status::Ok();  // counted as a map error
  std::vector<json::Member> fields;
  fields.reserve(definition_.fields.size());
  std::vector<std::string> terms;
  for (size_t i = 0; i < definition_.fields.size(); ++i) {
    const std::string& path = definition_.fields[i];
    json::Value values = Collect(*doc, path);
    terms.clear();
    AppendTerms(values, &terms);
    for (std::string& term : terms) {
      if (term.size() + lower_id.size() > storage::btree::kMaxKeySize) continue;  // too long
      term.append(lower_id);
      ROOKERY_RETURN_IF_ERROR(trees.terms[i]->Put(term, lower_id));
    }
    if (IsIrregular(values, lower_id.size())) {
      ROOKERY_RETURN_IF_ERROR(AddIrregular(txn, path, +1));
    }
    fields.emplace_back(path, std::move(values));
  }
  return entries->Put(lower_id, EncodeMapEntry(change.id, json::Value::Object(std::move(fields))));
}

Status Index::ApplyMapReduce(storage::StoreWriteTransaction& txn, const documents::Change& change) {
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * entries, txn.OpenTree(kEntriesTree));
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * reduce, txn.OpenTree(kReduceTree));
  const std::string lower_id = documents::Lower(change.id);

  // Adds (sign +1) or removes (-1) one document's contribution {"k": keys, "s": sums}.
  auto contribute = [&](const json::Value& keys, const json::Value& sums, int sign) -> Status {
    const std::string group = json::Serialize(keys);
    std::string bytes;
    ROOKERY_ASSIGN_OR_RETURN(bool found, reduce->Get(group, &bytes));
    uint64_t count = 0;
    std::vector<json::Value> totals(definition_.sums.size(), json::Value::Int(0));
    if (found) {
      ROOKERY_ASSIGN_OR_RETURN(auto current, json::Parse(bytes));
      const json::Value* c = current.Find("c");
      const json::Value* s = current.Find("s");
      if (c == nullptr || s == nullptr || !s->is_array() || s->items().size() != totals.size()) {
        return Status::Corruption("reduce result '" + group + "' is invalid");
      }
      count = c->as_uint();
      totals = s->items();
    }
    if (sign < 0 && count == 0)
      return Status::Corruption("reduce result '" + group + "' underflow");
    count = sign > 0 ? count + 1 : count - 1;
    if (count == 0) return reduce->Delete(group).status();
    for (size_t i = 0; i < totals.size() && i < sums.items().size(); ++i) {
      totals[i] = AddNumbers(totals[i], sums.items()[i], sign);
    }
    std::vector<json::Member> m;
    m.emplace_back("k", keys);
    m.emplace_back("c", json::Value::Uint(count));
    m.emplace_back("s", json::Value::Array(std::move(totals)));
    return reduce->Put(group, json::Serialize(json::Value::Object(std::move(m))));
  };

  std::string old_bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool had, entries->Get(lower_id, &old_bytes));
  if (had) {
    ROOKERY_ASSIGN_OR_RETURN(auto old, json::Parse(old_bytes));
    const json::Value* k = old.Find("k");
    const json::Value* s = old.Find("s");
    if (k == nullptr || s == nullptr) {
      return Status::Corruption("map-reduce entry '" + lower_id + "' is invalid");
    }
    ROOKERY_RETURN_IF_ERROR(contribute(*k, *s, -1));
    ROOKERY_RETURN_IF_ERROR(entries->Delete(lower_id).status());
  }
  if (change.deleted) return Status::Ok();
  auto doc = ParseForIndexing(change);
  if (!doc) return Status::Ok();  // counted as a map error
  std::vector<json::Value> keys;
  for (const std::string& path : definition_.group_by)
    keys.push_back(GroupValue(Collect(*doc, path)));
  std::vector<json::Value> sums;
  for (const std::string& path : definition_.sums) sums.push_back(SumOf(Collect(*doc, path)));
  json::Value k = json::Value::Array(std::move(keys));
  json::Value s = json::Value::Array(std::move(sums));
  ROOKERY_RETURN_IF_ERROR(contribute(k, s, +1));
  std::vector<json::Member> m;
  m.emplace_back("k", std::move(k));
  m.emplace_back("s", std::move(s));
  return entries->Put(lower_id, json::Serialize(json::Value::Object(std::move(m))));
}

Status Index::Apply(const documents::ChangeBatch& batch, const JsBatchContext* js) {
  Status s = ApplyBatch(batch, js);
  if (!s.ok() && IsJavaScript(definition_.type)) {
    // The batch is retried: what it counted goes back to the committed figures.
    Status reloaded = LoadErrors();
    if (!reloaded.ok()) s = s.WithContext("reloading index errors: " + reloaded.ToString());
  }
  batch_errors_.clear();
  return s;
}

Status Index::ApplyBatch(const documents::ChangeBatch& batch, const JsBatchContext* js) {
  if (batch.changes.empty() && batch.covered_etag <= covered_etag()) return Status::Ok();
  const bool javascript = IsJavaScript(definition_.type);
  if (javascript && (js == nullptr || js->program == nullptr || js->database == nullptr)) {
    return Status::InvalidArgument("JavaScript index '" + definition_.name +
                                   "' needs its compiled program to be applied");
  }
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  if (javascript) ROOKERY_RETURN_IF_ERROR(ApplyJs(*txn, batch, *js));
  MapTrees trees;
  if (definition_.type == IndexType::kAutoMap) {
    ROOKERY_ASSIGN_OR_RETURN(trees.entries, txn->OpenTree(kEntriesTree));
    for (const std::string& path : definition_.fields) {
      ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tree, txn->OpenTree(TermTreeName(path)));
      trees.terms.push_back(tree);
    }
  }
  for (size_t i = 0; !javascript && i < batch.changes.size(); ++i) {
    if (definition_.type == IndexType::kAutoMap) {
      ROOKERY_RETURN_IF_ERROR(ApplyMap(*txn, trees, batch.changes[i]));
    } else {
      ROOKERY_RETURN_IF_ERROR(ApplyMapReduce(*txn, batch.changes[i]));
    }
  }
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(kMetaTree));
  ROOKERY_RETURN_IF_ERROR(meta->Put(kCoveredKey, U64(batch.covered_etag)));
  std::string errored;
  if (javascript) ROOKERY_RETURN_IF_ERROR(PersistErrors(*txn, batch, *js, &errored));
  ROOKERY_RETURN_IF_ERROR(txn->Commit());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!errored.empty()) errored_ = std::move(errored);
    covered_.store(batch.covered_etag, std::memory_order_release);
    if (!javascript) stats_.map_attempts += batch.changes.size();  // ApplyJs counts its own
    if (!batch.changes.empty()) stats_.last_indexing_micros = env_.NowMicros();
  }
  progressed_.notify_all();
  return Status::Ok();
}

Result<std::unique_ptr<IndexSnapshot>> Index::Snapshot() {
  // The covered etag is read before the transaction: the snapshot holds at least that much.
  const uint64_t covered = covered_etag();
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  return std::unique_ptr<IndexSnapshot>(new StoreIndexSnapshot(std::move(txn), covered));
}

IndexStats Index::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  IndexStats s = stats_;
  s.covered_etag = covered_etag();
  auto snapshot = store_->BeginRead();
  if (snapshot.ok()) {
    std::string_view counted = kEntriesTree;
    if (definition_.type == IndexType::kAutoMapReduce) counted = kReduceTree;
    if (definition_.type == IndexType::kJavaScriptMapReduce) counted = kJsResultsTree;
    auto tree = (*snapshot)->OpenTree(counted);
    if (tree.ok()) s.entries = (*tree)->stats().entries;
  }
  return s;
}

uint64_t Index::last_indexing_micros() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_.last_indexing_micros;
}

std::vector<IndexError> Index::recent_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<IndexError>(recent_errors_.begin(), recent_errors_.end());
}

void Index::RecordError(std::string document, std::string action, const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (action == "Reduce") {
    ++stats_.reduce_errors;
  } else {
    ++stats_.map_errors;
  }
  IndexError e{env_.NowMicros(), std::move(document), std::move(action),
               std::string(status.message())};
  stats_.last_error = e.action + " of '" + e.document + "': " + e.error;
  batch_errors_.push_back(e);
  recent_errors_.push_back(std::move(e));
  if (recent_errors_.size() > kMaxRecentErrors) recent_errors_.pop_front();
}

std::string Index::errored() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errored_;
}

namespace {

std::string ErrorKey(uint64_t seq) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((seq >> (8 * (7 - i))) & 0xFF);
  return out;
}

uint64_t ErrorSeq(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return v;
}

constexpr std::string_view kCounterNames[] = {"MapAttempts", "MapErrors", "ReduceAttempts",
                                              "ReduceErrors"};

std::array<uint64_t*, 4> Counters(IndexStats& s) {
  return {&s.map_attempts, &s.map_errors, &s.reduce_attempts, &s.reduce_errors};
}

}  // namespace

Status Index::PersistErrors(storage::StoreWriteTransaction& txn,
                            const documents::ChangeBatch& batch, const JsBatchContext& js,
                            std::string* errored) {
  IndexStats now;
  bool was_errored = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = stats_;
    was_errored = !errored_.empty();
  }
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn.OpenTree(kMetaTree));
  std::vector<json::Member> counters;
  auto values = Counters(now);
  for (size_t i = 0; i < values.size(); ++i)
    counters.emplace_back(std::string(kCounterNames[i]), json::Value::Uint(*values[i]));
  ROOKERY_RETURN_IF_ERROR(
      meta->Put(kJsStatsKey, json::Serialize(json::Value::Object(std::move(counters)))));
  if (!batch_errors_.empty()) {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * errors, txn.OpenOrCreateTree(kJsErrorsTree));
    for (const IndexError& e : batch_errors_) {
      std::vector<json::Member> m;
      m.emplace_back("t", json::Value::Uint(e.micros));
      m.emplace_back("d", json::Value::String(e.document));
      m.emplace_back("a", json::Value::String(e.action));
      m.emplace_back("e", json::Value::String(e.error));
      ROOKERY_RETURN_IF_ERROR(errors->Put(ErrorKey(next_error_seq_++),
                                          json::Serialize(json::Value::Object(std::move(m)))));
    }
    // Only the last kMaxRecentErrors are kept.
    std::vector<std::string> old;
    const std::string keep_from =
        ErrorKey(next_error_seq_ > kMaxRecentErrors ? next_error_seq_ - kMaxRecentErrors : 0);
    ROOKERY_RETURN_IF_ERROR(storage::ForEachInRange(txn.pages(), errors->stats(),
                                                    std::string_view(), keep_from,
                                                    [&](std::string_view key, std::string_view) {
                                                      old.emplace_back(key);
                                                      return true;
                                                    }));
    for (const std::string& key : old) ROOKERY_RETURN_IF_ERROR(errors->Delete(key).status());
  }
  if (was_errored) return Status::Ok();
  // RavenDB's rule; staleness only matters (and is only asked for) below 100 attempts.
  const uint64_t attempts = now.map_attempts + now.reduce_attempts;
  const uint64_t failures = now.map_errors + now.reduce_errors;
  bool stale = true;
  if (failures != 0 && attempts <= 100 && js.stale_after) {
    auto s = js.stale_after(batch.covered_etag);
    stale = !s.ok() || *s;
  }
  *errored = InvalidIndexMessage(definition_.name, now, stale);
  if (errored->empty()) return Status::Ok();
  return meta->Put(kErroredKey, *errored);
}

Status Index::LoadErrors() {
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * meta, txn->OpenTree(kMetaTree));
  IndexStats loaded;
  std::string bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool found, meta->Get(kJsStatsKey, &bytes));
  if (found) {
    auto v = json::Parse(bytes);
    if (!v.ok() || !v->is_object()) return Status::Corruption("index meta 'js-stats' is invalid");
    auto values = Counters(loaded);
    for (size_t i = 0; i < values.size(); ++i) {
      const json::Value* n = v->Find(kCounterNames[i]);
      if (n != nullptr && n->is_number()) *values[i] = n->as_uint();
    }
  }
  std::string errored;
  ROOKERY_ASSIGN_OR_RETURN(found, meta->Get(kErroredKey, &errored));
  std::deque<IndexError> recent;
  uint64_t next_seq = 1;
  ROOKERY_ASSIGN_OR_RETURN(bool has_errors, txn->TreeExists(kJsErrorsTree));
  if (has_errors) {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * errors, txn->OpenTree(kJsErrorsTree));
    Status failed;
    ROOKERY_RETURN_IF_ERROR(storage::ForEachInRange(
        txn->pages(), errors->stats(), std::string_view(), std::nullopt,
        [&](std::string_view key, std::string_view value) {
          auto v = json::Parse(value);
          const json::Value* t = v.ok() ? v->Find("t") : nullptr;
          const json::Value* d = v.ok() ? v->Find("d") : nullptr;
          const json::Value* a = v.ok() ? v->Find("a") : nullptr;
          const json::Value* e = v.ok() ? v->Find("e") : nullptr;
          if (t == nullptr || d == nullptr || a == nullptr || e == nullptr || !d->is_string() ||
              !a->is_string() || !e->is_string()) {
            failed = Status::Corruption("index js-errors entry is invalid");
            return false;
          }
          recent.push_back({t->as_uint(), d->as_string(), a->as_string(), e->as_string()});
          next_seq = ErrorSeq(key) + 1;
          return true;
        }));
    ROOKERY_RETURN_IF_ERROR(failed);
  }
  while (recent.size() > kMaxRecentErrors) recent.pop_front();
  std::lock_guard<std::mutex> lock(mu_);
  auto into = Counters(stats_);
  auto from = Counters(loaded);
  for (size_t i = 0; i < into.size(); ++i) *into[i] = *from[i];
  stats_.last_error = recent.empty() ? std::string()
                                     : recent.back().action + " of '" + recent.back().document +
                                           "': " + recent.back().error;
  recent_errors_ = std::move(recent);
  errored_ = std::move(errored);
  next_error_seq_ = next_seq;
  return Status::Ok();
}

void Index::NoteQueried() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.last_query_micros = env_.NowMicros();
}

uint64_t Index::WaitForCoverage(uint64_t etag, uint64_t timeout_micros) {
  std::unique_lock<std::mutex> lock(mu_);
  progressed_.wait_for(lock, std::chrono::microseconds(timeout_micros),
                       [&] { return shutdown_ || covered_etag() >= etag; });
  return covered_etag();
}

void Index::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  progressed_.notify_all();
}

}  // namespace rookery::indexing
