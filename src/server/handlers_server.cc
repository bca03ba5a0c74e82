// Server-level endpoints: topology (protocol.md §5) and database administration (§6).
#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {

std::string NewGuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = rng(), lo = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xfff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

Router::DatabaseHandler WithDatabase(ServerContext& context, DocumentsHandler handler) {
  return [&context, handler = std::move(handler)](const HttpRequest& req, HttpResponse& res,
                                                  const std::string& name) {
    auto db = context.registry->Get(name);
    if (!db.ok()) {
      if (db.status().IsNotFound()) return SetDatabaseMissing(res, req.target, name);
      return SetErrorFromStatus(res, req.target, db.status());
    }
    Status s = handler(req, res, **db);
    if (!s.ok()) {
      res.headers.erase(
          std::remove_if(res.headers.begin(), res.headers.end(),
                         [](const auto& h) { return EqualsIgnoreCase(h.first, "ETag"); }),
          res.headers.end());
      SetErrorFromStatus(res, req.target, s);
    }
  };
}

Router::DatabaseHandler WithServices(ServerContext& context, ServicesHandler handler) {
  return [&context, handler = std::move(handler)](const HttpRequest& req, HttpResponse& res,
                                                  const std::string& name) {
    auto services = context.registry->Services(name);
    if (!services.ok()) {
      if (services.status().IsNotFound()) return SetDatabaseMissing(res, req.target, name);
      return SetErrorFromStatus(res, req.target, services.status());
    }
    Status s = handler(req, res, **services);
    if (!s.ok()) SetErrorFromStatus(res, req.target, s);
  };
}

namespace {

using AdminHandler = std::function<Status(const HttpRequest&, HttpResponse&)>;

Router::Handler Wrap(AdminHandler handler) {
  return [handler = std::move(handler)](const HttpRequest& req, HttpResponse& res) {
    Status s = handler(req, res);
    if (s.ok()) return;
    SetErrorFromStatus(res, req.target, s);
    if (s.IsNotFound()) {
      // An unknown database is 503 + Database-Missing: the client's DatabaseDoesNotExistException.
      res.status = 503;
      res.body = ErrorBody(req.target, kDatabaseDoesNotExist, s.message());
    }
  };
}

void WriteDatabaseTopology(json::JsonWriter& w, const ServerContext& context) {
  w.Key("Topology").BeginObject();
  w.Key("Members").BeginArray().String(context.node_tag).EndArray();
  w.Key("Promotables").BeginArray().EndArray();
  w.Key("Rehabs").BeginArray().EndArray();
  w.Field("ReplicationFactor", 1);
  w.Field("DynamicNodesDistribution", false);
  w.Key("Stamp").BeginObject().Field("Index", 1).Field("Term", 1).Field("LeadersTicks", -2);
  w.EndObject();
  w.Key("PriorityOrder").BeginArray().EndArray();
  w.EndObject();
}

void HandleTopology(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const std::string name(req.Query("name"));
  if (name.empty() || !context.registry->Exists(name)) {
    // protocol.md §4.4: this exact shape makes the client throw DatabaseDoesNotExistException.
    json::JsonWriter w;
    w.BeginObject()
        .Field("Type", "Error")
        .Field("Message", "Database " + name + " wasn't found")
        .EndObject();
    SetJson(res, 503, w.Take());
    res.SetHeader("Database-Missing", name);
    return;
  }
  json::JsonWriter w;
  w.BeginObject().Key("Nodes").BeginArray().BeginObject();
  w.Field("Url", RequestUrl(req, context.fallback_url));
  w.Field("ClusterTag", context.node_tag);
  w.Field("Database", name);
  w.Field("ServerRole", "Member");
  w.EndObject().EndArray();
  w.Field("Etag", 1);
  w.EndObject();
  SetJson(res, 200, w.Take());
}

void HandleClusterTopology(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const std::string url = RequestUrl(req, context.fallback_url);
  const std::string& tag = context.node_tag;
  json::JsonWriter w;
  w.BeginObject().Key("Topology").BeginObject();
  w.Field("TopologyId", context.topology_id);
  w.Key("AllNodes").BeginObject().Field(tag, url).EndObject();
  w.Key("Members").BeginObject().Field(tag, url).EndObject();
  w.Key("Promotables").BeginObject().EndObject();
  w.Key("Watchers").BeginObject().EndObject();
  w.Field("LastNodeId", tag);
  w.Field("Etag", 1);
  w.EndObject();
  w.Field("Etag", 1);
  w.Field("Leader", tag);
  w.Field("LeaderShipDuration", 1);
  w.Field("CurrentState", "Leader");
  w.Field("NodeTag", tag);
  w.Field("CurrentTerm", 1);
  w.Key("NodeLicenseDetails").BeginObject().EndObject();
  w.Key("LastStateChangeReason").Null();
  w.Key("Status").BeginObject().EndObject();
  w.EndObject();
  SetJson(res, 200, w.Take());
}

void HandleNodeInfo(ServerContext& context, const HttpRequest&, HttpResponse& res) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("NodeTag", context.node_tag);
  w.Field("TopologyId", context.topology_id);
  w.Key("Certificate").Null();
  w.Field("ClusterStatus", "Leader");
  w.Field("NumberOfCores", static_cast<int>(std::thread::hardware_concurrency()));
  w.Field("InstalledMemoryInGb", 0);
  w.Field("UsableMemoryInGb", 0);
  w.Key("BuildInfo").Null();
  w.Field("ServerRole", "Member");
  w.Field("HasFixedPort", false);
  w.Field("ServerSchemaVersion", 60);
  w.EndObject();
  SetJson(res, 200, w.Take());
}

