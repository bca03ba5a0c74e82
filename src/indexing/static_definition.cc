// Static index definitions as RavenDB's clients send them (protocol.md §9.1, §9.2).
#include <string>

#include "indexing/definition.h"
#include "indexing/output_references.h"

namespace rookery::indexing {
namespace {

// The source without // and /* */ comments and leading whitespace (the client's type detection
// looks at how the first map starts).
std::string StripCommentsAndLeadingSpace(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "//") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else {
      out.push_back(s[i]);
    }
  }
  size_t start = out.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? std::string() : out.substr(start);
}

bool LooksLikeCSharp(std::string_view map) {
  const std::string s = StripCommentsAndLeadingSpace(map);
  auto starts = [&](std::string_view p) { return s.compare(0, p.size(), p) == 0; };
  return starts("from") || starts("docs") || (starts("timeseries") && !starts("timeseries.map")) ||
         (starts("counters") && !starts("counters.map"));
}

// An optional string member: "" when absent or null; kInvalidArgument when not a string.
Result<std::string> OptionalString(const json::Value& v, std::string_view key,
                                   const std::string& index) {
  const json::Value* m = v.Find(key);
  if (m == nullptr || m->is_null()) return std::string();
  if (!m->is_string()) {
    return Status::InvalidArgument("index '" + index + "': '" + std::string(key) +
                                   "' must be a string");
  }
  return m->as_string();
}

}  // namespace

Result<IndexDefinition> StaticDefinitionFromRavenJson(const json::Value& v) {
  if (!v.is_object()) return Status::InvalidArgument("an index definition must be a JSON object");
  IndexDefinition d;
  const json::Value* name = v.Find("Name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return Status::InvalidArgument("an index definition needs a non-empty 'Name'");
  }
  d.name = name->as_string();
  if (d.name.rfind("Auto/", 0) == 0) {
    return Status::InvalidArgument("index name '" + d.name +
                                   "' is reserved: names starting with 'Auto/' are automatic");
  }
  const json::Value* maps = v.Find("Maps");
  if (maps == nullptr || !maps->is_array() || maps->items().empty()) {
    return Status::InvalidArgument("index '" + d.name + "' needs at least one map in 'Maps'");
  }
  for (const json::Value& m : maps->items()) {
    if (!m.is_string()) {
      return Status::InvalidArgument("index '" + d.name + "': 'Maps' must hold strings");
    }
    d.maps.push_back(m.as_string());
  }
  if (const json::Value* r = v.Find("Reduce"); r != nullptr && !r->is_null()) {
    if (!r->is_string()) {
      return Status::InvalidArgument("index '" + d.name + "': 'Reduce' must be a string");
    }
    d.reduce = r->as_string();
  }
  std::string type;
  for (const char* key : {"IndexType", "Type"}) {
    const json::Value* t = v.Find(key);
    if (t != nullptr && t->is_string() && !t->as_string().empty() && t->as_string() != "None") {
      type = t->as_string();
      break;
    }
  }
  if (type.empty()) {
    const bool csharp = LooksLikeCSharp(d.maps[0]);
    const bool reduce = !StripCommentsAndLeadingSpace(d.reduce).empty();
    type = csharp ? (reduce ? "MapReduce" : "Map")
                  : (reduce ? "JavaScriptMapReduce" : "JavaScriptMap");
  }
  if (type == "JavaScriptMap") {
    d.type = IndexType::kJavaScriptMap;
  } else if (type == "JavaScriptMapReduce") {
    d.type = IndexType::kJavaScriptMapReduce;
  } else if (type == "Map" || type == "MapReduce") {
    return Status::NotSupported("index '" + d.name + "' is a C# (LINQ) index (" + type +
                                "); Rookery runs JavaScript indexes only; see "
                                "docs/compatibility.md");
  } else {
    return Status::InvalidArgument("index '" + d.name + "' has unknown type '" + type + "'");
  }
  if (d.type == IndexType::kJavaScriptMapReduce && d.reduce.empty()) {
    return Status::InvalidArgument("index '" + d.name +
                                   "' is JavaScriptMapReduce but has no Reduce");
  }
  if (d.type == IndexType::kJavaScriptMap && !d.reduce.empty()) {
    return Status::InvalidArgument("index '" + d.name + "' is JavaScriptMap but has a Reduce");
  }
  ROOKERY_ASSIGN_OR_RETURN(d.output_collection,
                           OptionalString(v, "OutputReduceToCollection", d.name));
  if (!d.output_collection.empty() && d.type != IndexType::kJavaScriptMapReduce) {
    return Status::InvalidArgument("index '" + d.name +
                                   "' sets OutputReduceToCollection but is not a map-reduce index");
  }
  ROOKERY_ASSIGN_OR_RETURN(
      d.reference_pattern,
      OptionalString(v, "PatternForOutputReduceToCollectionReferences", d.name));
  ROOKERY_ASSIGN_OR_RETURN(d.references_collection,
                           OptionalString(v, "PatternReferencesCollectionName", d.name));
  if (!d.reference_pattern.empty()) {
    if (d.output_collection.empty()) {
      return Status::InvalidArgument(
          "index '" + d.name +
          "' sets PatternForOutputReduceToCollectionReferences without OutputReduceToCollection");
    }
    auto pattern = ParseReferencePattern(d.reference_pattern);
    if (!pattern.ok()) return pattern.status().WithContext("index '" + d.name + "'");
  }
  if (const json::Value* a = v.Find("AdditionalSources"); a != nullptr && !a->is_null()) {
    if (!a->is_object()) {
      return Status::InvalidArgument("index '" + d.name +
                                     "': 'AdditionalSources' must be an object of name -> source");
    }
    for (const json::Member& m : a->members()) {
      if (!m.second.is_string()) {
        return Status::InvalidArgument("index '" + d.name + "': AdditionalSources['" + m.first +
                                       "'] must be a string");
      }
      d.additional_sources.emplace_back(m.first, m.second.as_string());
    }
  }
  if (const json::Value* f = v.Find("Fields"); f != nullptr && f->is_object()) d.field_options = *f;
  if (const json::Value* c = v.Find("Configuration"); c != nullptr && c->is_object()) {
    d.configuration = *c;
  }
  for (const std::string& m : d.maps)
    d.uses_load = d.uses_load || m.find("load(") != std::string::npos;
  d.uses_load = d.uses_load || d.reduce.find("load(") != std::string::npos;
  for (const auto& [name, source] : d.additional_sources)
    d.uses_load = d.uses_load || source.find("load(") != std::string::npos;
  return d;
}

bool SameStaticDefinition(const IndexDefinition& a, const IndexDefinition& b) {
  return a.type == b.type && a.name == b.name && a.maps == b.maps && a.reduce == b.reduce &&
         a.field_options == b.field_options && a.configuration == b.configuration &&
         a.output_collection == b.output_collection && a.reference_pattern == b.reference_pattern &&
         a.references_collection == b.references_collection &&
         a.additional_sources == b.additional_sources;
}

std::string ReferencesCollection(const IndexDefinition& definition) {
  return definition.references_collection.empty() ? definition.output_collection + "/References"
                                                  : definition.references_collection;
}

}  // namespace rookery::indexing
