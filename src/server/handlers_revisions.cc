// /databases/{db}: revisions configuration, reads and revert (protocol.md §11).
#include "documents/ids.h"
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

using documents::Database;
using documents::Document;

constexpr uint64_t kDefaultWindowSeconds = 4ull * 24 * 3600;
constexpr uint64_t kMaxPageSize = 1024;

// The Node client's revisions-bin command sends "pageSize=null" when it means "no page size":
// an empty or "null" value takes the default. Page sizes are capped.
Result<uint64_t> PageSize(const HttpRequest& req, uint64_t fallback) {
  if (req.Query("pageSize") == "null") return fallback;
  ROOKERY_ASSIGN_OR_RETURN(uint64_t n, QueryUint(req, "pageSize", fallback));
  return std::min(n, kMaxPageSize);
}

Status WriteResults(HttpResponse& res, const std::vector<std::optional<Document>>& docs,
                    bool metadata_only, std::optional<uint64_t> total) {
  json::JsonWriter w;
  w.BeginObject().Key("Results").BeginArray();
  for (const auto& d : docs) {
    if (!d) {
      w.Null();
      continue;
    }
    ROOKERY_ASSIGN_OR_RETURN(std::string text, DocumentJson(*d, metadata_only));
    w.Raw(text);
  }
  w.EndArray();
  if (total) w.Field("TotalResults", *total);
  w.EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status PostConfig(ServerContext& context, const HttpRequest& req, HttpResponse& res, Database& db) {
  // The client sends JSON as text/plain: the body is read as JSON whatever its content type.
  ROOKERY_ASSIGN_OR_RETURN(json::Value body,
                           ParseJsonObjectBody(req.body, "the revisions configuration"));
  ROOKERY_ASSIGN_OR_RETURN(documents::RevisionsConfig config,
                           documents::ParseRevisionsConfig(body));
  ROOKERY_RETURN_IF_ERROR(db.ConfigureRevisions(config));
  json::JsonWriter w;
  w.BeginObject().Field("RaftCommandIndex", context.registry->NextCommandIndex()).EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status GetRevisions(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(bool metadata_only, QueryBool(req, "metadataOnly", false));
  const std::vector<std::string_view> cvs = req.QueryAll("changeVector");
  if (!cvs.empty()) {
    std::vector<std::string> wanted(cvs.begin(), cvs.end());
    ROOKERY_ASSIGN_OR_RETURN(auto docs, db.GetRevisionsByChangeVector(wanted));
    if (docs.size() == 1 && !docs[0]) {
      res.status = 404;  // RavenDB: one unknown change vector; the client returns null
      return Status::Ok();
    }
    return WriteResults(res, docs, metadata_only, std::nullopt);
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string id, RequireQuery(req, "id"));
  if (req.HasQuery("before")) {
    std::optional<int64_t> before = documents::ParseDate(req.Query("before"));
    if (!before) {
      return Status::InvalidArgument(
          "query parameter 'before' must be a UTC date such as "
          "2024-05-01T10:20:30.0000000Z, got '" +
          std::string(req.Query("before")) + "'");
    }
    ROOKERY_ASSIGN_OR_RETURN(auto doc, db.GetRevisionBefore(id, *before));
    std::vector<std::optional<Document>> docs;
    if (doc) docs.push_back(std::move(doc));
    return WriteResults(res, docs, metadata_only, std::nullopt);
  }
  ROOKERY_ASSIGN_OR_RETURN(uint64_t start, QueryUint(req, "start", 0));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t page_size, PageSize(req, 25));
  ROOKERY_ASSIGN_OR_RETURN(documents::RevisionsPage page, db.GetRevisions(id, start, page_size));
  std::vector<std::optional<Document>> docs;
  for (Document& d : page.revisions) docs.emplace_back(std::move(d));
  return WriteResults(res, docs, metadata_only, page.total);
}

Status GetCount(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(std::string id, RequireQuery(req, "id"));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t n, db.CountRevisions(id));
  json::JsonWriter w;
  w.BeginObject().Field("RevisionsCount", n).EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status GetBin(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(uint64_t start, QueryUint(req, "start", 0));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t page_size, PageSize(req, 25));
  ROOKERY_ASSIGN_OR_RETURN(std::vector<Document> bin, db.GetRevisionsBin(start, page_size));
  std::vector<std::optional<Document>> docs;
  for (Document& d : bin) docs.emplace_back(std::move(d));
  return WriteResults(res, docs, false, std::nullopt);
}

