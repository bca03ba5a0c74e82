// /databases/{db}: queries (protocol.md §8.1-§8.2), delete by query and operations (§8.5),
// staleness waits (§10).
#include <optional>

#include "documents/ids.h"
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

constexpr std::string_view kInvalidQuery =
    "Raven.Client.Exceptions.Documents.Queries.InvalidQueryException";
constexpr std::string_view kIndexDoesNotExist =
    "Raven.Client.Exceptions.Documents.Indexes.IndexDoesNotExistException";
constexpr uint64_t kDefaultWaitMicros = 15ull * 1000 * 1000;
constexpr size_t kDeleteBatch = 1024;

// Query errors carry the query exceptions the client maps (InvalidQueryException for a
// malformed query or bad parameters, IndexDoesNotExistException with 404 for an unknown index).
void SetQueryError(HttpResponse& res, const HttpRequest& req, const Status& s) {
  if (s.code() == Code::kInvalidArgument) {
    return SetError(res, 400, req.target, kInvalidQuery, s.message());
  }
  if (s.code() == Code::kNotFound)
    return SetError(res, 404, req.target, kIndexDoesNotExist, s.message());
  // An errored index: RavenDB throws InvalidOperationException ("Index 'X' is marked as
  // errored. ..."), a 500 the client raises as a RavenException with that message.
  if (s.code() == Code::kFailedState)
    return SetError(res, 500, req.target, kInternalError, s.message());
  SetErrorFromStatus(res, req.target, s);
}

// WaitForNonStaleResultsTimeout: milliseconds as a number (Node client) or a .NET TimeSpan
// string "[d.]hh:mm:ss[.fffffff]" (C# clients).
Result<uint64_t> ReadTimeout(const json::Value* v) {
  if (v == nullptr || v->is_null()) return kDefaultWaitMicros;
  if (v->is_number()) {
    if (v->as_double() < 0) return Status::InvalidArgument("WaitForNonStaleResultsTimeout < 0");
    return static_cast<uint64_t>(v->as_double() * 1000);
  }
  if (!v->is_string()) {
    return Status::InvalidArgument("WaitForNonStaleResultsTimeout must be a number or a TimeSpan");
  }
  return ParseTimeSpanMicros(v->as_string(), "WaitForNonStaleResultsTimeout");
}

Result<query::QueryRequest> ReadQueryBody(const json::Value& body) {
  query::QueryRequest r;
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* q,
                           RequireMember(body, "Query", json::Type::kString, "query"));
  r.text = q->as_string();
  if (const json::Value* p = body.Find("QueryParameters"); p != nullptr && !p->is_null()) {
    if (!p->is_object()) {
      return Status::InvalidArgument("QueryParameters must be an object, got " +
                                     std::string(TypeName(p->type())));
    }
    r.parameters = *p;
  }
  if (const json::Value* w = body.Find("WaitForNonStaleResults"); w && w->is_bool()) {
    r.wait_for_non_stale = w->as_bool();
  }
  ROOKERY_ASSIGN_OR_RETURN(r.wait_timeout_micros,
                           ReadTimeout(body.Find("WaitForNonStaleResultsTimeout")));
  return r;
}

std::string IsoOrNull(uint64_t micros) {
  return micros == 0 ? "" : documents::FormatDate(micros);
}

std::string ResultBody(const query::QueryResult& r, const std::string& node_tag,
                       uint64_t now_micros) {
  // Sized once: the results are most of the body (about 12 KB for ten 1 KiB documents).
  size_t size = 1024;
  for (const std::string& doc : r.results) size += doc.size() + 1;
  for (const auto& [id, doc] : r.includes) size += id.size() + doc.size() + 4;
  std::string out;
  out.reserve(size);
  json::JsonWriter w(&out);
  w.BeginObject();
  w.Field("TotalResults", r.total_results);
  w.Field("LongTotalResults", r.total_results);
  w.Field("SkippedResults", r.skipped_results);
  w.Key("CappedMaxResults").Null();
  w.Field("DurationInMs", r.duration_micros / 1000);
  w.Key("IncludedPaths").Null();
  w.Field("IndexName", r.index_name);
  w.Key("Results").BeginArray();
  for (const std::string& doc : r.results) w.Raw(doc);
  w.EndArray();
  w.Key("Includes").BeginObject();
  for (const auto& [id, doc] : r.includes) w.Key(id).Raw(doc);
  w.EndObject();
  const std::string now = documents::FormatDate(now_micros);
  const std::string indexed = IsoOrNull(r.index_timestamp_micros);
  w.Field("IndexTimestamp", indexed.empty() ? now : indexed);
  w.Field("LastQueryTime", now);
  w.Field("IsStale", r.is_stale);
  w.Field("ResultEtag", r.result_etag);
  w.Field("NodeTag", node_tag);
  w.Key("Timings").Null();
  w.EndObject();
  return out;
}

