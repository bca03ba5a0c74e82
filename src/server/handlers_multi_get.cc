// POST /databases/{db}/multi_get (protocol.md §12): lazy operations. Each sub-request goes
// through the same router as a direct call, so it behaves exactly like one.
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

constexpr size_t kMaxSubRequests = 1024;

Result<HttpRequest> ReadSubRequest(const HttpRequest& outer, const std::string& database,
                                   const json::Value& item, size_t index) {
  const std::string context = "Requests[" + std::to_string(index) + "]";
  if (!item.is_object()) {
    return Status::InvalidArgument(context + " must be an object, got " + TypeName(item.type()));
  }
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* url,
                           RequireMember(item, "Url", json::Type::kString, context));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* query,
                           OptionalMember(item, "Query", json::Type::kString, context));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* method,
                           OptionalMember(item, "Method", json::Type::kString, context));
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* headers,
                           OptionalMember(item, "Headers", json::Type::kObject, context));
  HttpRequest sub;
  sub.method = method ? method->as_string() : "GET";
  std::string path = url->as_string();
  // Clients send the full database path; a relative one ("/docs") is taken as the database's.
  if (!path.starts_with("/databases/")) path = "/databases/" + database + path;
  std::string q = query ? query->as_string() : std::string();
  if (!q.empty() && q.front() != '?') q.insert(q.begin(), '?');
  sub.target = path + q;
  ParseTarget(sub.target, &sub.path, &sub.query);
  if (headers != nullptr) {
    for (const auto& [name, value] : headers->members()) {
      if (value.is_string()) sub.headers.emplace_back(name, value.as_string());
    }
  }
  // Host decides the URL that topology-like answers carry; keep the outer one.
  if (sub.Header("Host").empty() && !outer.Header("Host").empty()) {
    sub.headers.emplace_back("Host", std::string(outer.Header("Host")));
  }
  // Content: a JSON string from the Node client, an object from C# clients.
  if (const json::Value* content = item.Find("Content"); content && !content->is_null()) {
    sub.body = content->is_string() ? content->as_string() : json::Serialize(*content);
  }
  sub.remote = outer.remote;
  std::string sub_db, rest;
  if (Router::SplitDatabasePath(sub.path, &sub_db, &rest) && rest == "/multi_get") {
    return Status::InvalidArgument(context + " is itself a multi_get, which cannot be nested");
  }
  return sub;
}

Status MultiGet(ServerContext& context, const HttpRequest& req, HttpResponse& res,
                const std::string& database) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value body,
                           ParseJsonObjectBody(req.body, "the multi_get request"));
  ROOKERY_ASSIGN_OR_RETURN(
      const json::Value* requests,
      RequireMember(body, "Requests", json::Type::kArray, "the multi_get request"));
  if (requests->items().size() > kMaxSubRequests) {
    return Status::InvalidArgument("a multi_get may hold at most " +
                                   std::to_string(kMaxSubRequests) + " requests, got " +
                                   std::to_string(requests->items().size()));
  }
  std::vector<HttpRequest> subs;
  for (size_t i = 0; i < requests->items().size(); ++i) {
    ROOKERY_ASSIGN_OR_RETURN(HttpRequest sub,
                             ReadSubRequest(req, database, requests->items()[i], i));
    subs.push_back(std::move(sub));
  }
  json::JsonWriter w;
  w.BeginObject().Key("Results").BeginArray();
  for (const HttpRequest& sub : subs) {
    HttpResponse sub_res;
    context.router->Dispatch(sub, sub_res);
    std::string sub_db, rest;
    if (sub_res.status == 404 && sub_res.body.empty() &&
        Router::SplitDatabasePath(sub.path, &sub_db, &rest) && rest == "/docs") {
      // A lazy load of one missing id: the Node client (7.2.2) parses Result without a null
      // check, so answer what a load of several ids would: the id's slot is null.
      sub_res.status = 200;
      sub_res.body = R"({"Results":[null],"Includes":{}})";
    }
    w.BeginObject().Key("Result");
    if (sub_res.status == 404 || sub_res.status == 304 || sub_res.body.empty()) {
      w.Null();
    } else {
      w.Raw(sub_res.body);
    }
    w.Field("StatusCode", sub_res.status);
    w.Key("Headers").BeginObject();
    for (const auto& [name, value] : sub_res.headers) {
      if (EqualsIgnoreCase(name, "Content-Type") ||
          EqualsIgnoreCase(name, "Raven-Server-Version")) {
        continue;
      }
      w.Field(name, value);
    }
    w.EndObject().EndObject();
  }
  w.EndArray().EndObject();
  SetJson(res, 200, w.Take());
  return Status::Ok();
}

}  // namespace

void AddMultiGetRoute(Router& router, ServerContext& context) {
  ServerContext* c = &context;
  router.AddDatabase("POST", "/multi_get",
                     [c](const HttpRequest& req, HttpResponse& res, const std::string& db) {
                       if (!c->registry->Exists(db)) return SetDatabaseMissing(res, req.target, db);
                       Status s = MultiGet(*c, req, res, db);
                       if (!s.ok()) SetErrorFromStatus(res, req.target, s);
                     });
}

}  // namespace rookery::server
