#include "server/errors.h"

#include "json/writer.h"

namespace rookery::server {

std::string ErrorBody(std::string_view url, std::string_view type, std::string_view message) {
  json::JsonWriter w;
  w.BeginObject()
      .Field("Url", url)
      .Field("Type", type)
      .Field("Message", message)
      .Field("Error", message)  // the client shows Error for statuses other than 409
      .EndObject();
  return w.Take();
}

void SetError(HttpResponse& res, int status, std::string_view url, std::string_view type,
              std::string_view message) {
  res.status = status;
  res.body = ErrorBody(url, type, message);
  res.SetHeader("Content-Type", "application/json; charset=utf-8");
}

void SetErrorFromStatus(HttpResponse& res, std::string_view url, const Status& status) {
  int http = 500;
  std::string_view type = kInternalError;
  switch (status.code()) {
    case Code::kInvalidArgument:
      http = 400;
      type = kBadRequest;
      break;
    case Code::kConflict:
    case Code::kAlreadyExists:
      http = 409;
      type = kConcurrency;
      break;
    case Code::kNotFound:
      http = 404;
      type = kDocumentDoesNotExist;
      break;
    case Code::kNotSupported:
      http = 501;
      type = kNotSupported;
      break;
    case Code::kBusy:
      http = 503;
      type = "Raven.Client.Exceptions.ServerLoadFailureException";
      break;
    case Code::kTimeout:
      // Not 504/408: the client treats those as an unreachable node and fails over.
      http = 500;
      type = "System.TimeoutException";
      break;
    default:
      break;
  }
  // Lower-layer internals (corruption, I/O) keep their code name; client-facing refusals read
  // better without it.
  const bool plain = http != 500 || status.code() == Code::kTimeout;
  SetError(res, http, url, type, plain ? std::string(status.message()) : status.ToString());
}

void SetDatabaseMissing(HttpResponse& res, std::string_view url, std::string_view name) {
  SetError(res, 503, url, kDatabaseDoesNotExist,
           "Database '" + std::string(name) + "' was not found");
  res.SetHeader("Database-Missing", std::string(name));
}

}  // namespace rookery::server
