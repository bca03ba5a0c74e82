// PUT and DELETE inside a merged write transaction (docs/formats/documents.md).
#include <array>

#include "documents/database_impl.h"
#include "documents/ids.h"
#include "json/value.h"
#include "json/writer.h"

namespace rookery::documents {
namespace {

constexpr std::string_view kViolation =
    ". Optimistic concurrency violation, transaction will be aborted.";

// Metadata keys the server owns: whatever the client sends for them is dropped.
constexpr std::array<std::string_view, 7> kServerOwned = {
    "@id",       "@change-vector", "@last-modified", "@flags",
    "@counters", "@attachments",   "@timeseries"};

bool IsServerOwned(std::string_view key) {
  for (std::string_view k : kServerOwned) {
    if (k == key) return true;
  }
  return false;
}

// A document arrives as a json::Value (PUT /docs, HiLo) or as a json::Node (bulk_docs): these
// overloads let ValidateDocument and PrepareJson be written once for both.
const json::Value* FindMember(const json::Value& v, std::string_view key) {
  return v.Find(key);
}
std::optional<json::Node> FindMember(const json::Node& v, std::string_view key) {
  return v.Find(key);
}
template <typename F>
void ForEachMember(const json::Value& v, F&& fn) {
  for (const json::Member& m : v.members()) fn(std::string_view(m.first), m.second);
}
template <typename F>
void ForEachMember(const json::Node& v, F&& fn) {
  v.ForEachMember(fn);
}
void WriteValue(const json::Value& v, std::string* out) {
  json::SerializeTo(v, out);
}
void WriteValue(const json::Node& v, std::string* out) {
  v.SerializeTo(out);
}

template <typename Doc>
std::string TypeName(const Doc& v) {
  return std::string(json::TypeDescription(v.type()));
}

// Checks the document's shape; returns its collection ("@empty" when none).
template <typename Doc>
Result<std::string> ValidateDocument(std::string_view id, const Doc& doc) {
  std::string what =
      id.empty() ? std::string("the document") : "document '" + std::string(id) + "'";
  if (!doc.is_object()) {
    return Status::InvalidArgument(what + " must be a JSON object, got " + TypeName(doc));
  }
  const auto meta = FindMember(doc, "@metadata");
  if (!meta || meta->is_null()) return std::string(layout::kEmptyCollection);
  if (!meta->is_object()) {
    return Status::InvalidArgument("@metadata of " + what + " must be a JSON object, got " +
                                   TypeName(*meta));
  }
  const auto collection = FindMember(*meta, "@collection");
  if (!collection || collection->is_null()) return std::string(layout::kEmptyCollection);
  if (!collection->is_string()) {
    return Status::InvalidArgument("@metadata.@collection of " + what + " must be a string, got " +
                                   TypeName(*collection));
  }
  if (collection->as_string().empty()) return std::string(layout::kEmptyCollection);
  return std::string(collection->as_string());
}

Status ValidateId(std::string_view id, std::string_view command) {
  if (id.empty()) return Status::InvalidArgument(std::string(command) + " needs a document id");
  if (id.size() > kMaxIdSize) {
    return Status::InvalidArgument("document id of " + std::to_string(id.size()) +
                                   " bytes is too long (at most " + std::to_string(kMaxIdSize) +
                                   "): " + std::string(id.substr(0, 64)) + "...");
  }
  return Status::Ok();
}

Result<std::string> ResolveId(WriteContext& ctx, std::string_view id) {
  const DatabaseInfo& info = ctx.info();
  if (id.empty()) return FormatGuid(info.env->RandomUint64(), info.env->RandomUint64());
  if (id.back() == '/') {
    // RavenDB numbers these with the etag the PUT is about to get.
    return std::string(id) + FormatEtagId(ctx.last_etag() + 1) + "-" + info.node_tag;
  }
  if (id.back() == '|') {
    std::string prefix(id.substr(0, id.size() - 1));
    prefix += '/';
    ROOKERY_ASSIGN_OR_RETURN(uint64_t n, ctx.NextIdentity(Lower(prefix)));
    return prefix + std::to_string(n);
  }
  return std::string(id);
}

// RavenDB's concurrency check. `verb` is "Put" or "Delete".
Status CheckChangeVector(std::string_view id, const ExpectedChangeVector& expected,
                         const StoredDocument* current, std::string_view verb) {
  if (!expected.has_value()) return Status::Ok();
  std::string prefix = "Document " + std::string(id);
  if (current == nullptr) {
    if (expected->empty()) return Status::Ok();
    return Status::Conflict(prefix + " does not exist, but " + std::string(verb) +
                            " was called with change vector: " + *expected +
                            std::string(kViolation));
  }
  if (*expected == current->record.change_vector) return Status::Ok();
  std::string with =
      expected->empty() ? std::string("expecting new document") : "change vector " + *expected;
  return Status::Conflict(prefix + " has change vector " +
                          std::string(current->record.change_vector) + ", but " +
                          std::string(verb) + " was called with " + with + std::string(kViolation));
}

// The stored JSON is the client's document with the server-owned metadata rewritten: PrepareJson
// serializes everything the client sent (in the caller's thread, outside the merger), and
// FinishJson splices in the fields that exist only once the transaction assigns an etag.
template <typename Doc>
void AppendMember(std::string* out, std::string_view key, const Doc& value) {
  if (out->back() != '{') out->push_back(',');
  json::AppendQuoted(out, key);
  out->push_back(':');
  WriteValue(value, out);
}

template <typename Doc>
void PrepareJsonOf(const Doc& document, PreparedDocument* p) {
  p->head = "{";
  p->tail.clear();
  bool placed = false;
  // The first "@metadata" is rewritten where it stands (where json::Value::Set would put it);
  // without one, it is appended.
  auto open_metadata = [&](const Doc* sent) {
    if (p->head.back() != '{') p->head.push_back(',');
    json::AppendQuoted(&p->head, "@metadata");
    p->head.append(":{");
    if (sent != nullptr && sent->is_object()) {
      ForEachMember(*sent, [&](std::string_view key, const Doc& value) {
        if (IsServerOwned(key)) return;
        if (key == "@collection" &&
            (value.is_null() || (value.is_string() && value.as_string().empty()))) {
          return;  // no collection: @empty, not written
        }
        AppendMember(&p->head, key, value);
      });
    }
    p->tail = "}";
    placed = true;
  };
  ForEachMember(document, [&](std::string_view key, const Doc& value) {
    if (!placed && key == "@metadata") {
      open_metadata(&value);
      return;
    }
    AppendMember(placed ? &p->tail : &p->head, key, value);
  });
  if (!placed) open_metadata(nullptr);
  p->tail.push_back('}');
}

}  // namespace

PreparedDocument PrepareJson(const json::Value& document) {
  PreparedDocument p;
  PrepareJsonOf(document, &p);
  return p;
}

Result<PreparedDocument> PrepareDocument(std::string_view id, const json::Node& document) {
  PreparedDocument p;
  ROOKERY_ASSIGN_OR_RETURN(p.collection, ValidateDocument(id, document));
  PrepareJsonOf(document, &p);
  return p;
}

size_t FinishedJsonSize(const PreparedDocument& p, const std::string& id,
                        const std::string& change_vector) {
  return p.head.size() + p.tail.size() + id.size() + change_vector.size() + 96;
}

void FinishJson(const PreparedDocument& p, const std::string& id, const std::string& change_vector,
                const std::string& last_modified, const std::string& flags, std::string* out) {
  const size_t start = out->size();
  out->append(p.head);
  auto field = [&](std::string_view key, const std::string& value) {
    if (out->size() > start && out->back() != '{') out->push_back(',');
    json::AppendQuoted(out, key);
    out->push_back(':');
    json::AppendQuoted(out, value);
  };
  field("@change-vector", change_vector);
  if (!flags.empty()) field("@flags", flags);
  field("@id", id);
  field("@last-modified", last_modified);
  out->append(p.tail);
}

Status AdjustCollection(WriteContext& ctx, std::string_view collection, int delta) {
  ROOKERY_ASSIGN_OR_RETURN(WriteContext::CollectionCount * c,
                           ctx.CollectionCountOf(Lower(collection)));
  // No entry (never stored, or its count went to zero): the collection is named as written now.
  if (c->count == 0) c->name = std::string(collection);
  if (delta < 0 && c->count == 0) {
    return Status::Corruption("collection '" + c->name + "' count would go below zero");
  }
  c->count = delta < 0 ? c->count - 1 : c->count + 1;
  return Status::Ok();
}

Status ExecuteCommand(WriteContext& ctx, const Command& command, const PreparedDocument* prepared,
                      std::vector<CommandResult>* results) {
  if (const auto* put = std::get_if<PutCommand>(&command)) {
    ROOKERY_ASSIGN_OR_RETURN(auto r, ExecutePut(ctx, *put, prepared));
    results->emplace_back(std::move(r));
  } else {
    ROOKERY_ASSIGN_OR_RETURN(auto r, ExecuteDelete(ctx, std::get<DeleteCommand>(command)));
    results->emplace_back(std::move(r));
  }
  return Status::Ok();
}

Result<PutResult> ExecutePut(WriteContext& ctx, const PutCommand& command,
                             const PreparedDocument* prepared) {
  std::string collection;
  if (command.prepared) {
    prepared = &*command.prepared;
    collection = prepared->collection;
  } else {
    ROOKERY_ASSIGN_OR_RETURN(collection, ValidateDocument(command.id, command.document));
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string id, ResolveId(ctx, command.id));
  ROOKERY_RETURN_IF_ERROR(ValidateId(id, "PUT"));
  const std::string key = Lower(id);

  StoredDocument current;
  ROOKERY_ASSIGN_OR_RETURN(bool exists, ctx.LoadDocument(key, &current));
  ROOKERY_RETURN_IF_ERROR(
      CheckChangeVector(id, command.expected_change_vector, exists ? &current : nullptr, "Put"));
  if (exists && !EqualsIgnoreCase(current.record.collection, collection)) {
    std::string old(current.record.collection);
    return Status::InvalidArgument("Changing '" + id + "' from '" + old + "' to '" + collection +
                                   "' via update is not supported. Delete it and recreate the "
                                   "document " +
                                   id + ".");
  }

  const CollectionRevisionsConfig* revisions = ctx.RevisionsFor(collection);
  const uint64_t etag = ctx.NextEtag();
  const uint64_t now = ctx.info().env->NowMicros();
  PutResult result;
  result.id = id;
  result.collection = collection;
  result.change_vector = FormatChangeVector(ctx.info().node_tag, etag, ctx.info().database_id);
  result.last_modified = FormatDate(now);
  ROOKERY_ASSIGN_OR_RETURN(result.flags,
                           FlagsForPut(ctx, key, exists ? &current : nullptr, revisions));
  if (command.artificial) {
    result.flags += result.flags.empty() ? "Artificial, FromIndex" : ", Artificial, FromIndex";
  }
  PreparedDocument prepared_here;
  if (prepared == nullptr) {
    prepared_here = PrepareJson(command.document);
    prepared = &prepared_here;
  }

  if (exists) {
    ROOKERY_RETURN_IF_ERROR(
        ctx.docs_by_etag->Delete(layout::EtagKey(current.record.etag)).status());
  } else {
    std::string tomb;
    ROOKERY_ASSIGN_OR_RETURN(bool had_tombstone, ctx.tombstones->Get(key, &tomb));
    if (had_tombstone) {
      ROOKERY_ASSIGN_OR_RETURN(auto t, layout::DecodeTombstone(tomb, key));
      // A tombstone of another collection stays (as RavenDB's per-collection tombstones do):
      // that collection's readers (indexes) must still learn that the id left it.
      if (EqualsIgnoreCase(t.collection, collection)) {
        ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Delete(layout::EtagKey(t.etag)).status());
        ROOKERY_RETURN_IF_ERROR(ctx.tombstones->Delete(key).status());
      }
    }
    ROOKERY_RETURN_IF_ERROR(AdjustCollection(ctx, collection, +1));
  }
  // The stored JSON is written straight after the record's header: no copy of the document.
  const layout::DocumentRecord record{etag,         now, id, collection, result.change_vector,
                                      result.flags, {}};
  std::string bytes =
      layout::EncodeDocumentHead(record, FinishedJsonSize(*prepared, id, result.change_vector));
  FinishJson(*prepared, id, result.change_vector, result.last_modified, result.flags, &bytes);
  ROOKERY_RETURN_IF_ERROR(ctx.docs->Put(key, bytes));
  ROOKERY_RETURN_IF_ERROR(ctx.docs_by_etag->Put(layout::EtagKey(etag), key));
  ROOKERY_RETURN_IF_ERROR(RevisionsAfterPut(ctx, key, record, *prepared, !exists, revisions));
  return result;
}

