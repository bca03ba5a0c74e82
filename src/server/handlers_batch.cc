// /databases/{db}: bulk_docs (protocol.md §7.5), hilo (§7.7), stats (§9.5).
#include <algorithm>
#include <cstdio>
#include <optional>

#include "documents/command_stream.h"
#include "documents/ids.h"
#include "json/dom.h"
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

using documents::Database;

// Command types of RavenDB's batch that Rookery does not execute yet (docs/compatibility.md).
constexpr std::string_view kUnsupportedTypes[] = {"PATCH",
                                                  "BatchPATCH",
                                                  "AttachmentPUT",
                                                  "AttachmentDELETE",
                                                  "AttachmentMOVE",
                                                  "AttachmentCOPY",
                                                  "Counters",
                                                  "TimeSeries",
                                                  "TimeSeriesBulkInsert",
                                                  "TimeSeriesCopy",
                                                  "CompareExchangePUT",
                                                  "CompareExchangeDELETE",
                                                  "ForceRevisionCreation",
                                                  "JsonPatch"};

Result<documents::ExpectedChangeVector> ReadChangeVector(const json::Value& command,
                                                         const std::string& context) {
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* cv,
                           OptionalMember(command, "ChangeVector", json::Type::kString, context));
  if (cv == nullptr) return documents::ExpectedChangeVector();
  return documents::ExpectedChangeVector(cv->as_string());
}

Result<documents::Command> ReadCommand(json::Value& command, size_t index) {
  const std::string context = "Commands[" + std::to_string(index) + "]";
  if (!command.is_object()) {
    return Status::InvalidArgument(context + " must be an object, got " + TypeName(command.type()));
  }
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* type,
                           RequireMember(command, "Type", json::Type::kString, context));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* id,
                           OptionalMember(command, "Id", json::Type::kString, context));
  ROOKERY_ASSIGN_OR_RETURN(documents::ExpectedChangeVector cv, ReadChangeVector(command, context));
  const std::string& t = type->as_string();
  if (t == "PUT") {
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* doc,
                             RequireMember(command, "Document", json::Type::kObject, context));
    documents::PutCommand put;
    put.id = id ? id->as_string() : std::string();
    put.document = std::move(*command.Find("Document"));
    (void)doc;
    put.expected_change_vector = std::move(cv);
    return documents::Command(std::move(put));
  }
  if (t == "DELETE") {
    if (id == nullptr || id->as_string().empty()) {
      return Status::InvalidArgument("'Id' is missing in " + context +
                                     " (a DELETE command needs the document id)");
    }
    return documents::Command(documents::DeleteCommand{id->as_string(), std::move(cv)});
  }
  for (std::string_view unsupported : kUnsupportedTypes) {
    if (t == unsupported) {
      return Status::NotSupported("batch command type '" + t + "' (" + context +
                                  ") is not supported by Rookery yet; see docs/compatibility.md");
    }
  }
  return Status::InvalidArgument("unknown batch command type '" + t + "' in " + context +
                                 " (expected PUT or DELETE)");
}

// waitForIndexesAfterSaveChanges (protocol.md §10): after the batch committed, wait until the
// named indexes (or all) have processed it; on timeout fail only with waitForIndexThrow=true.
Status WaitForIndexes(const HttpRequest& req, DatabaseServices& s) {
  if (!req.HasQuery("waitForIndexesTimeout")) return Status::Ok();
  ROOKERY_ASSIGN_OR_RETURN(uint64_t timeout, ParseTimeSpanMicros(req.Query("waitForIndexesTimeout"),
                                                                 "waitForIndexesTimeout"));
  ROOKERY_ASSIGN_OR_RETURN(bool must_throw, QueryBool(req, "waitForIndexThrow", true));
  std::vector<std::shared_ptr<indexing::Index>> targets;
  const auto named = req.QueryAll("waitForSpecificIndex");
  if (named.empty()) {
    targets = s.indexes->List();
  } else {
    for (std::string_view name : named) {
      auto index = s.indexes->Find(name);
      if (index == nullptr)
        return Status::NotFound("Index '" + std::string(name) + "' was not found");
      targets.push_back(std::move(index));
    }
  }
  for (const auto& index : targets) {
    ROOKERY_ASSIGN_OR_RETURN(bool caught_up, s.indexes->WaitForNonStale(*index, timeout));
    if (!caught_up && must_throw) {
      return Status::Timeout("Waited for " + std::string(req.Query("waitForIndexesTimeout")) +
                             " for index '" + index->name() +
                             "' to process the batch, but it is still stale");
    }
  }
  return Status::Ok();
}

