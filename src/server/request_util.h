// Helpers shared by the handlers: reading JSON bodies and query parameters with clear 400
// errors, and writing JSON responses.
//
// Every function that can fail returns kInvalidArgument with a message naming the field or
// parameter and what was expected; handlers pass such a Status to SetErrorFromStatus (400
// BadRequestException).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "json/value.h"
#include "server/http.h"

namespace rookery::server {

// Parses the body as JSON; malformed JSON is kInvalidArgument with the parser's position message.
// An empty body is an error too ("request body is empty, expected a JSON object").
Result<json::Value> ParseJsonBody(std::string_view body, std::string_view what);
// Like ParseJsonBody, and the value must be an object.
Result<json::Value> ParseJsonObjectBody(std::string_view body, std::string_view what);

// A member that must be present with the given type; `context` names the enclosing object in the
// message ("'Commands[2]'").
Result<const json::Value*> RequireMember(const json::Value& object, std::string_view key,
                                         json::Type kind, std::string_view context);
// An optional member: nullptr when absent or null; a wrong type is an error.
Result<const json::Value*> OptionalMember(const json::Value& object, std::string_view key,
                                          json::Type kind, std::string_view context);

// A mandatory, non-empty query parameter.
Result<std::string> RequireQuery(const HttpRequest& req, std::string_view key);
// An optional unsigned integer query parameter; `fallback` when absent or empty.
Result<uint64_t> QueryUint(const HttpRequest& req, std::string_view key, uint64_t fallback);
// An optional boolean query parameter ("true"/"false", case-insensitive).
Result<bool> QueryBool(const HttpRequest& req, std::string_view key, bool fallback);

// A header value without surrounding quotes: "\"A:1-x\"" -> "A:1-x". nullopt when absent/empty.
std::optional<std::string> UnquotedHeader(const HttpRequest& req, std::string_view name);

// Sets a JSON body with the given status.
void SetJson(HttpResponse& res, int status, std::string body);

// The URL the client used to reach us ("http://" + Host), or `fallback` without a Host header.
std::string RequestUrl(const HttpRequest& req, std::string_view fallback);

const char* TypeName(json::Type type);

// A .NET TimeSpan "[d.]hh:mm:ss[.fffffff]" in microseconds; kInvalidArgument naming `what`.
Result<uint64_t> ParseTimeSpanMicros(std::string_view text, std::string_view what);

}  // namespace rookery::server
