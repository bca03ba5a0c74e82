// The revisions configuration: parsing RavenDB's JSON, the canonical form, TimeSpans.
#include <cstdio>

#include "documents/ids.h"
#include "documents/revisions.h"

namespace rookery::documents {
namespace {

constexpr uint64_t kMicrosPerSecond = 1000000;

Result<bool> OptionalBool(const json::Value& obj, std::string_view key, std::string_view where) {
  const json::Value* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool()) {
    return Status::InvalidArgument(std::string(where) + "." + std::string(key) +
                                   " must be true or false, got " +
                                   std::string(json::TypeDescription(v->type())));
  }
  return v->as_bool();
}

Result<std::optional<uint64_t>> OptionalCount(const json::Value& obj, std::string_view key,
                                              std::string_view where) {
  const json::Value* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::optional<uint64_t>();
  const bool integral = v->type() == json::Type::kInt || v->type() == json::Type::kUint;
  if (!integral || (v->type() == json::Type::kInt && v->as_int() < 0)) {
    return Status::InvalidArgument(std::string(where) + "." + std::string(key) +
                                   " must be null or a non-negative integer, got " +
                                   json::Serialize(*v));
  }
  return std::optional<uint64_t>(v->as_uint());
}

Result<CollectionRevisionsConfig> ParseCollection(const json::Value& v, std::string_view where) {
  if (!v.is_object()) {
    return Status::InvalidArgument(std::string(where) + " must be an object, got " +
                                   std::string(json::TypeDescription(v.type())));
  }
  CollectionRevisionsConfig c;
  ROOKERY_ASSIGN_OR_RETURN(c.disabled, OptionalBool(v, "Disabled", where));
  ROOKERY_ASSIGN_OR_RETURN(c.purge_on_delete, OptionalBool(v, "PurgeOnDelete", where));
  ROOKERY_ASSIGN_OR_RETURN(c.minimum_revisions_to_keep,
                           OptionalCount(v, "MinimumRevisionsToKeep", where));
  ROOKERY_ASSIGN_OR_RETURN(c.maximum_revisions_to_delete_upon_update,
                           OptionalCount(v, "MaximumRevisionsToDeleteUponDocumentUpdate", where));
  if (const json::Value* age = v.Find("MinimumRevisionAgeToKeep"); age && !age->is_null()) {
    std::optional<uint64_t> micros;
    if (age->is_string()) micros = ParseTimeSpan(age->as_string());
    if (!micros) {
      return Status::InvalidArgument(std::string(where) +
                                     ".MinimumRevisionAgeToKeep must be null or a TimeSpan "
                                     "such as \"7.00:00:00\", got " +
                                     json::Serialize(*age));
    }
    c.minimum_revision_age_micros = micros;
  }
  return c;
}

json::Value CollectionToJson(const CollectionRevisionsConfig& c) {
  auto count = [](const std::optional<uint64_t>& v) {
    return v ? json::Value::Uint(*v) : json::Value::Null();
  };
  json::Value out = json::Value::Object();
  out.Set("Disabled", json::Value::Bool(c.disabled));
  out.Set("MinimumRevisionsToKeep", count(c.minimum_revisions_to_keep));
  out.Set("MinimumRevisionAgeToKeep",
          c.minimum_revision_age_micros
              ? json::Value::String(FormatTimeSpan(*c.minimum_revision_age_micros))
              : json::Value::Null());
  out.Set("PurgeOnDelete", json::Value::Bool(c.purge_on_delete));
  out.Set("MaximumRevisionsToDeleteUponDocumentUpdate",
          count(c.maximum_revisions_to_delete_upon_update));
  return out;
}

// Digits of text[*pos..] as a number; false when there is none or it overflows.
bool ReadNumber(std::string_view text, size_t* pos, uint64_t* out, size_t max_digits = 12) {
  size_t start = *pos;
  uint64_t v = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9' &&
         *pos - start < max_digits) {
    v = v * 10 + static_cast<uint64_t>(text[*pos] - '0');
    ++*pos;
  }
  *out = v;
  return *pos > start;
}

}  // namespace

