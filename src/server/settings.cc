#include "server/settings.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

namespace rookery::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Status Invalid(std::string_view key, std::string_view value, std::string_view source,
               std::string_view why) {
  return Status::InvalidArgument("setting " + std::string(key) + "='" + std::string(value) +
                                 "' from " + std::string(source) + ": " + std::string(why));
}

Result<bool> ParseBool(std::string_view v) {
  const std::string l = Lower(v);
  if (l == "true" || l == "1" || l == "yes") return true;
  if (l == "false" || l == "0" || l == "no") return false;
  return Status::InvalidArgument("expected true or false");
}

template <typename T>
bool ParseUint(std::string_view v, T* out) {
  auto res = std::from_chars(v.data(), v.data() + v.size(), *out);
  return res.ec == std::errc() && res.ptr == v.data() + v.size();
}

// RavenDB keys we know and deliberately do not act on: they are logged as ignored, not refused.
// Anything else unknown is ignored as well, with the same log line.

Status ApplyServerUrl(Settings* s, std::string_view key, std::string_view value,
                      std::string_view source) {
  std::string_view rest = value;
  if (rest.starts_with("https://")) {
    return Invalid(key, value, source, "TLS is not supported yet; use an http:// URL");
  }
  if (!rest.starts_with("http://")) {
    return Invalid(key, value, source, "expected http://<host>:<port>");
  }
  rest.remove_prefix(7);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string host;
  uint16_t port = 80;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return Invalid(key, value, source, "unbalanced '['");
    host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() == ':') {
      if (!ParseUint(rest.substr(1), &port)) return Invalid(key, value, source, "bad port");
    } else if (!rest.empty()) {
      return Invalid(key, value, source, "unexpected text after the address");
    }
  } else {
    auto colon = rest.rfind(':');
    host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos && !ParseUint(rest.substr(colon + 1), &port)) {
      return Invalid(key, value, source, "bad port");
    }
  }
  if (host.empty()) return Invalid(key, value, source, "missing host");
  if (host == "localhost") host = "127.0.0.1";
  s->bind = host;
  s->port = port;
  return Status::Ok();
}

}  // namespace

std::string Settings::Url() const {
  const bool v6 = bind.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + bind + "]" : bind) + ":" + std::to_string(port);
}

Status SettingsBuilder::Apply(std::string_view key, std::string_view value,
                              std::string_view source) {
  Settings* s = settings_;
  const std::string k = Lower(key);
  auto mark = [&](const char* name) { s->origin[name] = std::string(source); };
  if (k == "serverurl") {
    ROOKERY_RETURN_IF_ERROR(ApplyServerUrl(s, key, value, source));
    mark("bind");
    mark("port");
  } else if (k == "datadir" || k == "data-dir") {
    if (value.empty()) return Invalid(key, value, source, "empty path");
    s->data_dir = std::string(value);
    mark("data_dir");
  } else if (k == "bind") {
    if (value.empty()) return Invalid(key, value, source, "empty address");
    s->bind = std::string(value);
    mark("bind");
  } else if (k == "port") {
    uint16_t port;
    if (!ParseUint(value, &port)) return Invalid(key, value, source, "expected 0..65535");
    s->port = port;
    mark("port");
  } else if (k == "runinmemory" || k == "in-memory") {
    auto b = ParseBool(value);
    if (!b.ok()) return Invalid(key, value, source, b.status().message());
    s->in_memory = *b;
    mark("in_memory");
  } else if (k == "logs.mode" || k == "logs.minlevel" || k == "loglevel" || k == "log-level") {
    auto level = log::ParseLevel(value);
    if (!level) {
      return Invalid(key, value, source,
                     "expected trace, debug, info, warn, error, off (or RavenDB's None, "
                     "Operations, Information)");
    }
    s->log_level = *level;
    mark("log_level");
  } else if (k == "http.maxrequestbodysizeinmb") {
    uint64_t mb;
    if (!ParseUint(value, &mb) || mb == 0 || mb > 1024 * 1024) {
      return Invalid(key, value, source, "expected a size in MiB");
    }
    s->max_body_bytes = mb << 20;
    mark("max_body_bytes");
  } else if (k == "http.workerthreads") {
    unsigned n;
    if (!ParseUint(value, &n) || n > 1024) return Invalid(key, value, source, "expected 0..1024");
    s->worker_threads = n;
    mark("worker_threads");
  } else if (k == "http.busypollmicroseconds") {
    uint32_t n;
    if (!ParseUint(value, &n) || n > 10'000) {
      return Invalid(key, value, source, "expected 0..10000 (microseconds; 0 turns it off)");
    }
    s->busy_poll_micros = n;
    mark("busy_poll_micros");
  } else {
    s->ignored.push_back(std::string(key) + " (from " + std::string(source) + ")");
  }
  return Status::Ok();
}

