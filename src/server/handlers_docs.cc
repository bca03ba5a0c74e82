// /databases/{db}/docs: load (with includes), startsWith listing, put, delete, head
// (protocol.md §7.2-§7.4).
#include <cctype>
#include <set>

#include "base/checksum.h"
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

using documents::Database;
using documents::Document;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Quoted(std::string_view v) {
  return "\"" + std::string(v) + "\"";
}

// Appends the document's JSON, or only its metadata with ?metadataOnly=true.
Status AppendDocument(json::JsonWriter& w, const Document& doc, bool metadata_only) {
  if (!metadata_only) {
    w.Raw(doc.json);
    return Status::Ok();
  }
  ROOKERY_ASSIGN_OR_RETURN(std::string json, DocumentJson(doc, metadata_only));
  w.Raw(json);
  return Status::Ok();
}

// Ids referenced by `paths` in the loaded documents, excluding those already loaded.
Result<std::vector<std::string>> IncludedIds(const std::vector<std::optional<Document>>& docs,
                                             const std::vector<std::string_view>& paths,
                                             std::set<std::string>* seen) {
  std::vector<std::string> out;
  if (paths.empty()) return out;
  for (const auto& doc : docs) {
    if (!doc) continue;
    ROOKERY_ASSIGN_OR_RETURN(json::Value v, json::Parse(doc->json));
    for (std::string_view path : paths) {
      std::vector<const json::Value*> found;
      json::CollectPath(v, path, &found);
      auto add = [&](const json::Value& id) {
        if (!id.is_string() || id.as_string().empty()) return;
        if (seen->insert(Lower(id.as_string())).second) out.push_back(id.as_string());
      };
      for (const json::Value* f : found) {
        if (!f->is_array()) {
          add(*f);
          continue;
        }
        // An array of ids (a reference document's ReduceOutputs): each is included, as RavenDB
        // includes every id of an array.
        for (const json::Value& id : f->items()) add(id);
      }
    }
  }
  return out;
}

Status LoadIds(const HttpRequest& req, HttpResponse& res, Database& db,
               const std::vector<std::string>& ids) {
  ROOKERY_ASSIGN_OR_RETURN(bool metadata_only, QueryBool(req, "metadataOnly", false));
  const std::vector<std::string_view> include_paths = req.QueryAll("include");
  ROOKERY_ASSIGN_OR_RETURN(std::vector<std::optional<Document>> docs, db.GetMany(ids));
  if (ids.size() == 1 && !docs[0]) {
    res.status = 404;  // the client reads an empty 404 as "null" (protocol.md §7.2)
    return Status::Ok();
  }
  std::vector<std::optional<Document>> included;
  if (!include_paths.empty()) {
    std::set<std::string> seen;
    for (const auto& id : ids) seen.insert(Lower(id));
    ROOKERY_ASSIGN_OR_RETURN(std::vector<std::string> include_ids,
                             IncludedIds(docs, include_paths, &seen));
    if (!include_ids.empty()) {
      ROOKERY_ASSIGN_OR_RETURN(included, db.GetMany(include_ids));
    }
  }

  // ETag: for one id without includes it is the change vector (conditional load reads it as
  // such); otherwise a hash over everything returned.
  std::string etag;
  if (ids.size() == 1 && include_paths.empty()) {
    etag = docs[0]->change_vector;
  } else {
    std::string all = metadata_only ? "m" : "f";
    for (const auto& d : docs) all += d ? d->change_vector + ";" : std::string("-;");
    for (const auto& d : included) all += d ? d->change_vector + ";" : std::string("-;");
    etag = "H" + std::to_string(Hash64(all));
  }
  res.SetHeader("ETag", Quoted(etag));
  if (auto inm = UnquotedHeader(req, "If-None-Match"); inm && *inm == etag) {
    res.status = 304;
    return Status::Ok();
  }

  // The body is mostly the documents' own text: sized once, and each document copied once.
  std::string body;
  size_t size = 64;
  for (const auto& d : docs) size += d ? d->json.size() + 1 : 5;
  for (const auto& d : included) size += d ? d->json.size() + d->id.size() + 4 : 0;
  body.reserve(size);
  json::JsonWriter w(&body);
  w.BeginObject().Key("Results").BeginArray();
  for (const auto& d : docs) {
    if (!d) {
      w.Null();
      continue;
    }
    ROOKERY_RETURN_IF_ERROR(AppendDocument(w, *d, metadata_only));
  }
  w.EndArray().Key("Includes").BeginObject();
  for (const auto& d : included) {
    if (!d) continue;
    w.Key(d->id);
    ROOKERY_RETURN_IF_ERROR(AppendDocument(w, *d, metadata_only));
  }
  w.EndObject().EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status StartsWith(const HttpRequest& req, HttpResponse& res, Database& db) {
  documents::StartsWithQuery q;
  q.prefix = std::string(req.Query("startsWith"));
  q.matches = std::string(req.Query("matches"));
  q.exclude = std::string(req.Query("exclude"));
  q.start_after = std::string(req.Query("startAfter"));
  ROOKERY_ASSIGN_OR_RETURN(q.start, QueryUint(req, "start", 0));
  ROOKERY_ASSIGN_OR_RETURN(q.page_size, QueryUint(req, "pageSize", 25));
  ROOKERY_ASSIGN_OR_RETURN(bool metadata_only, QueryBool(req, "metadataOnly", false));
  ROOKERY_ASSIGN_OR_RETURN(std::vector<Document> docs, db.GetStartingWith(q));
  json::JsonWriter w;
  w.BeginObject().Key("Results").BeginArray();
  for (const auto& d : docs) {
    ROOKERY_RETURN_IF_ERROR(AppendDocument(w, d, metadata_only));
  }
  w.EndArray().EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status GetDocs(const HttpRequest& req, HttpResponse& res, Database& db) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (std::string_view id : req.QueryAll("id")) {
    if (seen.insert(Lower(id)).second) ids.emplace_back(id);
  }
  if (ids.empty()) return StartsWith(req, res, db);
  return LoadIds(req, res, db, ids);
}

Status PostDocs(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(req.body, "the load request"));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* ids_value,
                           RequireMember(body, "Ids", json::Type::kArray, "the load request"));
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& id : ids_value->items()) {
    if (!id.is_string()) {
      return Status::InvalidArgument("'Ids' must hold strings, got " +
                                     std::string(TypeName(id.type())));
    }
    if (seen.insert(Lower(id.as_string())).second) ids.push_back(id.as_string());
  }
  if (ids.empty()) return Status::InvalidArgument("'Ids' must not be empty");
  return LoadIds(req, res, db, ids);
}

