// Applying a batch of document changes to a JavaScript index (docs/design/js-indexes.md, byte
// formats in docs/formats/index.md, "JavaScript indexes").
#include <cstring>
#include <map>

#include "base/checksum.h"
#include "documents/ids.h"
#include "indexing/index.h"
#include "indexing/index_internal.h"

namespace rookery::indexing {
namespace {

// A reduce key text longer than this is an error for the document: group keys must fit in a
// B+tree key together with the hash.
constexpr size_t kMaxReduceKeyText = 1024;

void AppendBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string GroupPrefix(std::string_view key_text) {
  std::string out;
  AppendBigEndian(Hash64(key_text), 8, &out);
  return out;
}

// lower id, 00, entry number (u32 big-endian): entries of one document, in output order.
std::string EntrySuffix(std::string_view lower_id, uint32_t n) {
  std::string out(lower_id);
  out.push_back('\0');
  AppendBigEndian(n, 4, &out);
  return out;
}

std::string RefKey(std::string_view loaded_lower, std::string_view loader_lower) {
  std::string out(loaded_lower);
  out.push_back('\0');
  out.append(loader_lower);
  return out;
}

// The js-docs record of one source document.
struct DocRecord {
  uint64_t entries = 0;           // JavaScriptMap
  std::vector<std::string> keys;  // JavaScriptMapReduce: reduce key text of entry i
  std::vector<std::string> refs;  // lower ids of the documents it loaded
  bool empty() const { return entries == 0 && keys.empty() && refs.empty(); }
};

json::Value Strings(const std::vector<std::string>& v) {
  std::vector<json::Value> items;
  items.reserve(v.size());
  for (const std::string& s : v) items.push_back(json::Value::String(s));
  return json::Value::Array(std::move(items));
}

std::string EncodeRecord(const DocRecord& r) {
  std::vector<json::Member> m;
  if (r.entries != 0) m.emplace_back("n", json::Value::Uint(r.entries));
  if (!r.keys.empty()) m.emplace_back("k", Strings(r.keys));
  if (!r.refs.empty()) m.emplace_back("r", Strings(r.refs));
  return json::Serialize(json::Value::Object(std::move(m)));
}

Result<DocRecord> DecodeRecord(std::string_view bytes, std::string_view key) {
  auto v = json::Parse(bytes);
  if (!v.ok() || !v->is_object()) {
    return Status::Corruption("index js-docs record '" + std::string(key) + "' is invalid");
  }
  DocRecord r;
  if (const json::Value* n = v->Find("n"); n != nullptr && n->is_number()) r.entries = n->as_uint();
  for (auto [name, out] : {std::pair{"k", &r.keys}, std::pair{"r", &r.refs}}) {
    const json::Value* a = v->Find(name);
    if (a == nullptr) continue;
    if (!a->is_array()) {
      return Status::Corruption("index js-docs record '" + std::string(key) + "' is invalid");
    }
    for (const json::Value& s : a->items()) {
      if (s.is_string()) out->push_back(s.as_string());
    }
  }
  return r;
}

// js-map value: u32 little-endian key text length, key text, the entry as JSON.
std::string EncodeGroupEntry(std::string_view key_text, std::string_view entry) {
  std::string out(4, '\0');
  const uint32_t n = static_cast<uint32_t>(key_text.size());
  std::memcpy(out.data(), &n, 4);
  out.append(key_text);
  out.append(entry);
  return out;
}

// Documents per RunMapBatch call from one batch (the engine splits them further).
constexpr size_t kMapChunk = 4096;

// Errors of user code (recorded per document, indexing continues) versus failures of the index
// itself (storage, a failing DocumentSource: the batch fails and is retried).
bool IsUserCodeError(const Status& s) {
  return s.code() == Code::kInvalidArgument || s.code() == Code::kTimeout ||
         s.code() == Code::kNoSpace;
}

// load(id, collection) over the database's latest committed state.
class DatabaseSource final : public js::DocumentSource {
 public:
  explicit DatabaseSource(documents::Database& db) : db_(db) {}
  Result<std::optional<std::string>> Load(std::string_view id,
                                          std::string_view collection) override {
    ROOKERY_ASSIGN_OR_RETURN(auto doc, db_.Get(id));
    if (!doc || documents::Lower(doc->collection) != documents::Lower(collection)) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(std::move(doc->json));
  }

