// The HTTP request and response as handlers see them: plain structs, no Boost headers, so that
// only http_server.cc pays Beast's compile cost (dependencies.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rookery::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent: "GET", "PUT", "RESET", ...
  std::string target;  // raw request target: path and query
  std::string path;    // percent-decoded path without the query
  // Query parameters in order, percent-decoded; a bare flag ("?wait-for-indexing") has value "".
  std::vector<std::pair<std::string, std::string>> query;
  HeaderList headers;
  std::string body;
  std::string remote;  // peer address, for logs

  // The first header with this name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
  bool HasQuery(std::string_view key) const;
  // The first value of a query parameter, or "" if absent.
  std::string_view Query(std::string_view key) const;
  // Every value of a repeated query parameter (?id=a&id=b).
  std::vector<std::string_view> QueryAll(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
};

// Splits a request target into a decoded path and decoded query parameters.
void ParseTarget(std::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);
// Percent-decoding; `plus_is_space` for query components (as ASP.NET decodes them).
std::string PercentDecode(std::string_view in, bool plus_is_space);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rookery::server