// The common batch read without a json::Value tree: each PUT's document goes from the request's
// parsed text straight to its stored form (documents::PrepareDocument), and the commands are
// streamed to the merger in chunks as they are read, so that preparing the batch overlaps with
// writing it (Database::ExecuteStreaming). Only for a batch that ReadCommands would accept as it
// is; anything else (a malformed body, duplicate keys, an odd type, an unsupported command, an
// invalid document) returns nullopt having written nothing, and the general path runs and
// reports the error exactly as before.
std::optional<Result<std::vector<documents::CommandResult>>> ExecuteFast(std::string_view body,
                                                                         Database& db) {
  json::Dom dom;
  if (!dom.Parse(body)) return std::nullopt;
  const json::Node root = dom.root();
  if (!root.is_object()) return std::nullopt;
  if (auto mode = root.Find("TransactionMode");
      mode && !mode->is_null() && !(mode->is_string() && mode->as_string() == "SingleNode")) {
    return std::nullopt;
  }
  const auto items = root.Find("Commands");
  if (!items || !items->is_array()) return std::nullopt;
  bool empty = true;
  items->ForEachItem([&](json::Node) { empty = false; });
  if (empty) return std::nullopt;  // the general path answers without a transaction

  // The first chunk is small so that the merger starts early; later ones amortise the hand-off.
  constexpr size_t kFirstChunk = 8, kChunk = 64;
  documents::CommandStream stream;
  auto produce = [&] {
    std::vector<documents::Command> chunk;
    size_t chunk_size = kFirstChunk;
    bool ok = true;
    // A member that is absent or null reads as nullopt; one of another type fails the fast path.
    auto optional_string = [&](const json::Node& command,
                               std::string_view key) -> std::optional<std::string_view> {
      auto v = command.Find(key);
      if (!v || v->is_null()) return std::nullopt;
      if (!v->is_string()) ok = false;
      return v->as_string();
    };
    items->ForEachItem([&](json::Node command) {
      if (!ok) return;
      if (!command.is_object()) {
        ok = false;
        return;
      }
      const auto type = optional_string(command, "Type");
      const auto id = optional_string(command, "Id");
      const auto cv = optional_string(command, "ChangeVector");
      if (!ok || !type) {
        ok = false;
        return;
      }
      documents::ExpectedChangeVector expected;
      if (cv) expected = std::string(*cv);
      if (*type == "PUT") {
        const auto doc = command.Find("Document");
        if (!doc || !doc->is_object()) {
          ok = false;
          return;
        }
        auto prepared = documents::PrepareDocument(id.value_or(""), *doc);
        if (!prepared.ok()) {
          ok = false;
          return;
        }
        documents::PutCommand put;
        put.id = std::string(id.value_or(""));
        put.prepared = std::move(*prepared);
        put.expected_change_vector = std::move(expected);
        chunk.emplace_back(std::move(put));
      } else if (*type == "DELETE" && id && !id->empty()) {
        chunk.emplace_back(documents::DeleteCommand{std::string(*id), std::move(expected)});
      } else {
        ok = false;
        return;
      }
      if (chunk.size() == chunk_size) {
        stream.Append(std::move(chunk));
        chunk = {};
        chunk.reserve(kChunk);
        chunk_size = kChunk;
      }
    });
    if (ok) stream.Append(std::move(chunk));
    stream.Close(ok);
  };
  auto results = db.ExecuteStreaming(stream, produce);
  // A command the fast path refused: whatever the execution said (it may have failed earlier on
  // a conflict), the general path decides, as it did when the whole batch was read first.
  if (stream.failed()) return std::nullopt;
  return results;
}