Status HandleCreateDatabase(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value record,
                           ParseJsonObjectBody(req.body, "the database record"));
  ROOKERY_ASSIGN_OR_RETURN(
      const json::Value* body_name,
      OptionalMember(record, "DatabaseName", json::Type::kString, "the database record"));
  std::string name(req.Query("name"));
  if (name.empty() && body_name != nullptr) name = body_name->as_string();
  if (name.empty()) {
    return Status::InvalidArgument(
        "the database name is missing: pass ?name= or DatabaseName in the record");
  }
  if (body_name != nullptr && !EqualsIgnoreCase(body_name->as_string(), name)) {
    return Status::InvalidArgument("the query string says database '" + name +
                                   "' but the record's DatabaseName is '" + body_name->as_string() +
                                   "'");
  }
  // A revisions configuration in the record (the client's `revisions`) is checked before the
  // database exists and then stored in the database itself, like POST /admin/revisions/config.
  std::optional<documents::RevisionsConfig> revisions;
  if (const json::Value* r = record.Find("Revisions"); r != nullptr && !r->is_null()) {
    ROOKERY_ASSIGN_OR_RETURN(revisions, documents::ParseRevisionsConfig(*r));
  }
  ROOKERY_RETURN_IF_ERROR(context.registry->Create(name, std::move(record)));
  if (revisions) {
    ROOKERY_ASSIGN_OR_RETURN(auto db, context.registry->Get(name));
    ROOKERY_RETURN_IF_ERROR(db->ConfigureRevisions(*revisions));
  }
  json::JsonWriter w;
  w.BeginObject();
  w.Field("RaftCommandIndex", context.registry->NextCommandIndex());
  w.Field("Name", name);
  WriteDatabaseTopology(w, context);
  w.Key("NodesAddedTo").BeginArray().String(RequestUrl(req, context.fallback_url)).EndArray();
  w.EndObject();
  SetJson(res, 201, w.Take());
  return Status::Ok();
}

Status HandleDeleteDatabases(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value body,
                           ParseJsonObjectBody(req.body, "the delete-databases request"));
  ROOKERY_ASSIGN_OR_RETURN(
      const json::Value* names,
      RequireMember(body, "DatabaseNames", json::Type::kArray, "the delete-databases request"));
  ROOKERY_RETURN_IF_ERROR(
      OptionalMember(body, "HardDelete", json::Type::kBool, "the delete-databases request")
          .status());
  std::vector<std::string> to_delete;
  for (const auto& n : names->items()) {
    if (!n.is_string()) {
      return Status::InvalidArgument("'DatabaseNames' must hold strings, got " +
                                     std::string(TypeName(n.type())));
    }
    // All or nothing: check every name before deleting any.
    if (!context.registry->Exists(n.as_string())) {
      return Status::NotFound("Database '" + n.as_string() + "' does not exist");
    }
    to_delete.push_back(n.as_string());
  }
  for (const auto& n : to_delete) ROOKERY_RETURN_IF_ERROR(context.registry->Delete(n));
  json::JsonWriter w;
  w.BeginObject()
      .Field("RaftCommandIndex", context.registry->NextCommandIndex())
      .Key("PendingDeletes")
      .BeginArray()
      .EndArray()
      .EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

