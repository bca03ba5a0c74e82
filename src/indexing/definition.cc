#include "indexing/definition.h"

#include <algorithm>
#include <cstdio>

#include "base/checksum.h"

namespace rookery::indexing {
namespace {

// RavenDB orders field names with .NET's default (culture) comparer, which puts "age" before
// "Name"; case-insensitive first, then ordinal, gives the same order for ASCII names.
bool FieldLess(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  }
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end(), FieldLess);
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

bool Includes(const std::vector<std::string>& big, const std::vector<std::string>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end(), FieldLess);
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += "And";
    out += p;
  }
  return out;
}

json::Value StringArray(const std::vector<std::string>& v) {
  std::vector<json::Value> items;
  for (const std::string& s : v) items.push_back(json::Value::String(s));
  return json::Value::Array(std::move(items));
}

Result<std::vector<std::string>> ReadStrings(const json::Value& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* v = obj.Find(key);
  if (v == nullptr) return out;
  if (!v->is_array())
    return Status::Corruption("index definition: '" + std::string(key) + "' is not an array");
  for (const json::Value& item : v->items()) {
    if (!item.is_string()) {
      return Status::Corruption("index definition: '" + std::string(key) + "' holds a non-string");
    }
    out.push_back(item.as_string());
  }
  return out;
}

}  // namespace

void IndexDefinition::Normalize() {
  if (IsJavaScript(type)) return;
  SortUnique(&fields);
  SortUnique(&group_by);
  SortUnique(&sums);
  name = AutoIndexName(*this);
}

bool IndexDefinition::Covers(const IndexDefinition& wanted) const {
  if (type != wanted.type || !EqualsIgnoreCase(collection, wanted.collection)) return false;
  if (type == IndexType::kAutoMap) return Includes(fields, wanted.fields);
  return group_by == wanted.group_by && Includes(sums, wanted.sums);
}

IndexDefinition IndexDefinition::Merge(const IndexDefinition& other) const {
  IndexDefinition merged = *this;
  merged.fields.insert(merged.fields.end(), other.fields.begin(), other.fields.end());
  merged.sums.insert(merged.sums.end(), other.sums.begin(), other.sums.end());
  merged.Normalize();
  return merged;
}

std::string AutoIndexName(const IndexDefinition& d) {
  std::string collection = EqualsIgnoreCase(d.collection, "@all_docs") ? "AllDocs" : d.collection;
  std::string name = "Auto/" + collection;
  if (d.type == IndexType::kAutoMap) {
    name += d.fields.empty() ? "/ById" : "/By" + Join(d.fields);
  } else {
    std::vector<std::string> aggregates = d.sums;
    aggregates.push_back("Count");
    SortUnique(&aggregates);
    name += "/By" + Join(aggregates) + "ReducedBy" + Join(d.group_by);
  }
  if (name.size() > 256) {
    char hash[24];
    std::snprintf(hash, sizeof hash, "%llu",
                  static_cast<unsigned long long>(Hash64(name)));  // NOLINT(runtime/int)
    name = name.substr(0, 256) + "..." + hash;
  }
  return name;
}

