// /databases/{db}: defining (JavaScript indexes, protocol.md §9.1), reading and administering
// indexes (§9.3, §9.4).
#include "documents/ids.h"
#include "json/writer.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/request_util.h"

namespace rookery::server {
namespace {

constexpr std::string_view kIndexCompilation =
    "Raven.Client.Exceptions.Documents.Compilation.IndexCompilationException";

std::string_view TypeName(const indexing::IndexDefinition& d) {
  return indexing::IndexTypeName(d.type);
}

void WriteDate(json::JsonWriter& w, std::string_view key, uint64_t micros) {
  w.Key(key);
  if (micros == 0) {
    w.Null();
  } else {
    w.String(documents::FormatDate(micros));
  }
}

void WriteStaticDefinition(json::JsonWriter& w, const indexing::IndexDefinition& d) {
  w.BeginObject();
  w.Field("Name", d.name);
  w.Field("Type", TypeName(d));
  w.Key("Maps").BeginArray();
  for (const std::string& m : d.maps) w.String(m);
  w.EndArray();
  w.Key("Reduce");
  if (d.reduce.empty()) {
    w.Null();
  } else {
    w.String(d.reduce);
  }
  w.Key("Fields").Raw(json::Serialize(d.field_options));
  w.Key("Configuration").Raw(json::Serialize(d.configuration));
  w.Field("LockMode", "Unlock");
  w.Field("Priority", "Normal");
  w.Field("SourceType", "Documents");
  w.Key("AdditionalSources").BeginObject();
  for (const auto& [name, source] : d.additional_sources) w.Field(name, source);
  w.EndObject();
  for (auto [key, value] :
       {std::pair{"OutputReduceToCollection", &d.output_collection},
        std::pair{"PatternForOutputReduceToCollectionReferences", &d.reference_pattern},
        std::pair{"PatternReferencesCollectionName", &d.references_collection}}) {
    w.Key(key);
    if (value->empty()) {
      w.Null();
    } else {
      w.String(*value);
    }
  }
  w.EndObject();
}

void WriteDefinition(json::JsonWriter& w, const indexing::Index& index) {
  const auto& d = index.definition();
  if (indexing::IsJavaScript(d.type)) return WriteStaticDefinition(w, d);
  w.BeginObject();
  w.Field("Name", d.name);
  w.Field("Type", TypeName(d));
  w.Key("Maps").BeginArray().String("from '" + d.collection + "'").EndArray();
  w.Key("Reduce").Null();
  w.Key("Fields").BeginObject();
  for (const std::string& f : d.type == indexing::IndexType::kAutoMap ? d.fields : d.group_by) {
    w.Key(f).BeginObject().Field("Indexing", "Default").EndObject();
  }
  w.EndObject();
  w.Key("Configuration").BeginObject().EndObject();
  w.Field("LockMode", "Unlock");
  w.Field("Priority", "Normal");
  w.Field("SourceType", "Documents");
  w.Key("AdditionalSources").BeginObject().EndObject();
  w.Key("OutputReduceToCollection").Null();
  w.Key("Collection").String(d.collection);
  w.EndObject();
}

std::shared_ptr<indexing::Index> FindIndex(DatabaseServices& s, const HttpRequest& req,
                                           Status* error) {
  auto name = RequireQuery(req, "name");
  if (!name.ok()) {
    *error = name.status();
    return nullptr;
  }
  auto index = s.indexes->Find(*name);
  if (index == nullptr) *error = Status::NotFound("Index '" + *name + "' does not exist");
  return index;
}

}  // namespace

void WriteIndexStats(json::JsonWriter& w, DatabaseServices& services, bool full,
                     std::string_view only) {
  const bool stopped = services.indexes->indexing_stopped();
  for (const auto& index : services.indexes->List()) {
    if (!only.empty() && documents::Lower(index->name()) != documents::Lower(only)) continue;
    const auto& d = index->definition();
    const indexing::IndexStats st = index->stats();
    auto stale = services.indexes->IsStale(*index);
    const std::string error = services.indexes->ErrorOf(d.name);
    w.BeginObject();
    w.Field("Name", d.name);
    w.Field("IsStale", !stale.ok() || *stale);
    w.Field("State", error.empty() ? "Normal" : "Error");
    if (full) w.Field("IsInvalidIndex", !index->errored().empty());
    w.Field("Status", stopped ? "Paused" : "Running");
    w.Field("LockMode", "Unlock");
    w.Field("Priority", "Normal");
    w.Field("Type", TypeName(d));
    w.Field("SourceType", "Documents");
    WriteDate(w, "LastIndexingTime", st.last_indexing_micros);
    if (full) {
      w.Field("EntriesCount", st.entries);
      w.Field("ErrorsCount", st.map_errors + st.reduce_errors + (error.empty() ? 0 : 1));
      w.Field("MapAttempts", st.map_attempts);
      w.Field("MapSuccesses", st.map_attempts - st.map_errors);
      w.Field("MapErrors", st.map_errors);
      WriteDate(w, "CreatedTimestamp", st.created_micros);
      WriteDate(w, "LastQueryingTime", st.last_query_micros);
      const uint64_t last = services.db->LastEtag();
      w.Field("ReduceAttempts", st.reduce_attempts);
      w.Field("ReduceErrors", st.reduce_errors);
      w.Key("Collections").BeginObject();
      std::vector<std::string> collections = d.collections;
      if (collections.empty()) collections.push_back(d.collection);
      for (const std::string& c : collections) {
        w.Key(c).BeginObject();
        w.Field("LastProcessedDocumentEtag", st.covered_etag);
        w.Field("LastProcessedTombstoneEtag", st.covered_etag);
        w.Field("DocumentLag", last > st.covered_etag ? last - st.covered_etag : 0);
        w.Field("TombstoneLag", 0);
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
}

void AddIndexRoutes(Router& router, ServerContext& context) {
  auto get = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    json::JsonWriter w;
    w.BeginObject().Key("Results").BeginArray();
    if (req.HasQuery("name")) {
      Status error;
      auto index = FindIndex(s, req, &error);
      if (index == nullptr) return error;  // 404 for a missing index: the client returns null
      WriteDefinition(w, *index);
    } else {
      ROOKERY_ASSIGN_OR_RETURN(uint64_t start, QueryUint(req, "start", 0));
      ROOKERY_ASSIGN_OR_RETURN(uint64_t page, QueryUint(req, "pageSize", 1u << 30));
      ROOKERY_ASSIGN_OR_RETURN(bool names_only, QueryBool(req, "namesOnly", false));
      auto all = s.indexes->List();
      for (size_t i = start; i < all.size() && i - start < page; ++i) {
        if (names_only) {
          w.String(all[i]->name());
        } else {
          WriteDefinition(w, *all[i]);
        }
      }
    }
    w.EndArray().EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("GET", "/indexes", WithServices(context, get));

  auto stats = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    std::string only;
    if (req.HasQuery("name")) {
      Status error;
      auto index = FindIndex(s, req, &error);
      if (index == nullptr) return error;
      only = index->name();
    }
    json::JsonWriter w;
    w.BeginObject().Key("Results").BeginArray();
    WriteIndexStats(w, s, true, only);
    w.EndArray().EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("GET", "/indexes/stats", WithServices(context, stats));

  auto status = [](const HttpRequest&, HttpResponse& res, DatabaseServices& s) {
    const char* state = s.indexes->indexing_stopped() ? "Paused" : "Running";
    json::JsonWriter w;
    w.BeginObject().Field("Status", state).Key("Indexes").BeginArray();
    for (const auto& index : s.indexes->List()) {
      w.BeginObject().Field("Name", index->name()).Field("Status", state).EndObject();
    }
    w.EndArray().EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("GET", "/indexes/status", WithServices(context, status));

  auto errors = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    std::vector<std::shared_ptr<indexing::Index>> indexes;
    if (req.HasQuery("name")) {
      Status error;
      auto index = FindIndex(s, req, &error);
      if (index == nullptr) return error;
      indexes.push_back(std::move(index));
    } else {
      indexes = s.indexes->List();
    }
    json::JsonWriter w;
    w.BeginObject().Key("Results").BeginArray();
    for (const auto& index : indexes) {
      w.BeginObject().Field("Name", index->name()).Key("Errors").BeginArray();
      const indexing::IndexStats st = index->stats();
      const auto recent = index->recent_errors();
      for (const indexing::IndexError& e : recent) {
        w.BeginObject();
        WriteDate(w, "Timestamp", e.micros);
        w.Field("Document", e.document).Field("Action", e.action).Field("Error", e.error);
        w.EndObject();
      }
      if (recent.empty() && !st.last_error.empty()) {
        w.BeginObject().Field("Action", "Map").Field("Error", st.last_error).EndObject();
      }
      if (std::string e = s.indexes->ErrorOf(index->name()); !e.empty()) {
        // A storage failure of the worker, or why the index is errored (its error rate).
        const bool invalid = e == index->errored();
        w.BeginObject()
            .Field("Action", invalid ? "Indexing" : "Storage")
            .Field("Error", e)
            .EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray().EndObject();
    SetJson(res, 200, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("GET", "/indexes/errors", WithServices(context, errors));

  auto del = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    ROOKERY_ASSIGN_OR_RETURN(std::string name, RequireQuery(req, "name"));
    ROOKERY_RETURN_IF_ERROR(s.indexes->Delete(name));
    res.status = 204;
    return Status::Ok();
  };
  router.AddDatabase("DELETE", "/indexes", WithServices(context, del));

  // RESET: the index is rebuilt from scratch (deleted and created again).
  auto reset = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    ROOKERY_ASSIGN_OR_RETURN(std::string name, RequireQuery(req, "name"));
    ROOKERY_RETURN_IF_ERROR(s.indexes->Reset(name));
    res.status = 204;
    return Status::Ok();
  };
  router.AddDatabase("RESET", "/indexes", WithServices(context, reset));

  auto stop = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    if (req.HasQuery("name")) {
      return Status::NotSupported("stopping one index is not supported yet; stop all instead");
    }
    s.indexes->StopIndexing();
    res.status = 204;
    return Status::Ok();
  };
  router.AddDatabase("POST", "/admin/indexes/stop", WithServices(context, stop));
  auto start = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    if (req.HasQuery("name")) {
      return Status::NotSupported("starting one index is not supported yet; start all instead");
    }
    s.indexes->StartIndexing();
    res.status = 204;
    return Status::Ok();
  };
  router.AddDatabase("POST", "/admin/indexes/start", WithServices(context, start));

  // Every definition is parsed and compiled before any is created: one bad definition fails
  // the call and creates nothing (of that definition; earlier ones in the call stand, as RavenDB
  // applies each as its own cluster command).
  auto put = [](const HttpRequest& req, HttpResponse& res, DatabaseServices& s) {
    ROOKERY_ASSIGN_OR_RETURN(json::Value body, ParseJsonObjectBody(req.body, "index definitions"));
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* list,
                             RequireMember(body, "Indexes", json::Type::kArray, "the body"));
    std::vector<indexing::IndexDefinition> definitions;
    for (const json::Value& raw : list->items()) {
      ROOKERY_ASSIGN_OR_RETURN(auto d, indexing::StaticDefinitionFromRavenJson(raw));
      definitions.push_back(std::move(d));
    }
    json::JsonWriter w;
    w.BeginObject().Key("Results").BeginArray();
    for (indexing::IndexDefinition& d : definitions) {
      const std::string name = d.name;
      auto index = s.indexes->PutStatic(std::move(d));
      if (!index.ok()) {
        if (index.status().code() == Code::kInvalidArgument) {
          SetError(res, 400, req.path, kIndexCompilation, index.status().message());
          return Status::Ok();
        }
        return index.status();
      }
      w.BeginObject().Field("Index", name).Field("RaftCommandIndex", s.db->LastEtag()).EndObject();
    }
    w.EndArray().EndObject();
    SetJson(res, 201, w.Take());
    return Status::Ok();
  };
  router.AddDatabase("PUT", "/indexes", WithServices(context, put));
  router.AddDatabase("PUT", "/admin/indexes", WithServices(context, put));
}

}  // namespace rookery::server