namespace {

Status FlattenJson(simdjson::dom::element element, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>* out) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::OBJECT:
      for (auto field : element.get_object()) {
        std::string key =
            prefix.empty() ? std::string(field.key) : prefix + "." + std::string(field.key);
        ROOKERY_RETURN_IF_ERROR(FlattenJson(field.value, key, out));
      }
      return Status::Ok();
    case element_type::STRING:
      out->emplace_back(prefix, std::string(element.get_string().value()));
      return Status::Ok();
    case element_type::BOOL:
      out->emplace_back(prefix, element.get_bool().value() ? "true" : "false");
      return Status::Ok();
    case element_type::INT64:
      out->emplace_back(prefix, std::to_string(element.get_int64().value()));
      return Status::Ok();
    case element_type::UINT64:
      out->emplace_back(prefix, std::to_string(element.get_uint64().value()));
      return Status::Ok();
    case element_type::DOUBLE:
      out->emplace_back(prefix, std::to_string(element.get_double().value()));
      return Status::Ok();
    case element_type::NULL_VALUE:
      return Status::Ok();  // null means "not set"
    case element_type::ARRAY:
      out->emplace_back(prefix, simdjson::minify(element));
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Status SettingsBuilder::ApplyJsonFile(std::string_view text, std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    return Status::InvalidArgument("settings file " + std::string(source) +
                                   " is not valid JSON: " + simdjson::error_message(error));
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) {
    return Status::InvalidArgument("settings file " + std::string(source) +
                                   " must hold a JSON object");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  ROOKERY_RETURN_IF_ERROR(FlattenJson(root, "", &pairs));
  for (const auto& [k, v] : pairs) ROOKERY_RETURN_IF_ERROR(Apply(k, v, source));
  return Status::Ok();
}

Status SettingsBuilder::ApplyEnvironment(const std::vector<std::string>& entries) {
  static const std::pair<const char*, const char*> kOurs[] = {{"ROOKERY_DATA_DIR", "DataDir"},
                                                              {"ROOKERY_BIND", "Bind"},
                                                              {"ROOKERY_PORT", "Port"},
                                                              {"ROOKERY_LOG_LEVEL", "LogLevel"},
                                                              {"ROOKERY_IN_MEMORY", "RunInMemory"}};
  for (const auto& entry : entries) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    const std::string value = entry.substr(eq + 1);
    bool matched = false;
    for (const auto& [env_name, key] : kOurs) {
      if (name == env_name) {
        ROOKERY_RETURN_IF_ERROR(Apply(key, value, "environment " + name));
        matched = true;
      }
    }
    if (!matched && name.starts_with("RAVEN_") && name.size() > 6) {
      std::string key = name.substr(6);
      std::replace(key.begin(), key.end(), '_', '.');
      ROOKERY_RETURN_IF_ERROR(Apply(key, value, "environment " + name));
    }
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> ExtractRavenArgs(std::vector<std::string>* args) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> rest;
  for (auto& arg : *args) {
    const bool raven = arg.size() > 3 && arg.starts_with("--") &&
                       std::isupper(static_cast<unsigned char>(arg[2])) &&
                       arg.find('=') != std::string::npos;
    if (raven) {
      const auto eq = arg.find('=');
      out.emplace_back(arg.substr(2, eq - 2), arg.substr(eq + 1));
    } else {
      rest.push_back(std::move(arg));
    }
  }
  *args = std::move(rest);
  return out;
}

}  // namespace rookery::server
