// RavenDB-shaped error responses: {"Url","Type","Message","Error"} (protocol.md §4.2).
#pragma once

#include <string_view>

#include "base/status.h"
#include "server/http.h"

namespace rookery::server {

// Exception type names the RavenDB client maps to its errors (protocol.md §4.3).
inline constexpr std::string_view kRouteNotFound = "Raven.Server.Routing.RouteNotFoundException";
inline constexpr std::string_view kBadRequest = "Raven.Client.Exceptions.BadRequestException";
inline constexpr std::string_view kNotSupported = "System.NotSupportedException";
inline constexpr std::string_view kInternalError = "System.InvalidOperationException";
inline constexpr std::string_view kConcurrency = "Raven.Client.Exceptions.ConcurrencyException";
inline constexpr std::string_view kDatabaseDoesNotExist =
    "Raven.Client.Exceptions.Database.DatabaseDoesNotExistException";
inline constexpr std::string_view kDocumentDoesNotExist =
    "Raven.Client.Exceptions.Documents.DocumentDoesNotExistException";

std::string ErrorBody(std::string_view url, std::string_view type, std::string_view message);
void SetError(HttpResponse& res, int status, std::string_view url, std::string_view type,
              std::string_view message);
// Maps a Status from a lower layer to an HTTP status and a RavenDB exception type:
// kInvalidArgument -> 400 BadRequestException, kConflict and kAlreadyExists -> 409
// ConcurrencyException, kNotFound -> 404, kNotSupported -> 501 NotSupportedException,
// kBusy -> 503, kTimeout -> 504, anything else -> 500. The message is the Status's message.
void SetErrorFromStatus(HttpResponse& res, std::string_view url, const Status& status);
// 503 + Database-Missing: <name> + DatabaseDoesNotExistException (protocol.md §4.4): the client
// throws DatabaseDoesNotExistException.
void SetDatabaseMissing(HttpResponse& res, std::string_view url, std::string_view name);

}  // namespace rookery::server