Result<documents::RevertRequest> ReadRevertBody(const json::Value& body) {
  constexpr std::string_view kWhat = "the revert request";
  documents::RevertRequest r;
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* time,
                           RequireMember(body, "Time", json::Type::kString, kWhat));
  std::optional<int64_t> micros = documents::ParseDate(time->as_string());
  if (!micros) {
    return Status::InvalidArgument(
        "'Time' must be a UTC date such as "
        "2024-05-01T10:00:00.0000000Z, got '" +
        time->as_string() + "'");
  }
  r.time_micros = *micros;
  uint64_t window_seconds = kDefaultWindowSeconds;
  if (const json::Value* w = body.Find("WindowInSec"); w != nullptr && !w->is_null()) {
    if (!w->is_number() || w->as_double() < 0 || w->as_double() > 1e12) {
      return Status::InvalidArgument(
          "'WindowInSec' must be a non-negative number of seconds, "
          "got " +
          json::Serialize(*w));
    }
    window_seconds = static_cast<uint64_t>(w->as_double());
  }
  r.window_micros = window_seconds * 1000000;
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* collections,
                           OptionalMember(body, "Collections", json::Type::kArray, kWhat));
  // Older clients send the list with ApplyToSpecifiedCollectionsOnly, which must be true for it
  // to count.
  ROOKERY_ASSIGN_OR_RETURN(
      const json::Value* only,
      OptionalMember(body, "ApplyToSpecifiedCollectionsOnly", json::Type::kBool, kWhat));
  if (only != nullptr && !only->as_bool()) collections = nullptr;
  if (collections != nullptr) {
    for (const json::Value& c : collections->items()) {
      if (!c.is_string() || c.as_string().empty()) {
        return Status::InvalidArgument("'Collections' must hold collection names, got " +
                                       json::Serialize(c));
      }
      r.collections.push_back(c.as_string());
    }
  }
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* dry,
                           OptionalMember(body, "DryRun", json::Type::kBool, kWhat));
  r.dry_run = dry != nullptr && dry->as_bool();
  return r;
}

// The operation's progress and result (RavenDB's RevertResult names, plus Rookery's details).
json::Value RevertJson(const documents::RevertResult& r, bool dry_run) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("ScannedRevisions", r.scanned);
  w.Field("ScannedDocuments", r.reverted + r.skipped);
  w.Field("RevertedDocuments", r.reverted);
  w.Field("SkippedDocuments", r.skipped);
  w.Field("SkippedConcurrentWrites", r.skipped_concurrent);
  w.Field("SkippedMissingHistory", r.skipped_missing_history);
  w.Field("DryRun", dry_run);
  w.Key("Collections").BeginObject();
  for (const auto& [name, c] : r.collections) {
    w.Key(name).BeginObject().Field("Restored", c.restored).Field("Deleted", c.deleted);
    w.EndObject();
  }
  w.EndObject();
  w.Key("Ids").BeginArray();
  for (const std::string& id : r.ids) w.String(id);
  w.EndArray();
  w.Key("Warnings").BeginObject().EndObject();
  w.EndObject();
  auto v = json::Parse(w.str());
  return v.ok() ? std::move(v).value() : json::Value();
}

Status PostRevert(ServerContext& context, const HttpRequest& req, HttpResponse& res,
                  DatabaseServices& services) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(req.body, "the revert request"));
  ROOKERY_ASSIGN_OR_RETURN(documents::RevertRequest request, ReadRevertBody(body));
  DatabaseServices* s = &services;
  const uint64_t id = services.operations->NextId();
  services.operations->Start(
      id, request.dry_run ? "revisions revert (dry run)" : "revisions revert",
      [s, id, request]() -> Result<json::Value> {
        ROOKERY_ASSIGN_OR_RETURN(
            documents::RevertResult r,
            s->db->RevertRevisions(request, [s, id, &request](const documents::RevertResult& p) {
              s->operations->SetProgress(id, RevertJson(p, request.dry_run));
            }));
        return RevertJson(r, request.dry_run);
      });
  json::JsonWriter w;
  w.BeginObject().Field("OperationId", id).Field("OperationNodeTag", context.node_tag).EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

}  // namespace

void AddRevisionRoutes(Router& router, ServerContext& context) {
  ServerContext* c = &context;
  router.AddDatabase(
      "POST", "/admin/revisions/config",
      WithDatabase(context, [c](const HttpRequest& req, HttpResponse& res, Database& db) {
        return PostConfig(*c, req, res, db);
      }));
  router.AddDatabase("GET", "/revisions", WithDatabase(context, GetRevisions));
  router.AddDatabase("GET", "/revisions/count", WithDatabase(context, GetCount));
  router.AddDatabase("GET", "/revisions/bin", WithDatabase(context, GetBin));
  router.AddDatabase("POST", "/revisions/revert",
                     WithServices(context, [c](const HttpRequest& req, HttpResponse& res,
                                               DatabaseServices& services) {
                       return PostRevert(*c, req, res, services);
                     }));
}

}  // namespace rookery::server
