// Projections of non-group-by `select` lists and `select distinct` keys (eval.h states the
// rules).
#include "query/eval.h"
#include "query/value_compare.h"

namespace rookery::query {

namespace {

// A whole document (the queried one or a load alias) rather than one of its fields.
bool IsWholeDocument(const Projection& projection) {
  return projection.field.kind == FieldRef::Kind::kPath && projection.field.path.empty();
}

json::Value ProjectField(const FieldRef& field, const FieldSource& source) {
  std::vector<const json::Value*> found;
  source.Collect(field, &found);
  const size_t brackets = field.path.find("[]");
  if (field.kind == FieldRef::Kind::kPath && brackets != std::string::npos) {
    // "Lines[].Product", "Tags[]": always a list, unless the array itself is missing.
    FieldRef array_root = field;
    array_root.path = field.path.substr(0, brackets);
    std::vector<const json::Value*> root;
    source.Collect(array_root, &root);
    if (root.empty()) return json::Value::Null();
    std::vector<json::Value> items;
    items.reserve(found.size());
    for (const json::Value* v : found) items.push_back(*v);
    return json::Value::Array(std::move(items));
  }
  if (found.empty()) return json::Value::Null();
  if (found.size() == 1) return *found.front();
  std::vector<json::Value> items;
  items.reserve(found.size());
  for (const json::Value* v : found) items.push_back(*v);
  return json::Value::Array(std::move(items));
}

json::Value ProjectionMetadata(std::string_view id, std::string_view collection) {
  json::Value metadata = json::Value::Object();
  metadata.Set("@projection", json::Value::Bool(true));
  if (!id.empty()) metadata.Set("@id", json::Value::String(std::string(id)));
  if (!collection.empty()) {
    metadata.Set("@collection", json::Value::String(std::string(collection)));
  }
  return metadata;
}

// `select c` alone (no alias): the loaded document itself is the result, as in RavenDB.
json::Value ProjectWholeDocument(const Projection& projection, const FieldSource& source,
                                 std::string_view id, std::string_view collection) {
  std::vector<const json::Value*> found;
  source.Collect(projection.field, &found);
  json::Value result = json::Value::Object();
  std::string result_id(id);
  if (!found.empty() && found.front()->is_object()) {
    for (const json::Member& member : found.front()->members()) {
      if (member.first == "@metadata") {
        const json::Value* loaded_id = member.second.Find("@id");
        if (loaded_id != nullptr && loaded_id->is_string()) result_id = loaded_id->as_string();
        continue;
      }
      result.Set(member.first, member.second);
    }
  }
  result.Set("@metadata", ProjectionMetadata(result_id, collection));
  return result;
}

}  // namespace

std::string ProjectionName(const Projection& projection) {
  if (!projection.alias.empty()) return projection.alias;
  const FieldRef& field = projection.field;
  if (field.kind == FieldRef::Kind::kId) return "id()";
  if (field.path.empty()) return field.source;
  return field.path;
}

Result<json::Value> Project(const Query& query, const FieldSource& source, std::string_view id,
                            std::string_view collection) {
  for (const Projection& projection : query.select) {
    if (projection.kind != Projection::Kind::kField) {
      return Status::InvalidArgument(
          "key(), count() and sum() projections need a group by; their values come from the "
          "map-reduce index, not from Project");
    }
  }
  if (query.select.empty()) return Status::InvalidArgument("Project called without a select list");
  if (query.select.size() == 1 && query.select[0].alias.empty() &&
      IsWholeDocument(query.select[0])) {
    return ProjectWholeDocument(query.select[0], source, id, collection);
  }
  json::Value result = json::Value::Object();
  for (const Projection& projection : query.select) {
    result.Set(ProjectionName(projection), ProjectField(projection.field, source));
  }
  result.Set("@metadata", ProjectionMetadata(id, collection));
  return result;
}

std::string DistinctKey(const json::Value& projected) {
  if (!projected.is_object()) return json::Serialize(projected);
  std::string key = "{";
  for (const json::Member& member : projected.members()) {
    if (member.first == "@metadata") continue;
    json::SerializeTo(json::Value::String(member.first), &key);
    key += ':';
    json::SerializeTo(member.second, &key);
    key += ',';
  }
  key += '}';
  return key;
}

bool SameProjection(const json::Value& a, const json::Value& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  const auto next = [](const std::vector<json::Member>& members, size_t i) {
    while (i < members.size() && members[i].first == "@metadata") ++i;
    return i;
  };
  const std::vector<json::Member>& ma = a.members();
  const std::vector<json::Member>& mb = b.members();
  size_t i = next(ma, 0);
  size_t j = next(mb, 0);
  while (i < ma.size() && j < mb.size()) {
    if (ma[i].first != mb[j].first || !(ma[i].second == mb[j].second)) return false;
    i = next(ma, i + 1);
    j = next(mb, j + 1);
  }
  return i == ma.size() && j == mb.size();
}

}  // namespace rookery::query