std::string IndexDirectoryName(std::string_view index_name) {
  std::string out;
  for (char c : index_name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  if (out.size() > 120) out.resize(120);
  char hash[20];
  std::snprintf(hash, sizeof hash, "-%016llx",
                static_cast<unsigned long long>(Hash64(index_name)));  // NOLINT(runtime/int)
  return out + hash;
}

std::string_view IndexTypeName(IndexType type) {
  switch (type) {
    case IndexType::kAutoMap:
      return "AutoMap";
    case IndexType::kAutoMapReduce:
      return "AutoMapReduce";
    case IndexType::kJavaScriptMap:
      return "JavaScriptMap";
    case IndexType::kJavaScriptMapReduce:
      return "JavaScriptMapReduce";
  }
  return "AutoMap";
}

bool IsJavaScript(IndexType type) {
  return type == IndexType::kJavaScriptMap || type == IndexType::kJavaScriptMapReduce;
}

json::Value IndexDefinition::ToJson() const {
  std::vector<json::Member> m;
  m.emplace_back("Name", json::Value::String(name));
  m.emplace_back("Type", json::Value::String(std::string(IndexTypeName(type))));
  if (IsJavaScript(type)) {
    m.emplace_back("Maps", StringArray(maps));
    m.emplace_back("Reduce", json::Value::String(reduce));
    m.emplace_back("Fields", field_options);
    m.emplace_back("Configuration", configuration);
    m.emplace_back("Collections", StringArray(collections));
    m.emplace_back("UsesLoad", json::Value::Bool(uses_load));
    if (!additional_sources.empty()) {
      std::vector<json::Member> sources;
      for (const auto& [name, source] : additional_sources)
        sources.emplace_back(name, json::Value::String(source));
      m.emplace_back("AdditionalSources", json::Value::Object(std::move(sources)));
    }
    for (auto [key, value] :
         {std::pair{"OutputReduceToCollection", &output_collection},
          std::pair{"PatternForOutputReduceToCollectionReferences", &reference_pattern},
          std::pair{"PatternReferencesCollectionName", &references_collection}}) {
      if (!value->empty()) m.emplace_back(key, json::Value::String(*value));
    }
    return json::Value::Object(std::move(m));
  }
  m.emplace_back("Collection", json::Value::String(collection));
  m.emplace_back("Fields", StringArray(fields));
  m.emplace_back("GroupBy", StringArray(group_by));
  m.emplace_back("Sums", StringArray(sums));
  return json::Value::Object(std::move(m));
}

Result<IndexDefinition> IndexDefinition::FromJson(const json::Value& v) {
  if (!v.is_object()) return Status::Corruption("index definition is not a JSON object");
  IndexDefinition d;
  const json::Value* type = v.Find("Type");
  if (type != nullptr && type->is_string() &&
      (type->as_string() == "JavaScriptMap" || type->as_string() == "JavaScriptMapReduce")) {
    const json::Value* name = v.Find("Name");
    if (name == nullptr || !name->is_string())
      return Status::Corruption("index definition lacks Name");
    d.type = type->as_string() == "JavaScriptMap" ? IndexType::kJavaScriptMap
                                                  : IndexType::kJavaScriptMapReduce;
    d.name = name->as_string();
    ROOKERY_ASSIGN_OR_RETURN(d.maps, ReadStrings(v, "Maps"));
    ROOKERY_ASSIGN_OR_RETURN(d.collections, ReadStrings(v, "Collections"));
    if (const json::Value* r = v.Find("Reduce"); r != nullptr && r->is_string()) {
      d.reduce = r->as_string();
    }
    if (const json::Value* f = v.Find("Fields"); f != nullptr && f->is_object())
      d.field_options = *f;
    if (const json::Value* c = v.Find("Configuration"); c != nullptr && c->is_object()) {
      d.configuration = *c;
    }
    const json::Value* uses_load = v.Find("UsesLoad");
    d.uses_load = uses_load != nullptr && uses_load->is_bool() && uses_load->as_bool();
    for (auto [key, out] :
         {std::pair{"OutputReduceToCollection", &d.output_collection},
          std::pair{"PatternForOutputReduceToCollectionReferences", &d.reference_pattern},
          std::pair{"PatternReferencesCollectionName", &d.references_collection}}) {
      if (const json::Value* o = v.Find(key); o != nullptr && o->is_string()) *out = o->as_string();
    }
    if (const json::Value* a = v.Find("AdditionalSources"); a != nullptr && a->is_object()) {
      for (const json::Member& m : a->members()) {
        if (!m.second.is_string()) {
          return Status::Corruption("index definition: AdditionalSources holds a non-string");
        }
        d.additional_sources.emplace_back(m.first, m.second.as_string());
      }
    }
    d.collection = d.collections.size() == 1 ? d.collections[0] : std::string();
    return d;
  }
  const json::Value* collection = v.Find("Collection");
  if (type == nullptr || !type->is_string() || collection == nullptr || !collection->is_string()) {
    return Status::Corruption("index definition lacks Type or Collection");
  }
  if (type->as_string() == "AutoMap") {
    d.type = IndexType::kAutoMap;
  } else if (type->as_string() == "AutoMapReduce") {
    d.type = IndexType::kAutoMapReduce;
  } else {
    return Status::Corruption("index definition has unknown Type '" + type->as_string() + "'");
  }
  d.collection = collection->as_string();
  ROOKERY_ASSIGN_OR_RETURN(d.fields, ReadStrings(v, "Fields"));
  ROOKERY_ASSIGN_OR_RETURN(d.group_by, ReadStrings(v, "GroupBy"));
  ROOKERY_ASSIGN_OR_RETURN(d.sums, ReadStrings(v, "Sums"));
  d.Normalize();
  return d;
}

}  // namespace rookery::indexing