 private:
  documents::Database& db_;
};

}  // namespace

struct Index::JsTrees {
  storage::StoreWriteTransaction* txn = nullptr;
  storage::Tree* docs = nullptr;
  storage::Tree* entries = nullptr;  // JavaScriptMap
  storage::Tree* map = nullptr;      // JavaScriptMapReduce
  storage::Tree* results = nullptr;  // JavaScriptMapReduce
  storage::Tree* groups = nullptr;   // JavaScriptMapReduce
  storage::Tree* refs = nullptr;
  js::DocumentSource* source = nullptr;
};

bool Index::MapsCollection(std::string_view collection) const {
  const std::string lower = documents::Lower(collection);
  for (const std::string& c : definition_.collections) {
    if (documents::Lower(c) == lower) return true;
  }
  return false;
}

Status Index::ApplyJs(storage::StoreWriteTransaction& txn, const documents::ChangeBatch& batch,
                      const JsBatchContext& js) {
  JsTrees t;
  t.txn = &txn;
  ROOKERY_ASSIGN_OR_RETURN(t.docs, txn.OpenTree(kJsDocsTree));
  ROOKERY_ASSIGN_OR_RETURN(t.refs, txn.OpenTree(kJsRefsTree));
  if (definition_.type == IndexType::kJavaScriptMap) {
    ROOKERY_ASSIGN_OR_RETURN(t.entries, txn.OpenTree(kEntriesTree));
  } else {
    ROOKERY_ASSIGN_OR_RETURN(t.map, txn.OpenTree(kJsMapTree));
    ROOKERY_ASSIGN_OR_RETURN(t.results, txn.OpenTree(kJsResultsTree));
    // Created here rather than with the index: indexes written before js-groups get it too.
    ROOKERY_ASSIGN_OR_RETURN(t.groups, txn.OpenOrCreateTree(kJsGroupsTree));
  }
  DatabaseSource source(*js.database);
  t.source = &source;

  // Map-reduce without load(): the batch's documents are mapped first, many per call into the
  // engine (RunMapBatch), then applied in order as below.
  std::vector<js::MappedDocument> mapped;
  if (definition_.type == IndexType::kJavaScriptMapReduce && !definition_.uses_load) {
    std::vector<js::MapInput> inputs;
    for (const documents::Change& change : batch.changes) {
      inputs.push_back({.collection = change.deleted ? std::string_view() : change.collection,
                        .id = change.id,
                        .json = change.json});
      if (inputs.size() == kMapChunk || inputs.size() + mapped.size() == batch.changes.size()) {
        ROOKERY_ASSIGN_OR_RETURN(auto out, js.program->RunMapBatch(inputs));
        for (js::MappedDocument& m : out) mapped.push_back(std::move(m));
        inputs.clear();
      }
    }
  }
  JsDirtyGroups dirty;                         // groups to re-reduce
  std::set<std::string> done;                  // lower ids indexed by this batch
  std::map<std::string, std::string> loaders;  // lower id -> id: documents that loaded a change
  for (size_t i = 0; i < batch.changes.size(); ++i) {
    const documents::Change& change = batch.changes[i];
    const std::string lower = documents::Lower(change.id);
    if (definition_.uses_load && t.refs->stats().entries != 0) {
      ROOKERY_RETURN_IF_ERROR(storage::ForEachWithPrefix(
          txn.pages(), t.refs->stats(), RefKey(lower, ""),
          [&](std::string_view, std::string_view loader) {
            loaders.emplace(documents::Lower(loader), std::string(loader));
            return true;
          }));
    }
    ROOKERY_RETURN_IF_ERROR(ReindexJs(t, js, change.id, change.collection,
                                      change.deleted ? nullptr : &change.json,
                                      mapped.empty() ? nullptr : &mapped[i], &dirty));
    if (definition_.uses_load) done.insert(lower);
  }
  // Documents whose load() saw a changed id, as they are now (a later batch sees later changes).
  for (const auto& [lower, id] : loaders) {
    if (done.count(lower) != 0) continue;
    ROOKERY_ASSIGN_OR_RETURN(auto doc, js.database->Get(id));
    ROOKERY_RETURN_IF_ERROR(ReindexJs(t, js, doc ? doc->id : id, doc ? doc->collection : "",
                                      doc ? &doc->json : nullptr, nullptr, &dirty));
  }
  if (definition_.output_collection.empty()) {
    for (const auto& [key_text, group] : dirty) {
      ROOKERY_RETURN_IF_ERROR(ReduceJsGroup(txn, t, js, key_text, group));
    }
    return Status::Ok();
  }
  // OutputReduceToCollection: the documents of every touched hash before and after the reduce.
  std::map<std::string, OutputDocs> before;  // group hash prefix -> documents
  for (const auto& [key_text, group] : dirty) {
    const std::string prefix = GroupPrefix(key_text);
    if (before.count(prefix) == 0) {
      ROOKERY_ASSIGN_OR_RETURN(before[prefix], OutputDocsOf(txn, *t.results, prefix));
    }
  }
  for (const auto& [key_text, group] : dirty) {
    ROOKERY_RETURN_IF_ERROR(ReduceJsGroup(txn, t, js, key_text, group));
  }
  std::vector<documents::Command> commands;
  std::set<std::string> replaced;  // lower ids of an earlier build's documents, deleted
  if (covered_etag() == 0) {
    // The first batch of a new, reset or redefined index: output documents left by an earlier
    // build go (groups that no longer exist must not linger); this build writes its own.
    ROOKERY_RETURN_IF_ERROR(DeleteOldOutputs(*js.database, &commands, &replaced));
  }
  ROOKERY_RETURN_IF_ERROR(OutputCommands(txn, *t.results, js, before, replaced, &commands));
  // Written (and durable) before the index transaction commits: a crash in between replays the
  // batch, which writes the same documents again.
  if (!commands.empty()) {
    ROOKERY_RETURN_IF_ERROR(js.database->Execute(std::move(commands)).status());
  }
  return Status::Ok();
}

Status Index::ReindexJs(const JsTrees& t, const JsBatchContext& js, const std::string& id,
                        std::string_view collection, const std::string* json,
                        const js::MappedDocument* mapped, JsDirtyGroups* dirty) {
  const std::string lower = documents::Lower(id);
  // Retract what the document produced and loaded last time.
  std::string bytes;
  ROOKERY_ASSIGN_OR_RETURN(bool had, t.docs->Get(lower, &bytes));
  if (had) {
    ROOKERY_ASSIGN_OR_RETURN(DocRecord old, DecodeRecord(bytes, lower));
    for (uint64_t i = 0; i < old.entries; ++i) {
      ROOKERY_RETURN_IF_ERROR(
          t.entries->Delete(EntrySuffix(lower, static_cast<uint32_t>(i))).status());
    }
    for (size_t i = 0; i < old.keys.size(); ++i) {
      ROOKERY_RETURN_IF_ERROR(
          t.map->Delete(GroupPrefix(old.keys[i]) + EntrySuffix(lower, static_cast<uint32_t>(i)))
              .status());
      (*dirty)[old.keys[i]].removed = true;
    }
    for (const std::string& loaded : old.refs) {
      ROOKERY_RETURN_IF_ERROR(t.refs->Delete(RefKey(loaded, lower)).status());
    }
    ROOKERY_RETURN_IF_ERROR(t.docs->Delete(lower).status());
  }
  if (json == nullptr || !MapsCollection(collection)) return Status::Ok();

  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.map_attempts;
  }
  DocRecord record;
  if (mapped != nullptr) {
    // Mapped ahead by RunMapBatch (map-reduce without load()): entries and keys as text.
    Status failed = mapped->status;
    for (size_t i = 0; failed.ok() && i < mapped->keys.size(); ++i) {
      if (mapped->keys[i].size() > kMaxReduceKeyText) {
        failed = Status::InvalidArgument("the reduce key is longer than " +
                                         std::to_string(kMaxReduceKeyText) + " bytes");
      }
    }
    if (!failed.ok()) {
      if (!IsUserCodeError(failed)) return failed;
      RecordError(id, "Map", failed);
      return Status::Ok();
    }
    for (size_t i = 0; i < mapped->keys.size(); ++i) {
      const std::string& key = mapped->keys[i];
      ROOKERY_RETURN_IF_ERROR(
          t.map->Put(GroupPrefix(key) + EntrySuffix(lower, static_cast<uint32_t>(i)),
                     EncodeGroupEntry(key, mapped->entries[i])));
      (*dirty)[key].added.push_back(mapped->entries[i]);
    }
    record.keys = mapped->keys;
    if (record.empty()) return Status::Ok();
    return t.docs->Put(lower, EncodeRecord(record));
  }
  auto out = js.program->RunMap({.collection = collection, .id = id, .json = *json}, t.source);
  if (!out.ok()) {
    if (!IsUserCodeError(out.status())) return out.status();
    RecordError(id, "Map", out.status());
    return Status::Ok();
  }
  for (const js::LoadedReference& ref : out->references) {
    const std::string loaded = documents::Lower(ref.id);
    ROOKERY_RETURN_IF_ERROR(t.refs->Put(RefKey(loaded, lower), id));
    record.refs.push_back(loaded);
  }
  if (definition_.type == IndexType::kJavaScriptMap) {
    for (size_t i = 0; i < out->entries.size(); ++i) {
      ROOKERY_RETURN_IF_ERROR(t.entries->Put(EntrySuffix(lower, static_cast<uint32_t>(i)),
                                             EncodeMapEntry(id, out->entries[i])));
    }
    record.entries = out->entries.size();
  } else {
    // Every key first: a document whose key function fails contributes nothing.
    std::vector<std::string> keys;
    for (const json::Value& entry : out->entries) {
      auto key = js.program->ReduceKey(entry);
      Status failed = key.status();
      if (key.ok()) {
        keys.push_back(json::Serialize(*key));
        if (keys.back().size() > kMaxReduceKeyText) {
          failed = Status::InvalidArgument("the reduce key is longer than " +
                                           std::to_string(kMaxReduceKeyText) + " bytes");
        }
      }
      if (!failed.ok()) {
        if (!IsUserCodeError(failed)) return failed;
        RecordError(id, "Map", failed);
        keys.clear();
        break;
      }
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string entry = json::Serialize(out->entries[i]);
      ROOKERY_RETURN_IF_ERROR(
          t.map->Put(GroupPrefix(keys[i]) + EntrySuffix(lower, static_cast<uint32_t>(i)),
                     EncodeGroupEntry(keys[i], entry)));
      (*dirty)[keys[i]].added.push_back(entry);
    }
    record.keys = std::move(keys);
  }
  if (record.empty()) return Status::Ok();
  return t.docs->Put(lower, EncodeRecord(record));
}