// The general read: every error with its message.
Result<std::vector<documents::Command>> ReadCommands(std::string_view text) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(text, "the batch"));
  ROOKERY_ASSIGN_OR_RETURN(
      const json::Value* mode,
      OptionalMember(body, "TransactionMode", json::Type::kString, "the batch"));
  if (mode != nullptr && mode->as_string() != "SingleNode") {
    return Status::NotSupported("TransactionMode '" + mode->as_string() +
                                "' is not supported by Rookery yet (cluster-wide transactions); "
                                "see docs/compatibility.md");
  }
  ROOKERY_RETURN_IF_ERROR(
      RequireMember(body, "Commands", json::Type::kArray, "the batch").status());
  std::vector<json::Value>& items = body.Find("Commands")->items();
  std::vector<documents::Command> commands;
  commands.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    ROOKERY_ASSIGN_OR_RETURN(documents::Command c, ReadCommand(items[i], i));
    commands.push_back(std::move(c));
  }
  return commands;
}

Status BulkDocs(const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
  Database& db = *s.db;
  std::vector<documents::CommandResult> results;
  if (auto fast = ExecuteFast(req.body, db)) {
    ROOKERY_ASSIGN_OR_RETURN(results, std::move(*fast));
  } else {
    ROOKERY_ASSIGN_OR_RETURN(std::vector<documents::Command> commands, ReadCommands(req.body));
    ROOKERY_ASSIGN_OR_RETURN(results, db.Execute(std::move(commands)));
  }
  ROOKERY_RETURN_IF_ERROR(WaitForIndexes(req, s));
  json::JsonWriter w;
  w.BeginObject().Key("Results").BeginArray();
  for (const auto& result : results) {
    if (const auto* put = std::get_if<documents::PutResult>(&result)) {
      // Every key but Type is copied into the entity's metadata: nothing else (§7.5).
      w.BeginObject()
          .Field("Type", "PUT")
          .Field("@id", put->id)
          .Field("@collection", put->collection)
          .Field("@change-vector", put->change_vector)
          .Field("@last-modified", put->last_modified);
      if (!put->flags.empty()) w.Field("@flags", put->flags);
      w.EndObject();
    } else {
      const auto& del = std::get<documents::DeleteResult>(result);
      w.BeginObject().Field("Id", del.id).Field("Type", "DELETE").Field("Deleted", del.deleted);
      w.Key("ChangeVector");
      if (del.change_vector.empty()) {
        w.Null();
      } else {
        w.String(del.change_vector);
      }
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  SetJson(res, 201, w.Take());
  return Status::Ok();
}

Status HiLoNext(ServerContext& context, const HttpRequest& req, HttpResponse& res, Database& db) {
  documents::HiLoRequest hilo;
  ROOKERY_ASSIGN_OR_RETURN(hilo.tag, RequireQuery(req, "tag"));
  ROOKERY_ASSIGN_OR_RETURN(hilo.last_batch_size, QueryUint(req, "lastBatchSize", 0));
  ROOKERY_ASSIGN_OR_RETURN(hilo.last_max, QueryUint(req, "lastMax", 0));
  hilo.last_range_at = std::string(req.Query("lastRangeAt"));
  if (req.HasQuery("identityPartsSeparator") && !req.Query("identityPartsSeparator").empty()) {
    hilo.separator = std::string(req.Query("identityPartsSeparator"));
  }
  ROOKERY_ASSIGN_OR_RETURN(documents::HiLoRange range, db.NextHiLo(hilo));
  json::JsonWriter w;
  w.BeginObject()
      .Field("Prefix", range.prefix)
      .Field("Low", range.low)
      .Field("High", range.high)
      .Field("LastSize", range.last_size)
      .Field("ServerTag", range.server_tag.empty() ? context.node_tag : range.server_tag)
      .Field("LastRangeAt", range.last_range_at)
      .EndObject();
  SetJson(res, 201, w.Take());
  return Status::Ok();
}

Status HiLoReturn(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(std::string tag, RequireQuery(req, "tag"));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t end, QueryUint(req, "end", 0));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t last, QueryUint(req, "last", 0));
  ROOKERY_RETURN_IF_ERROR(db.ReturnHiLo(tag, end, last));
  res.status = 204;
  return Status::Ok();
}