Status HandleGetRecord(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  ROOKERY_ASSIGN_OR_RETURN(std::string name, RequireQuery(req, "name"));
  auto record = context.registry->Record(name);
  if (!record.ok()) {
    if (!record.status().IsNotFound()) return record.status();
    res.status = 404;  // the client's GetDatabaseRecordOperation returns null
    return Status::Ok();
  }
  json::Value out = std::move(record).value();
  if (out.Find("Disabled") == nullptr) out.Set("Disabled", json::Value::Bool(false));
  if (out.Find("Settings") == nullptr) out.Set("Settings", json::Value::Object());
  if (out.Find("Topology") == nullptr) {
    json::JsonWriter w;
    w.BeginObject();
    WriteDatabaseTopology(w, context);
    w.EndObject();
    auto topology = json::Parse(w.str());
    if (topology.ok()) out.Set("Topology", std::move(*topology->Find("Topology")));
  }
  // The revisions configuration lives in the database's own storage (docs/formats/revisions.md).
  ROOKERY_ASSIGN_OR_RETURN(auto db, context.registry->Get(name));
  ROOKERY_ASSIGN_OR_RETURN(std::optional<json::Value> revisions, db->RevisionsConfigJson());
  if (revisions) out.Set("Revisions", std::move(*revisions));
  SetJson(res, 200, json::Serialize(out));
  return Status::Ok();
}

Status HandleListDatabases(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  ROOKERY_ASSIGN_OR_RETURN(uint64_t start, QueryUint(req, "start", 0));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t page_size, QueryUint(req, "pageSize", 1024));
  ROOKERY_ASSIGN_OR_RETURN(bool names_only, QueryBool(req, "namesOnly", false));
  const std::vector<std::string> names = context.registry->List();
  json::JsonWriter w;
  w.BeginObject().Key("Databases").BeginArray();
  for (uint64_t i = start; i < names.size() && i - start < page_size; ++i) {
    if (names_only) {
      w.String(names[i]);
    } else {
      w.BeginObject()
          .Field("Name", names[i])
          .Field("Disabled", false)
          .Field("IsEncrypted", false)
          .Key("NodesTopology")
          .BeginObject()
          .Key("Members")
          .BeginArray()
          .BeginObject()
          .Field("NodeTag", context.node_tag)
          .Field("NodeUrl", RequestUrl(req, context.fallback_url))
          .EndObject()
          .EndArray()
          .EndObject()
          .EndObject();
    }
  }
  w.EndArray().EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

}  // namespace

void AddServerRoutes(Router& router, ServerContext& context) {
  ServerContext* c = &context;
  router.Add("GET", "/topology",
             [c](const HttpRequest& req, HttpResponse& res) { HandleTopology(*c, req, res); });
  router.Add("GET", "/cluster/topology", [c](const HttpRequest& req, HttpResponse& res) {
    HandleClusterTopology(*c, req, res);
  });
  router.Add("GET", "/cluster/node-info",
             [c](const HttpRequest& req, HttpResponse& res) { HandleNodeInfo(*c, req, res); });
  router.Add("PUT", "/admin/databases", Wrap([c](const HttpRequest& req, HttpResponse& res) {
               return HandleCreateDatabase(*c, req, res);
             }));
  router.Add("DELETE", "/admin/databases", Wrap([c](const HttpRequest& req, HttpResponse& res) {
               return HandleDeleteDatabases(*c, req, res);
             }));
  router.Add("GET", "/admin/databases", Wrap([c](const HttpRequest& req, HttpResponse& res) {
               return HandleGetRecord(*c, req, res);
             }));
  router.Add("GET", "/databases", Wrap([c](const HttpRequest& req, HttpResponse& res) {
               return HandleListDatabases(*c, req, res);
             }));
}

}  // namespace rookery::server