Result<DeleteResult> ExecuteDelete(WriteContext& ctx, const DeleteCommand& command) {
  ROOKERY_RETURN_IF_ERROR(ValidateId(command.id, "DELETE"));
  const std::string key = Lower(command.id);
  StoredDocument current;
  ROOKERY_ASSIGN_OR_RETURN(bool exists, ctx.LoadDocument(key, &current));
  ROOKERY_RETURN_IF_ERROR(CheckChangeVector(command.id, command.expected_change_vector,
                                            exists ? &current : nullptr, "Delete"));
  DeleteResult result;
  result.id = command.id;
  if (!exists) return result;

  const uint64_t etag = ctx.NextEtag();
  const uint64_t now = ctx.info().env->NowMicros();
  result.deleted = true;
  result.change_vector = FormatChangeVector(ctx.info().node_tag, etag, ctx.info().database_id);
  const std::string collection(current.record.collection);
  const std::string id(current.record.id);
  ROOKERY_RETURN_IF_ERROR(RevisionsAfterDelete(ctx, key, current.record, etag, result.change_vector,
                                               now, ctx.RevisionsFor(collection)));
  ROOKERY_RETURN_IF_ERROR(ctx.docs_by_etag->Delete(layout::EtagKey(current.record.etag)).status());
  ROOKERY_RETURN_IF_ERROR(ctx.docs->Delete(key).status());
  ROOKERY_RETURN_IF_ERROR(AdjustCollection(ctx, collection, -1));
  // An older tombstone of the id (left by a delete from another collection) is replaced.
  std::string older;
  ROOKERY_ASSIGN_OR_RETURN(bool had_tombstone, ctx.tombstones->Get(key, &older));
  if (had_tombstone) {
    ROOKERY_ASSIGN_OR_RETURN(auto t, layout::DecodeTombstone(older, key));
    ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Delete(layout::EtagKey(t.etag)).status());
  }
  layout::TombstoneRecord tomb{etag, now, id, collection, result.change_vector};
  ROOKERY_RETURN_IF_ERROR(ctx.tombstones->Put(key, layout::EncodeTombstone(tomb)));
  ROOKERY_RETURN_IF_ERROR(ctx.tombstones_by_etag->Put(layout::EtagKey(etag), key));
  return result;
}

}  // namespace rookery::documents