void WriteSize(json::JsonWriter& w, std::string_view key, uint64_t bytes) {
  const char* units[] = {"Bytes", "KBytes", "MBytes", "GBytes", "TBytes"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  w.Key(key).BeginObject().Field("HumaneSize", buf).Field("SizeInBytes", bytes).EndObject();
}

Status Stats(const HttpRequest&, HttpResponse& res, DatabaseServices& services) {
  ROOKERY_ASSIGN_OR_RETURN(documents::DatabaseStats s, services.db->Stats());
  const auto indexes = services.indexes->List();
  uint64_t last_indexing = 0;
  for (const auto& index : indexes) {
    last_indexing = std::max(last_indexing, index->stats().last_indexing_micros);
  }
  json::JsonWriter w;
  w.BeginObject();
  w.Field("CountOfIndexes", static_cast<uint64_t>(indexes.size()));
  w.Field("CountOfDocuments", s.documents);
  w.Field("CountOfRevisionDocuments", s.revisions);
  w.Field("CountOfDocumentsConflicts", 0);
  w.Field("CountOfTombstones", s.tombstones);
  w.Field("CountOfConflicts", 0);
  w.Field("CountOfAttachments", 0);
  w.Field("CountOfUniqueAttachments", 0);
  w.Field("CountOfCounterEntries", 0);
  w.Field("CountOfTimeSeriesSegments", 0);
  w.Key("DatabaseChangeVector");
  if (s.change_vector.empty()) {
    w.Null();
  } else {
    w.String(s.change_vector);
  }
  w.Field("DatabaseId", s.database_id);
  w.Field("Is64Bit", true);
  w.Field("Pager", "Rookery.Storage");
  w.Field("LastDocEtag", s.last_etag);
  w.Field("LastDatabaseEtag", s.last_etag);
  w.Field("NumberOfTransactionMergerQueueOperations", s.merger_queue);
  w.Key("LastIndexingTime");
  if (last_indexing == 0) {
    w.Null();
  } else {
    w.String(documents::FormatDate(last_indexing));
  }
  WriteSize(w, "SizeOnDisk", s.size_on_disk);
  WriteSize(w, "TempBuffersSizeOnDisk", s.temp_bytes);
  w.Key("Indexes").BeginArray();
  WriteIndexStats(w, services, false);
  w.EndArray();
  w.EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status CollectionStats(const HttpRequest&, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(documents::DatabaseStats s, db.Stats());
  json::JsonWriter w;
  w.BeginObject();
  w.Field("CountOfDocuments", s.documents);
  w.Field("CountOfConflicts", 0);
  w.Key("Collections").BeginObject();
  for (const auto& c : s.collections) w.Field(c.name, c.count);
  w.EndObject().EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

}  // namespace

void AddBatchRoutes(Router& router, ServerContext& context) {
  ServerContext* c = &context;
  router.AddDatabase("POST", "/bulk_docs", WithServices(context, BulkDocs));
  router.AddDatabase(
      "GET", "/hilo/next",
      WithDatabase(context, [c](const HttpRequest& req, HttpResponse& res, Database& db) {
        return HiLoNext(*c, req, res, db);
      }));
  router.AddDatabase("PUT", "/hilo/return", WithDatabase(context, HiLoReturn));
  router.AddDatabase("GET", "/stats", WithServices(context, Stats));
  router.AddDatabase("GET", "/collections/stats", WithDatabase(context, CollectionStats));
}

}  // namespace rookery::server
