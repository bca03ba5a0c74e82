// OutputReduceToCollection: the artificial output documents of a JavaScript map-reduce index and
// the reference documents of PatternForOutputReduceToCollectionReferences
// (docs/design/js-indexes.md, "Output collections"; formats in docs/formats/index.md).
#include <map>
#include <optional>
#include <set>

#include "documents/ids.h"
#include "indexing/index.h"
#include "indexing/index_internal.h"
#include "indexing/output_references.h"

namespace rookery::indexing {
namespace {

// Reference ids longer than this are an error for the output (js-out-refs keys hold them).
constexpr size_t kMaxReferenceId = 1024;

std::string OutputKey(std::string_view lower_output) {
  return "o" + std::string(lower_output);
}

std::string ReferencePrefix(std::string_view lower_ref) {
  std::string out = "r" + std::string(lower_ref);
  out.push_back('\0');
  return out;
}

// Forgets which reference document `output_id` mapped to; the reference is touched.
Status Unlink(storage::Tree& refs, const std::string& output_id,
              std::map<std::string, std::string>* touched) {
  const std::string lower = documents::Lower(output_id);
  std::string ref;
  ROOKERY_ASSIGN_OR_RETURN(bool found, refs.Get(OutputKey(lower), &ref));
  if (!found) return Status::Ok();
  const std::string lower_ref = documents::Lower(ref);
  ROOKERY_RETURN_IF_ERROR(refs.Delete(OutputKey(lower)).status());
  ROOKERY_RETURN_IF_ERROR(refs.Delete(ReferencePrefix(lower_ref) + lower).status());
  touched->emplace(lower_ref, ref);
  return Status::Ok();
}

Status Link(storage::Tree& refs, const std::string& output_id, const std::string& ref,
            std::map<std::string, std::string>* touched) {
  const std::string lower = documents::Lower(output_id);
  const std::string lower_ref = documents::Lower(ref);
  ROOKERY_RETURN_IF_ERROR(refs.Put(OutputKey(lower), ref));
  ROOKERY_RETURN_IF_ERROR(refs.Put(ReferencePrefix(lower_ref) + lower, output_id));
  touched->emplace(lower_ref, ref);
  return Status::Ok();
}

bool IsArtificial(const documents::Document& d) {
  return d.flags.find("Artificial") != std::string::npos;
}

}  // namespace

Status Index::DeleteOldOutputs(documents::Database& db, std::vector<documents::Command>* out,
                               std::set<std::string>* deleted) {
  auto remove = [&](const documents::Document& d) {
    out->push_back(documents::DeleteCommand{.id = d.id});
    deleted->insert(documents::Lower(d.id));
  };
  documents::StartsWithQuery q;
  q.prefix = definition_.output_collection + "/";
  q.page_size = 1024;
  while (true) {
    ROOKERY_ASSIGN_OR_RETURN(auto page, db.GetStartingWith(q));
    for (const documents::Document& d : page) {
      if (documents::Lower(d.collection) == documents::Lower(definition_.output_collection) &&
          IsArtificial(d)) {
        remove(d);
      }
    }
    if (page.size() < q.page_size) break;
    q.start_after = page.back().id;
  }
  if (definition_.reference_pattern.empty()) return Status::Ok();
  // Reference documents have any id: scan their collection.
  ROOKERY_ASSIGN_OR_RETURN(auto ids, ArtificialDocumentIds(db, ReferencesCollection(definition_)));
  for (std::string& id : ids) {
    if (deleted->insert(documents::Lower(id)).second) {
      out->push_back(documents::DeleteCommand{.id = std::move(id)});
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ArtificialDocumentIds(documents::Database& db,
                                                       std::string_view collection) {
  std::vector<std::string> out;
  uint64_t from = 0;
  while (true) {
    ROOKERY_ASSIGN_OR_RETURN(auto batch, db.ReadChanges(from, collection, 1024));
    std::vector<std::string> ids;
    for (const documents::Change& c : batch.changes) {
      if (!c.deleted) ids.push_back(c.id);
    }
    ROOKERY_ASSIGN_OR_RETURN(auto docs, db.GetMany(ids));
    for (const auto& d : docs) {
      if (d && documents::Lower(d->collection) == documents::Lower(collection) &&
          IsArtificial(*d)) {
        out.push_back(d->id);
      }
    }
    if (batch.covered_etag >= batch.last_etag || batch.covered_etag <= from) return out;
    from = batch.covered_etag;
  }
}

Result<Index::OutputDocs> Index::OutputDocsOf(storage::StoreWriteTransaction& txn,
                                              storage::Tree& results, std::string_view prefix) {
  std::vector<std::string> docs;  // serialized, @metadata set, in key order
  Status failed;
  ROOKERY_RETURN_IF_ERROR(storage::ForEachWithPrefix(
      txn.pages(), results.stats(), prefix, [&](std::string_view key, std::string_view value) {
        auto parsed = json::Parse(value);
        if (!parsed.ok() || !parsed->is_array()) {
          failed =
              Status::Corruption("index js-results entry '" + std::string(key) + "' is invalid");
          return false;
        }
        for (json::Value& r : parsed->items()) {
          if (!r.is_object()) continue;  // not an object: no document (formats/index.md)
          r.Set("@metadata",
                json::Value::Object(
                    {{"@collection", json::Value::String(definition_.output_collection)}}));
          docs.push_back(json::Serialize(r));
        }
        return true;
      }));
  ROOKERY_RETURN_IF_ERROR(failed);
  uint64_t hash = 0;
  for (unsigned char c : prefix.substr(0, 8)) hash = (hash << 8) | c;
  const std::string base = definition_.output_collection + "/" + std::to_string(hash);
  OutputDocs out;
  if (docs.size() == 1) {
    out.emplace(base, std::move(docs[0]));
  } else {
    for (size_t i = 0; i < docs.size(); ++i) {
      out.emplace(base + "/" + std::to_string(i), std::move(docs[i]));
    }
  }
  return out;
}

Status Index::OutputCommands(storage::StoreWriteTransaction& txn, storage::Tree& results,
                             const JsBatchContext& js,
                             const std::map<std::string, OutputDocs>& before,
                             const std::set<std::string>& replaced,
                             std::vector<documents::Command>* commands) {
  std::optional<ReferencePattern> pattern;
  storage::Tree* refs = nullptr;
  if (!definition_.reference_pattern.empty()) {
    ROOKERY_ASSIGN_OR_RETURN(pattern, ParseReferencePattern(definition_.reference_pattern));
    ROOKERY_ASSIGN_OR_RETURN(refs, txn.OpenOrCreateTree(kJsOutRefsTree));
  }
  std::map<std::string, std::string> touched;  // lower reference id -> reference id
  for (const auto& [prefix, old_docs] : before) {
    ROOKERY_ASSIGN_OR_RETURN(OutputDocs now, OutputDocsOf(txn, results, prefix));
    for (const auto& [id, json] : old_docs) {
      if (now.count(id) != 0) continue;
      commands->push_back(documents::DeleteCommand{.id = id});
      if (refs != nullptr) ROOKERY_RETURN_IF_ERROR(Unlink(*refs, id, &touched));
    }
    for (auto& [id, json] : now) {
      auto old = old_docs.find(id);
      if (old != old_docs.end() && old->second == json) continue;  // unchanged: no new etag
      auto doc = json::Parse(json);
      if (!doc.ok()) return doc.status().WithContext("reduce output " + id);
      if (refs != nullptr) {
        ROOKERY_RETURN_IF_ERROR(Unlink(*refs, id, &touched));
        auto ref = BuildReferenceId(*pattern, *doc);
        if (ref.ok() && ref->size() > kMaxReferenceId) {
          ref = Status::InvalidArgument("the reference document id is longer than " +
                                        std::to_string(kMaxReferenceId) + " bytes");
        }
        if (ref.ok()) {
          ROOKERY_RETURN_IF_ERROR(Link(*refs, id, *ref, &touched));
        } else {
          RecordError(id, "Reduce", ref.status());  // the output document is still written
        }
      }
      documents::PutCommand put;
      put.id = id;
      put.document = std::move(doc).value();
      put.artificial = true;
      commands->push_back(std::move(put));
    }
  }
  for (const auto& [lower_ref, ref_id] : touched) {
    ROOKERY_RETURN_IF_ERROR(
        ReferenceCommands(txn, *refs, js, lower_ref, ref_id, replaced, commands));
  }
  return Status::Ok();
}

Status Index::ReferenceCommands(storage::StoreWriteTransaction& txn, storage::Tree& refs,
                                const JsBatchContext& js, const std::string& lower_ref,
                                const std::string& ref_id, const std::set<std::string>& replaced,
                                std::vector<documents::Command>* commands) {
  std::vector<json::Value> ids;
  ROOKERY_RETURN_IF_ERROR(
      storage::ForEachWithPrefix(txn.pages(), refs.stats(), ReferencePrefix(lower_ref),
                                 [&](std::string_view, std::string_view output_id) {
                                   ids.push_back(json::Value::String(std::string(output_id)));
                                   return true;
                                 }));
  ROOKERY_ASSIGN_OR_RETURN(auto existing, js.database->Get(ref_id));
  if (replaced.count(lower_ref) != 0) existing.reset();  // deleted earlier in this batch
  if (ids.empty()) {
    if (existing) commands->push_back(documents::DeleteCommand{.id = existing->id});
    return Status::Ok();
  }
  const std::string collection = ReferencesCollection(definition_);
  json::Value outputs = json::Value::Array(std::move(ids));
  if (existing) {
    if (documents::Lower(existing->collection) != documents::Lower(collection)) {
      // Another collection's document under this id: RavenDB deletes it and puts its own.
      commands->push_back(documents::DeleteCommand{.id = existing->id});
    } else {
      auto current = json::Parse(existing->json);
      const json::Value* listed = current.ok() ? current->Find("ReduceOutputs") : nullptr;
      if (IsArtificial(*existing) && listed != nullptr && *listed == outputs) {
        return Status::Ok();  // unchanged: no new etag
      }
    }
  }
  documents::PutCommand put;
  put.id = ref_id;
  put.document = json::Value::Object(
      {{"ReduceOutputs", std::move(outputs)},
       {"@metadata", json::Value::Object({{"@collection", json::Value::String(collection)}})}});
  put.artificial = true;
  commands->push_back(std::move(put));
  return Status::Ok();
}

}  // namespace rookery::indexing
