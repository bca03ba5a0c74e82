#include "server/request_util.h"

#include <charconv>
#include <cstdio>

#include "documents/revisions.h"

namespace rookery::server {

const char* TypeName(json::Type type) {
  return json::TypeDescription(type).data();
}

namespace {

bool HasKind(const json::Value& v, json::Type kind) {
  switch (kind) {
    case json::Type::kInt:
    case json::Type::kUint:
    case json::Type::kDouble:
      return v.is_number();
    default:
      return v.type() == kind;
  }
}

}  // namespace

Result<json::Value> ParseJsonBody(std::string_view body, std::string_view what) {
  size_t i = 0;
  while (i < body.size() &&
         (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) {
    ++i;
  }
  if (i == body.size()) {
    return Status::InvalidArgument("request body is empty, expected " + std::string(what));
  }
  auto parsed = json::Parse(body);
  if (!parsed.ok()) {
    return Status::InvalidArgument("could not parse " + std::string(what) + ": " +
                                   std::string(parsed.status().message()));
  }
  return parsed;
}

Result<json::Value> ParseJsonObjectBody(std::string_view body, std::string_view what) {
  ROOKERY_ASSIGN_OR_RETURN(json::Value v, ParseJsonBody(body, what));
  if (!v.is_object()) {
    return Status::InvalidArgument("expected " + std::string(what) + " to be a JSON object, got " +
                                   TypeName(v.type()));
  }
  return v;
}

Result<const json::Value*> OptionalMember(const json::Value& object, std::string_view key,
                                          json::Type kind, std::string_view context) {
  const json::Value* v = object.Find(key);
  if (v == nullptr || v->is_null()) return static_cast<const json::Value*>(nullptr);
  if (!HasKind(*v, kind)) {
    return Status::InvalidArgument("'" + std::string(key) + "' in " + std::string(context) +
                                   " must be " + TypeName(kind) + ", got " + TypeName(v->type()));
  }
  return v;
}

Result<const json::Value*> RequireMember(const json::Value& object, std::string_view key,
                                         json::Type kind, std::string_view context) {
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, OptionalMember(object, key, kind, context));
  if (v == nullptr) {
    return Status::InvalidArgument("'" + std::string(key) + "' is missing in " +
                                   std::string(context) + " (expected " + TypeName(kind) + ")");
  }
  return v;
}

Result<std::string> RequireQuery(const HttpRequest& req, std::string_view key) {
  std::string_view v = req.Query(key);
  if (v.empty()) {
    return Status::InvalidArgument("query string parameter '" + std::string(key) +
                                   "' is mandatory but was not specified");
  }
  return std::string(v);
}

Result<uint64_t> QueryUint(const HttpRequest& req, std::string_view key, uint64_t fallback) {
  std::string_view v = req.Query(key);
  if (v.empty()) return fallback;
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return Status::InvalidArgument("query string parameter '" + std::string(key) +
                                   "' must be a non-negative integer, got '" + std::string(v) +
                                   "'");
  }
  return out;
}

Result<bool> QueryBool(const HttpRequest& req, std::string_view key, bool fallback) {
  if (!req.HasQuery(key)) return fallback;
  std::string_view v = req.Query(key);
  if (v.empty() || EqualsIgnoreCase(v, "true")) return true;
  if (EqualsIgnoreCase(v, "false")) return false;
  return Status::InvalidArgument("query string parameter '" + std::string(key) +
                                 "' must be true or false, got '" + std::string(v) + "'");
}

std::optional<std::string> UnquotedHeader(const HttpRequest& req, std::string_view name) {
  std::string_view v = req.Header(name);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

void SetJson(HttpResponse& res, int status, std::string body) {
  res.status = status;
  res.body = std::move(body);
  res.SetHeader("Content-Type", "application/json; charset=utf-8");
}

std::string RequestUrl(const HttpRequest& req, std::string_view fallback) {
  std::string_view host = req.Header("Host");
  if (host.empty()) return std::string(fallback);
  return "http://" + std::string(host);
}

Result<uint64_t> ParseTimeSpanMicros(std::string_view text, std::string_view what) {
  std::optional<uint64_t> micros = documents::ParseTimeSpan(text);
  if (!micros) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text) +
                                   "' is not a TimeSpan ([d.]hh:mm:ss[.fffffff])");
  }
  return *micros;
}

}  // namespace rookery::server