const CollectionRevisionsConfig* RevisionsConfig::For(std::string_view collection) const {
  const CollectionRevisionsConfig* c = nullptr;
  if (auto it = collections.find(Lower(collection)); it != collections.end()) {
    c = &it->second.second;
  } else if (default_config) {
    c = &*default_config;
  }
  return c != nullptr && !c->disabled ? c : nullptr;
}

Result<RevisionsConfig> ParseRevisionsConfig(const json::Value& value) {
  if (!value.is_object()) {
    return Status::InvalidArgument("the revisions configuration must be a JSON object, got " +
                                   std::string(json::TypeDescription(value.type())));
  }
  RevisionsConfig config;
  // "DefaultConfig": what the Node client's create-database call sends for the default.
  const json::Value* d = value.Find("Default");
  if (d == nullptr) d = value.Find("DefaultConfig");
  if (d != nullptr && !d->is_null()) {
    ROOKERY_ASSIGN_OR_RETURN(config.default_config, ParseCollection(*d, "Default"));
  }
  if (const json::Value* cs = value.Find("Collections"); cs && !cs->is_null()) {
    if (!cs->is_object()) {
      return Status::InvalidArgument("Collections must be an object of collection names, got " +
                                     std::string(json::TypeDescription(cs->type())));
    }
    for (const json::Member& m : cs->members()) {
      if (m.first.empty()) return Status::InvalidArgument("Collections has an empty name");
      ROOKERY_ASSIGN_OR_RETURN(auto c, ParseCollection(m.second, "Collections." + m.first));
      config.collections[Lower(m.first)] = {m.first, c};
    }
  }
  return config;
}

json::Value RevisionsConfigToJson(const RevisionsConfig& config) {
  json::Value out = json::Value::Object();
  out.Set("Default",
          config.default_config ? CollectionToJson(*config.default_config) : json::Value::Null());
  json::Value collections = json::Value::Object();
  for (const auto& [key, entry] : config.collections) {
    collections.Set(entry.first, CollectionToJson(entry.second));
  }
  out.Set("Collections", std::move(collections));
  return out;
}

std::optional<uint64_t> ParseTimeSpan(std::string_view text) {
  // [-][d.]hh:mm:ss[.fffffff]; negative spans mean nothing for an age and are refused.
  size_t pos = 0;
  uint64_t first = 0;
  if (!ReadNumber(text, &pos, &first)) return std::nullopt;
  uint64_t days = 0;
  uint64_t hours = first;
  if (pos < text.size() && text[pos] == '.') {
    days = first;
    ++pos;
    if (!ReadNumber(text, &pos, &hours, 2)) return std::nullopt;
  }
  uint64_t minutes = 0;
  uint64_t seconds = 0;
  if (pos >= text.size() || text[pos++] != ':' || !ReadNumber(text, &pos, &minutes, 2)) {
    return std::nullopt;
  }
  if (pos >= text.size() || text[pos++] != ':' || !ReadNumber(text, &pos, &seconds, 2)) {
    return std::nullopt;
  }
  uint64_t fraction_micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    uint64_t scale = 1000000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 7) {
      scale /= 10;
      if (digits < 6) fraction_micros += static_cast<uint64_t>(text[pos] - '0') * scale;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos != text.size() || hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
  if (days > 100000000) return std::nullopt;
  return ((days * 24 + hours) * 60 + minutes) * 60 * kMicrosPerSecond + seconds * kMicrosPerSecond +
         fraction_micros;
}

std::string FormatTimeSpan(uint64_t micros) {
  const uint64_t total_seconds = micros / kMicrosPerSecond;
  const uint64_t fraction = micros % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%llu.%02llu:%02llu:%02llu",
                        static_cast<unsigned long long>(total_seconds / 86400),
                        static_cast<unsigned long long>(total_seconds / 3600 % 24),
                        static_cast<unsigned long long>(total_seconds / 60 % 60),
                        static_cast<unsigned long long>(total_seconds % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (fraction != 0) {
    n = std::snprintf(buf, sizeof buf, ".%06llu0", static_cast<unsigned long long>(fraction));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace rookery::documents