Status Index::ReduceJsGroup(storage::StoreWriteTransaction& txn, const JsTrees& t,
                            const JsBatchContext& js, const std::string& key_text,
                            const JsGroupChange& change) {
  const std::string prefix = GroupPrefix(key_text);
  const std::string result_key = prefix + key_text;
  // The reduce's input: a JSON array text of the group's values.
  std::string values = "[";
  uint64_t count = 0;
  bool additive = false;
  if (!change.removed) {
    // Additive re-reduce: a large group that only gained entries is reduced from its stored
    // outputs and the new entries (the reduce must accept its own output, as RavenDB requires).
    std::string stored;
    ROOKERY_ASSIGN_OR_RETURN(bool counted, t.groups->Get(result_key, &stored));
    uint64_t old_count = 0;
    if (counted) {
      ROOKERY_ASSIGN_OR_RETURN(old_count, ReadU64(stored, "js-groups count"));
    }
    std::string outputs;
    if (counted && old_count >= js.flat_group_limit) {
      ROOKERY_ASSIGN_OR_RETURN(bool has_result, t.results->Get(result_key, &outputs));
      // "[...]" with at least one output (a failed or empty reduce leaves none to build on).
      if (has_result && outputs.size() > 2 && outputs.front() == '[' && outputs.back() == ']') {
        values.append(outputs, 1, outputs.size() - 2);
        for (const std::string& entry : change.added) values.append(",").append(entry);
        count = old_count + change.added.size();
        additive = true;
      }
    }
  }
  if (!additive) {
    Status failed;
    ROOKERY_RETURN_IF_ERROR(storage::ForEachWithPrefix(
        txn.pages(), t.map->stats(), prefix, [&](std::string_view key, std::string_view value) {
          uint32_t n = 0;
          if (value.size() >= 4) std::memcpy(&n, value.data(), 4);
          if (value.size() < 4 || value.size() - 4 < n) {
            failed =
                Status::Corruption("index js-map entry '" + std::string(key) + "' is truncated");
            return false;
          }
          if (value.substr(4, n) != key_text) return true;  // another group, same hash
          if (count++ != 0) values.push_back(',');
          values.append(value.substr(4 + n));
          return true;
        }));
    ROOKERY_RETURN_IF_ERROR(failed);
  }
  values.push_back(']');
  if (count == 0) {
    ROOKERY_RETURN_IF_ERROR(t.groups->Delete(result_key).status());
    return t.results->Delete(result_key).status();
  }
  ROOKERY_RETURN_IF_ERROR(t.groups->Put(result_key, U64(count)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.reduce_attempts;
  }
  auto reduced = js.program->RunReduceText(values);
  if (!reduced.ok()) {
    if (!IsUserCodeError(reduced.status())) return reduced.status();
    RecordError(key_text, "Reduce", reduced.status());
    return t.results->Delete(result_key).status();
  }
  return t.results->Put(result_key, json::Serialize(json::Value::Array(std::move(*reduced))));
}

}  // namespace rookery::indexing