// A query answered by QueryAnswersInline, kept for the handler that the I/O thread calls next
// with the same request (HttpServer calls Handle right after handle_inline returns true, on the
// same thread): the query is not parsed, planned and run a second time. Per thread, so it never
// crosses to another request: each QueryAnswersInline call clears it first, and requests handed
// to worker threads never see an I/O thread's answer.
struct InlineAnswer {
  const HttpRequest* request = nullptr;  // the request it answers (identity only)
  query::QueryRequest query;
  query::QueryResult result;
};
thread_local InlineAnswer inline_answer;

// The answer computed for `req` by QueryAnswersInline, if any (taken: it is used once).
std::optional<InlineAnswer> TakeInlineAnswer(const HttpRequest& req) {
  if (inline_answer.request != &req) return std::nullopt;
  std::optional<InlineAnswer> out(std::move(inline_answer));
  inline_answer = InlineAnswer{};
  return out;
}

Status RespondToQuery(ServerContext& context, const HttpRequest& req, HttpResponse& res,
                      const query::QueryRequest& request, Result<query::QueryResult> result) {
  if (!result.ok()) {
    SetQueryError(res, req, result.status());
    return Status::Ok();
  }
  // Still stale after waiting: an error, not stale results. RavenDB answers IsStale: true and
  // lets the client throw, but the Node client (7.x) then fails with a TypeError instead of its
  // TimeoutException (it never starts the stopwatch its message needs); System.TimeoutException
  // gives every client the TimeoutException it expects.
  if (request.wait_for_non_stale && result->is_stale) {
    SetErrorFromStatus(
        res, req.target,
        Status::Timeout("Waited for " + std::to_string(request.wait_timeout_micros / 1000) +
                        " ms for the query to return non stale results: index '" +
                        result->index_name +
                        "' has not caught up (is indexing stopped? see /indexes/status)"));
    return Status::Ok();
  }
  const std::string etag = "\"" + std::to_string(result->result_etag) + "\"";
  if (auto none_match = UnquotedHeader(req, "If-None-Match");
      none_match && *none_match == std::to_string(result->result_etag) && !result->is_stale) {
    res.status = 304;
    res.headers.emplace_back("ETag", etag);
    return Status::Ok();
  }
  SetJson(res, 200, ResultBody(*result, context.node_tag, context.env->NowMicros()));
  res.headers.emplace_back("ETag", etag);
  return Status::Ok();
}

Status RunQuery(ServerContext& context, const HttpRequest& req, HttpResponse& res,
                DatabaseServices& services, query::QueryRequest request) {
  return RespondToQuery(context, req, res, request, services.queries->Run(request));
}

}  // namespace

bool QueryAnswersInline(ServerContext& context, const HttpRequest& req) {
  inline_answer = InlineAnswer{};
  constexpr std::string_view kPrefix = "/databases/", kSuffix = "/queries";
  const std::string_view path = req.path;
  const bool post = req.method == "POST";
  if ((!post && req.method != "GET") || !path.starts_with(kPrefix) || !path.ends_with(kSuffix) ||
      path.size() <= kPrefix.size() + kSuffix.size()) {
    return false;
  }
  const std::string_view name =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (name.find('/') != std::string_view::npos) return false;
  std::shared_ptr<DatabaseServices> services = context.registry->OpenServices(name);
  if (services == nullptr) return false;
  query::QueryRequest request;
  if (post) {
    auto body = ParseJsonObjectBody(req.body, "query");
    if (!body.ok()) return false;
    auto read = ReadQueryBody(*body);
    if (!read.ok()) return false;
    request = std::move(read).value();
  } else {
    auto text = RequireQuery(req, "query");
    if (!text.ok()) return false;
    request.text = std::move(text).value();
  }
  auto result = services->queries->RunIfQuick(request);
  if (!result.ok() || !result->has_value()) return false;
  inline_answer = InlineAnswer{&req, std::move(request), std::move(**result)};
  return true;
}