Status PutDoc(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(std::string id, RequireQuery(req, "id"));
  ROOKERY_ASSIGN_OR_RETURN(json::Value doc, ParseJsonObjectBody(req.body, "the document"));
  documents::PutCommand put;
  put.id = id;
  put.document = std::move(doc);
  put.expected_change_vector = UnquotedHeader(req, "If-Match");
  std::vector<documents::Command> commands;
  commands.emplace_back(std::move(put));
  ROOKERY_ASSIGN_OR_RETURN(auto results, db.Execute(std::move(commands)));
  const auto& r = std::get<documents::PutResult>(results.at(0));
  json::JsonWriter w;
  w.BeginObject().Field("Id", r.id).Field("ChangeVector", r.change_vector).EndObject();
  SetJson(res, 201, w.Take());
  return Status::Ok();
}

Status DeleteDoc(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(std::string id, RequireQuery(req, "id"));
  std::vector<documents::Command> commands;
  commands.emplace_back(documents::DeleteCommand{id, UnquotedHeader(req, "If-Match")});
  ROOKERY_RETURN_IF_ERROR(db.Execute(std::move(commands)).status());
  res.status = 204;
  return Status::Ok();
}

Status HeadDoc(const HttpRequest& req, HttpResponse& res, Database& db) {
  ROOKERY_ASSIGN_OR_RETURN(std::string id, RequireQuery(req, "id"));
  ROOKERY_ASSIGN_OR_RETURN(std::optional<Document> doc, db.Get(id));
  if (!doc) {
    res.status = 404;
    return Status::Ok();
  }
  res.SetHeader("ETag", Quoted(doc->change_vector));
  auto inm = UnquotedHeader(req, "If-None-Match");
  res.status = inm && *inm == doc->change_vector ? 304 : 200;
  return Status::Ok();
}

}  // namespace

Result<std::string> DocumentJson(const Document& doc, bool metadata_only) {
  if (!metadata_only) return doc.json;
  ROOKERY_ASSIGN_OR_RETURN(json::Value v, json::Parse(doc.json));
  json::Value out = json::Value::Object();
  if (const json::Value* m = v.Find("@metadata")) out.Set("@metadata", *m);
  return json::Serialize(out);
}

void AddDocumentRoutes(Router& router, ServerContext& context) {
  router.AddDatabase("GET", "/docs", WithDatabase(context, GetDocs));
  router.AddDatabase("POST", "/docs", WithDatabase(context, PostDocs));
  router.AddDatabase("PUT", "/docs", WithDatabase(context, PutDoc));
  router.AddDatabase("DELETE", "/docs", WithDatabase(context, DeleteDoc));
  router.AddDatabase("HEAD", "/docs", WithDatabase(context, HeadDoc));
}

}  // namespace rookery::server