void AddQueryRoutes(Router& router, ServerContext& context) {
  auto post = [&context](const HttpRequest& req, HttpResponse& res, DatabaseServices& services) {
    if (auto answer = TakeInlineAnswer(req)) {
      return RespondToQuery(context, req, res, answer->query, std::move(answer->result));
    }
    ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(req.body, "query"));
    auto request = ReadQueryBody(body);
    if (!request.ok()) {
      SetQueryError(res, req, request.status());
      return Status::Ok();
    }
    return RunQuery(context, req, res, services, std::move(request).value());
  };
  router.AddDatabase("POST", "/queries", WithServices(context, post));

  auto get = [&context](const HttpRequest& req, HttpResponse& res, DatabaseServices& services) {
    if (auto answer = TakeInlineAnswer(req)) {
      return RespondToQuery(context, req, res, answer->query, std::move(answer->result));
    }
    query::QueryRequest request;
    ROOKERY_ASSIGN_OR_RETURN(request.text, RequireQuery(req, "query"));
    return RunQuery(context, req, res, services, std::move(request));
  };
  router.AddDatabase("GET", "/queries", WithServices(context, get));

  // DeleteByQueryOperation: runs in the background; the client polls /operations/state.
  auto del = [&context](const HttpRequest& req, HttpResponse& res, DatabaseServices& services) {
    ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(req.body, "delete by query"));
    auto request = ReadQueryBody(body);
    if (!request.ok()) {
      SetQueryError(res, req, request.status());
      return Status::Ok();
    }
    // The Node client sends `allowStale=` (empty) for false; RavenDB reads an empty value as
    // absent, so only an explicit true allows stale results.
    bool allow_stale = false;
    if (!req.Query("allowStale").empty()) {
      ROOKERY_ASSIGN_OR_RETURN(allow_stale, QueryBool(req, "allowStale", false));
    }
    request->wait_for_non_stale = !allow_stale;
    if (req.HasQuery("staleTimeout")) {
      json::Value t = json::Value::String(std::string(req.Query("staleTimeout")));
      ROOKERY_ASSIGN_OR_RETURN(request->wait_timeout_micros, ReadTimeout(&t));
    }
    // Validate (parse, index exists) before answering, so a bad query fails the request itself.
    bool stale = false;
    auto probe = services.queries->MatchingIds(
        query::QueryRequest{request->text, request->parameters, false, 0, false}, &stale);
    if (!probe.ok()) {
      SetQueryError(res, req, probe.status());
      return Status::Ok();
    }
    DatabaseServices* s = &services;
    const uint64_t id = services.operations->Start(
        0, "delete by query: " + request->text,
        [s, r = std::move(request).value(), allow_stale]() -> Result<json::Value> {
          bool is_stale = false;
          ROOKERY_ASSIGN_OR_RETURN(auto ids, s->queries->MatchingIds(r, &is_stale));
          if (is_stale && !allow_stale) {
            return Status::Timeout(
                "Cannot perform delete by query on a stale index: it did not "
                "catch up within the stale timeout");
          }
          uint64_t deleted = 0;
          for (size_t i = 0; i < ids.size(); i += kDeleteBatch) {
            std::vector<documents::Command> batch;
            for (size_t j = i; j < ids.size() && j < i + kDeleteBatch; ++j) {
              batch.push_back(documents::DeleteCommand{ids[j], std::nullopt});
            }
            ROOKERY_ASSIGN_OR_RETURN(auto results, s->db->Execute(std::move(batch)));
            for (const auto& r2 : results) {
              if (std::get<documents::DeleteResult>(r2).deleted) ++deleted;
            }
          }
          std::vector<json::Member> m;
          m.emplace_back("Total", json::Value::Uint(deleted));
          m.emplace_back("DocumentsProcessed", json::Value::Uint(deleted));
          m.emplace_back("AttachmentsProcessed", json::Value::Uint(0));
          m.emplace_back("CountersProcessed", json::Value::Uint(0));
          m.emplace_back("TimeSeriesProcessed", json::Value::Uint(0));
          m.emplace_back("Query", json::Value::String(r.text));
          m.emplace_back("Details", json::Value::Array());
          return json::Value::Object(std::move(m));
        });
    json::JsonWriter w;
    w.BeginObject()
        .Field("OperationId", id)
        .Field("OperationNodeTag", context.node_tag)
        .EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("DELETE", "/queries", WithServices(context, del));

  auto patch = [](const HttpRequest&, HttpResponse&, DatabaseServices&) {
    return Status::NotSupported(
        "patch by query runs JavaScript patches, which Rookery does not support yet; see "
        "docs/compatibility.md");
  };
  router.AddDatabase("PATCH", "/queries", WithServices(context, patch));

  auto state = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& services) {
    ROOKERY_ASSIGN_OR_RETURN(uint64_t id, QueryUint(req, "id", 0));
    auto json = services.operations->StateJson(id);
    if (!json) return Status::NotFound("Operation " + std::to_string(id) + " does not exist");
    SetJson(res, 200, std::move(*json));
    return Status::Ok();
  };
  router.AddDatabase("GET", "/operations/state", WithServices(context, state));

  auto next = [&context](const HttpRequest&, HttpResponse& res, DatabaseServices& services) {
    json::JsonWriter w;
    w.BeginObject()
        .Field("Id", services.operations->NextId())
        .Field("NodeTag", context.node_tag)
        .EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("GET", "/operations/next-operation-id", WithServices(context, next));

  auto kill = [](const HttpRequest&, HttpResponse&, DatabaseServices&) {
    return Status::NotSupported("operations cannot be cancelled yet; see docs/compatibility.md");
  };
  router.AddDatabase("POST", "/operations/kill", WithServices(context, kill));
}

}  // namespace rookery::server
