#include "query/executor.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/checksum.h"
#include "documents/ids.h"
#include "query/eval.h"
#include "query/parser.h"
#include "query/planner.h"

namespace rookery::query {
namespace {

constexpr size_t kScanBatch = 4096;

// Field values of an automatic map index entry: what the index stored for each path.
class EntryFieldSource final : public FieldSource {
 public:
  EntryFieldSource(const json::Value& fields, std::string_view id)
      : fields_(fields), id_(json::Value::String(std::string(id))) {}
  void Collect(const FieldRef& field, std::vector<const json::Value*>* out) const override {
    if (field.kind == FieldRef::Kind::kId) {
      out->push_back(&id_);
      return;
    }
    if (!field.source.empty()) return;
    const json::Value* values = fields_.Find(field.path);
    if (values == nullptr || !values->is_array()) return;
    for (const json::Value& v : values->items()) out->push_back(&v);
  }

 private:
  const json::Value& fields_;
  json::Value id_;
};

Result<std::optional<uint64_t>> ResolveCount(const std::optional<ValueRef>& ref,
                                             const json::Value& parameters, const char* what) {
  if (!ref) return std::optional<uint64_t>();
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(*ref, parameters));
  if (v->is_null()) return std::optional<uint64_t>();
  if ((v->type() == json::Type::kInt && v->as_int() >= 0) || v->type() == json::Type::kUint) {
    return std::optional<uint64_t>(v->as_uint());
  }
  return Status::InvalidArgument(std::string(what) + " must be a non-negative integer, got " +
                                 json::Serialize(*v));
}

// Whether an ordered range page of `limit` results after `offset` stays within the quick bound.
bool QuickPage(std::optional<uint64_t> offset, std::optional<uint64_t> limit) {
  return limit.has_value() &&
         *limit <= QueryEngine::kQuickEntries -
                       std::min<uint64_t>(offset.value_or(0), QueryEngine::kQuickEntries);
}

std::string CollectionFilter(const Query& q) {
  return q.source == Query::SourceKind::kAllDocs ? std::string() : q.source_name;
}

bool NeedsIndex(const Query& q) {
  if (!q.group_by.empty() || !q.order_by.empty()) return true;
  return q.where != nullptr && !WhereOnlyOnId(*q.where);
}

// `where id() = v` or `where id() in (...)`: the ids to load directly; nullopt otherwise.
Result<std::optional<std::vector<std::string>>> DirectIds(const Query& q,
                                                          const json::Value& parameters) {
  using Ids = std::optional<std::vector<std::string>>;
  if (q.where == nullptr || !q.order_by.empty()) return Ids();
  const Expr& e = *q.where;
  if (e.field.kind != FieldRef::Kind::kId) return Ids();
  const bool eq = e.kind == Expr::Kind::kCompare && e.op == CompareOp::kEq;
  if (!eq && e.kind != Expr::Kind::kIn) return Ids();
  std::vector<std::string> ids;
  for (const ValueRef& ref : e.values) {
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(ref, parameters));
    if (v->is_string()) {
      ids.push_back(v->as_string());
    } else if (v->is_array()) {
      for (const json::Value& item : v->items()) {
        if (item.is_string()) ids.push_back(item.as_string());
      }
    }
  }
  return Ids(std::move(ids));
}

// Output name of an unaliased group-by projection.
std::string ReduceOutputName(const Projection& p) {
  if (!p.alias.empty()) return p.alias;
  switch (p.kind) {
    case Projection::Kind::kCount:
      return "Count";
    case Projection::Kind::kKey:
      return "Key";
    default:
      return p.field.path;
  }
}

json::Value ProjectionMetadata(std::string_view id) {
  std::vector<json::Member> m;
  m.emplace_back("@projection", json::Value::Bool(true));
  if (!id.empty()) m.emplace_back("@id", json::Value::String(std::string(id)));
  return json::Value::Object(std::move(m));
}

}  // namespace

struct QueryEngine::Match {
  // Original casing; "" for map-reduce results; the lower id when the query returns whole
  // documents of exact candidates (Collect) or of an ordered range page (OrderedRangePage).
  std::string id;
  // Entry fields (map), the parsed document (scan; map once loaded when the query projects or
  // includes) or the result (reduce).
  json::Value values;
  std::string json;  // the stored document text, once loaded

  bool is_document = false;
};

struct QueryEngine::Plan {
  // kMap: automatic or JavaScript map entries (`js`); kMapReduce: automatic group-by results;
  // kJsReduce: JavaScript map/reduce results.
  enum class Kind { kScan, kDirect, kMap, kMapReduce, kJsReduce };
  bool js = false;
  Kind kind = Kind::kScan;
  std::shared_ptr<indexing::Index> index;
  std::string index_name;
  std::vector<std::string> direct_ids;
};

QueryEngine::QueryEngine(platform::Env& env, documents::Database& database,
                         indexing::IndexManager& indexes)
    : env_(env), database_(database), indexes_(indexes) {}

Result<QueryEngine::Plan> QueryEngine::MakePlan(const Query& q, const json::Value& parameters,
                                                std::shared_ptr<indexing::Index> found) {
  Plan plan;
  if (found != nullptr) {
    plan.index = std::move(found);
  } else if (q.source == Query::SourceKind::kIndex) {
    plan.index = indexes_.Find(q.source_name);
    if (plan.index == nullptr) {
      return Status::NotFound("Index '" + q.source_name + "' was not found");
    }
    if (std::string errored = plan.index->errored(); !errored.empty()) {
      // RavenDB's answer for an errored index (Index.AssertIndexState).
      return Status::FailedState("Index '" + plan.index->name() + "' is marked as errored. " +
                                 errored);
    }
  } else if (!NeedsIndex(q)) {
    ROOKERY_ASSIGN_OR_RETURN(auto direct, DirectIds(q, parameters));
    if (direct) {
      plan.kind = Plan::Kind::kDirect;
      plan.direct_ids = std::move(*direct);
    }
    plan.index_name =
        "collection/" +
        (q.source == Query::SourceKind::kAllDocs ? std::string("@all_docs") : q.source_name);
    return plan;
  } else {
    ROOKERY_ASSIGN_OR_RETURN(plan.index, indexes_.GetOrCreateAuto(AutoIndexFor(q)));
  }
  plan.index_name = plan.index->name();
  switch (plan.index->definition().type) {
    case indexing::IndexType::kAutoMapReduce:
      plan.kind = Plan::Kind::kMapReduce;
      break;
    case indexing::IndexType::kJavaScriptMapReduce:
      plan.kind = Plan::Kind::kJsReduce;
      plan.js = true;
      break;
    case indexing::IndexType::kJavaScriptMap:
      plan.kind = Plan::Kind::kMap;
      plan.js = true;
      break;
    case indexing::IndexType::kAutoMap:
      plan.kind = Plan::Kind::kMap;
      break;
  }
  if (plan.kind == Plan::Kind::kMapReduce && q.group_by.empty() &&
      q.source != Query::SourceKind::kIndex) {
    return Status::Internal("map-reduce index chosen for a query without group by");
  }
  return plan;
}

Result<std::unique_ptr<indexing::IndexSnapshot>> QueryEngine::OpenSnapshot(
    Plan& plan, const QueryRequest& request, bool* is_stale) {
  *is_stale = false;
  if (plan.kind != Plan::Kind::kMap && plan.kind != Plan::Kind::kMapReduce &&
      plan.kind != Plan::Kind::kJsReduce) {
    return std::unique_ptr<indexing::IndexSnapshot>();
  }
  indexing::Index& index = *plan.index;
  index.NoteQueried();
  if (request.wait_for_non_stale) {
    ROOKERY_RETURN_IF_ERROR(indexes_.WaitForNonStale(index, request.wait_timeout_micros).status());
  }
  ROOKERY_ASSIGN_OR_RETURN(auto snapshot, index.Snapshot());
  ROOKERY_ASSIGN_OR_RETURN(*is_stale, indexes_.IsStaleAfter(index, snapshot->covered_etag()));
  return snapshot;
}

Result<std::optional<uint64_t>> QueryEngine::OrderedRangePage(
    Plan& plan, indexing::IndexSnapshot& snapshot, const Query& q, const json::Value& parameters,
    uint64_t offset, std::optional<uint64_t> limit, std::vector<Match>* page) {
  using Total = std::optional<uint64_t>;
  ROOKERY_ASSIGN_OR_RETURN(auto range, OrderedRangeFor(q, plan.index->definition(), parameters));
  if (!range) return Total();
  ROOKERY_ASSIGN_OR_RETURN(auto irregular, snapshot.IrregularEntries(range->path));
  if (!irregular || *irregular != 0) return Total();

  // Runs of equal sort keys come out of the tree in value order; within a run the general path's
  // stable sort keeps lower-id order, so a run is re-sorted by lower id (`as long` ties values
  // with the same integer part). Runs are read key by key up to the one that holds the page's
  // last result; the keys after it are only counted.
  const uint64_t end = limit && *limit < UINT64_MAX - offset ? offset + *limit : UINT64_MAX;
  uint64_t total = 0, run_start = 0;
  double run_key = 0;
  std::vector<std::string> run, ids;
  std::optional<std::string> rest;  // the first key of the first run past the page
  auto flush = [&] {
    if (!std::is_sorted(run.begin(), run.end())) std::sort(run.begin(), run.end());
    for (size_t i = 0; i < run.size(); ++i) {
      if (run_start + i >= offset && run_start + i < end) ids.push_back(std::move(run[i]));
    }
    run.clear();
  };
  ROOKERY_RETURN_IF_ERROR(snapshot.ForEachTermKey(
      range->path, range->lo, range->hi, [&](std::string_view key, std::string_view lower_id) {
        double v = DecodeNumberTermKey(key);
        if (range->truncate) v = std::trunc(v);
        if (total == 0 || v != run_key) {
          flush();
          if (total >= end) {  // every further run is past the page: count them leaf by leaf
            rest.emplace(key);
            return false;
          }
          run_start = total;
          run_key = v;
        }
        run.emplace_back(lower_id);
        ++total;
        return true;
      }));
  flush();
  if (rest) {
    ROOKERY_ASSIGN_OR_RETURN(uint64_t more, snapshot.CountTerms(range->path, *rest, range->hi));
    total += more;
  }

  page->clear();
  // Without irregular entries the scanned keys are exactly the matches (OrderedRangeFor), and
  // whole documents are loaded by lower id: the entries add nothing (reading and parsing 25 of
  // them was ~15% of a range query's CPU).
  if (!q.has_select) {
    for (std::string& lower_id : ids) {
      Match m;
      m.id = std::move(lower_id);
      page->push_back(std::move(m));
    }
    return Total(total);
  }
  // A projection needs the id's original casing, which the entry holds. Each entry is checked
  // against the whole where clause too: a mismatch would mean the term tree and the entries
  // disagree, and the general path decides instead.
  for (const std::string& lower_id : ids) {
    ROOKERY_ASSIGN_OR_RETURN(auto entry, snapshot.GetEntry(lower_id));
    bool ok = entry.has_value();
    if (ok) {
      EntryFieldSource source(entry->fields, entry->id);
      ROOKERY_ASSIGN_OR_RETURN(ok, Evaluate(*q.where, source, parameters));
    }
    if (!ok) {
      page->clear();
      return Total();
    }
    Match m;
    m.id = std::move(entry->id);
    m.values = std::move(entry->fields);
    page->push_back(std::move(m));
  }
  return Total(total);
}

Status QueryEngine::Collect(Plan& plan, indexing::IndexSnapshot* snapshot, const Query& q,
                            const json::Value& parameters, bool lower_ids_suffice,
                            std::vector<Match>* matches, Quick* quick) {
  if (plan.kind == Plan::Kind::kDirect) {
    ROOKERY_ASSIGN_OR_RETURN(auto docs, database_.GetMany(plan.direct_ids));
    std::set<std::string> seen;
    const std::string wanted = documents::Lower(CollectionFilter(q));
    for (auto& doc : docs) {
      if (!doc || !seen.insert(documents::Lower(doc->id)).second) continue;
      if (!wanted.empty() && documents::Lower(doc->collection) != wanted) continue;
      Match m;
      m.id = doc->id;
      ROOKERY_ASSIGN_OR_RETURN(m.values, json::Parse(doc->json));
      m.json = std::move(doc->json);
      m.is_document = true;
      matches->push_back(std::move(m));
    }
    return Status::Ok();
  }
  if (plan.kind == Plan::Kind::kScan) {
    uint64_t after = 0;
    while (true) {
      ROOKERY_ASSIGN_OR_RETURN(auto batch,
                               database_.ReadChanges(after, CollectionFilter(q), kScanBatch));
      for (documents::Change& c : batch.changes) {
        if (c.deleted) continue;
        Match m;
        m.id = std::move(c.id);
        ROOKERY_ASSIGN_OR_RETURN(m.values, json::Parse(c.json));
        if (q.where) {
          DocumentFieldSource source(m.values, m.id);
          ROOKERY_ASSIGN_OR_RETURN(bool ok, Evaluate(*q.where, source, parameters));
          if (!ok) continue;
        }
        m.json = std::move(c.json);
        m.is_document = true;
        matches->push_back(std::move(m));
      }
      if (batch.covered_etag >= batch.last_etag || batch.covered_etag <= after) break;
      after = batch.covered_etag;
    }
    return Status::Ok();
  }

  indexing::Index& index = *plan.index;
  if (snapshot == nullptr) return Status::Internal("index query without a snapshot");

  if (plan.kind == Plan::Kind::kJsReduce) {
    Status failed;
    ROOKERY_RETURN_IF_ERROR(snapshot->ForEachJsResult([&](json::Value& result) {
      if (q.where) {
        DocumentFieldSource source(result, "");
        auto ok = Evaluate(*q.where, source, parameters);
        if (!ok.ok()) {
          failed = ok.status();
          return false;
        }
        if (!*ok) return true;
      }
      Match m;
      m.values = std::move(result);
      matches->push_back(std::move(m));
      return true;
    }));
    return failed;
  }
  if (plan.kind == Plan::Kind::kMapReduce) {
    const auto& def = index.definition();
    Status failed;
    ROOKERY_RETURN_IF_ERROR(snapshot->ForEachReduceResult([&](indexing::ReduceResult& r) {
      std::vector<json::Member> out;
      auto key_of = [&](const std::string& path) -> json::Value {
        for (size_t i = 0; i < def.group_by.size(); ++i) {
          if (def.group_by[i] == path) return r.keys[i];
        }
        return json::Value::Null();
      };
      auto sum_of = [&](const std::string& path) -> json::Value {
        for (size_t i = 0; i < def.sums.size(); ++i) {
          if (def.sums[i] == path) return r.sums[i];
        }
        return json::Value::Int(0);
      };
      if (q.select.empty()) {
        for (const FieldRef& g : q.group_by) out.emplace_back(g.path, key_of(g.path));
        out.emplace_back("Count", json::Value::Uint(r.count));
      }
      for (const Projection& p : q.select) {
        switch (p.kind) {
          case Projection::Kind::kCount:
            out.emplace_back(ReduceOutputName(p), json::Value::Uint(r.count));
            break;
          case Projection::Kind::kSum:
            out.emplace_back(ReduceOutputName(p), sum_of(p.field.path));
            break;
          case Projection::Kind::kKey:
            if (q.group_by.size() == 1) {
              // RavenDB (FieldsToFetch): an unaliased key() of one group-by field is named
              // after that field; of several, "Key" holding an object.
              out.emplace_back(p.alias.empty() ? q.group_by[0].path : p.alias,
                               key_of(q.group_by[0].path));
            } else {
              std::vector<json::Member> key;
              for (const FieldRef& g : q.group_by) key.emplace_back(g.path, key_of(g.path));
              out.emplace_back(ReduceOutputName(p), json::Value::Object(std::move(key)));
            }
            break;
          case Projection::Kind::kField:
            out.emplace_back(p.alias.empty() ? p.field.path : p.alias, key_of(p.field.path));
            break;
        }
      }
      Match m;
      m.values = json::Value::Object(std::move(out));
      if (q.where) {
        DocumentFieldSource source(m.values, "");
        auto ok = Evaluate(*q.where, source, parameters);
        if (!ok.ok()) {
          failed = ok.status();
          return false;
        }
        if (!*ok) return true;
      }
      matches->push_back(std::move(m));
      return true;
    }));
    return failed;
  }

  // Map index: narrow through the term trees, then evaluate each candidate's entry. JavaScript
  // entries are plain objects (no term trees): every entry is a candidate.
  std::optional<std::set<std::string>> candidates;
  if (quick != nullptr) {
    bool within = false;
    if (q.where && !plan.js) {
      ROOKERY_ASSIGN_OR_RETURN(candidates, CandidatesUpTo(*q.where, *snapshot, index.definition(),
                                                          parameters, kQuickEntries, &within));
    }
    if (!within) {
      quick->too_big = true;
      return Status::Ok();
    }
  } else if (q.where && !plan.js) {
    ROOKERY_ASSIGN_OR_RETURN(candidates,
                             Candidates(*q.where, *snapshot, index.definition(), parameters));
  }
  if (candidates && lower_ids_suffice) {
    ROOKERY_ASSIGN_OR_RETURN(bool exact,
                             CandidatesAreMatches(*q.where, index.definition(), parameters));
    if (exact) {
      for (const std::string& lower_id : *candidates) {
        Match m;
        m.id = lower_id;
        matches->push_back(std::move(m));
      }
      return Status::Ok();
    }
  }
  Status failed;
  auto consider = [&](indexing::IndexEntry& entry) -> bool {
    if (q.where) {
      EntryFieldSource auto_source(entry.fields, entry.id);
      DocumentFieldSource js_source(entry.fields, entry.id);
      const FieldSource& source =
          plan.js ? static_cast<const FieldSource&>(js_source) : auto_source;
      auto ok = Evaluate(*q.where, source, parameters);
      if (!ok.ok()) {
        failed = ok.status();
        return false;
      }
      if (!*ok) return true;
    }
    Match m;
    m.id = std::move(entry.id);
    m.values = std::move(entry.fields);
    matches->push_back(std::move(m));
    return true;
  };
  if (candidates) {
    for (const std::string& lower_id : *candidates) {
      ROOKERY_ASSIGN_OR_RETURN(auto entry, snapshot->GetEntry(lower_id));
      if (entry && !consider(*entry)) break;
    }
  } else {
    ROOKERY_RETURN_IF_ERROR(snapshot->ForEachEntry(consider));
  }
  return failed;
}

Result<std::shared_ptr<const Query>> QueryEngine::Parse(const std::string& text) {
  {
    std::shared_lock<std::shared_mutex> lock(cache_mu_);
    if (auto it = cache_.find(text); it != cache_.end()) return it->second;
  }
  ROOKERY_ASSIGN_OR_RETURN(Query q, ParseQuery(text));
  auto parsed = std::make_shared<const Query>(std::move(q));
  std::unique_lock<std::shared_mutex> lock(cache_mu_);
  if (cache_.size() >= kMaxCachedQueries) cache_.clear();
  cache_.emplace(text, parsed);
  return parsed;
}

bool QueryEngine::QuickCandidate(const QueryRequest& request, const Query& q, Quick* quick) {
  if (request.wait_for_non_stale) return false;
  const json::Value& parameters = request.parameters;
  // Group by reads every group, distinct every match; load clauses load more documents.
  if (q.operation != Query::Operation::kSelect || !q.group_by.empty() || q.distinct ||
      !q.loads.empty() || !CheckParameters(q, parameters).ok()) {
    return false;
  }
  if (q.source != Query::SourceKind::kIndex && !NeedsIndex(q)) {
    auto direct = DirectIds(q, parameters);  // a collection scan is not quick
    return direct.ok() && direct->has_value() && (*direct)->size() <= kQuickEntries;
  }
  quick->index = q.source == Query::SourceKind::kIndex ? indexes_.Find(q.source_name)
                                                       : indexes_.FindAuto(AutoIndexFor(q));
  // A caught-up index also keeps the staleness check to one comparison: behind, it reads changes
  // of other collections until it finds one of the index's.
  const auto& index = quick->index;
  return index != nullptr && index->definition().type == indexing::IndexType::kAutoMap &&
         q.where != nullptr && index->covered_etag() >= database_.LastEtag();
}

bool QueryEngine::AnswersQuickly(const QueryRequest& request) {
  auto parsed = Parse(request.text);
  Quick quick;
  if (!parsed.ok() || !QuickCandidate(request, **parsed, &quick)) return false;
  if (quick.index == nullptr) return true;  // a direct lookup of a few ids
  const Query& q = **parsed;
  const json::Value& parameters = request.parameters;
  const std::shared_ptr<indexing::Index>& index = quick.index;
  auto offset = ResolveCount(q.offset, parameters, "offset");
  auto limit = ResolveCount(q.limit, parameters, "limit");
  auto snapshot = index->Snapshot();
  if (!offset.ok() || !limit.ok() || !snapshot.ok()) return false;
  // An ordered range reads only its page's entries and counts the rest leaf by leaf.
  auto range = OrderedRangeFor(q, index->definition(), parameters);
  if (range.ok() && range->has_value() && QuickPage(*offset, *limit)) {
    auto irregular = (*snapshot)->IrregularEntries((*range)->path);
    if (irregular.ok() && irregular->has_value() && **irregular == 0) return true;
  }
  auto within =
      CandidatesWithin(*q.where, **snapshot, index->definition(), parameters, kQuickEntries);
  return within.ok() && *within;
}

Result<std::optional<QueryResult>> QueryEngine::RunIfQuick(const QueryRequest& request) {
  using Out = std::optional<QueryResult>;
  auto parsed = Parse(request.text);
  Quick quick;
  if (!parsed.ok() || !QuickCandidate(request, **parsed, &quick)) return Out();
  auto result = RunImpl(request, &quick);
  if (!result.ok() || quick.too_big) return Out();
  return Out(std::move(result).value());
}

Result<QueryResult> QueryEngine::Run(const QueryRequest& request) {
  return RunImpl(request, nullptr);
}

Result<QueryResult> QueryEngine::RunImpl(const QueryRequest& request, Quick* quick) {
  const uint64_t start = env_.MonotonicNanos();
  ROOKERY_ASSIGN_OR_RETURN(std::shared_ptr<const Query> parsed, Parse(request.text));
  const Query& q = *parsed;
  if (q.operation == Query::Operation::kUpdate) {
    return Status::NotSupported(
        "update by query ('update { ... }') runs JavaScript patches, which Rookery does not "
        "support yet; see docs/compatibility.md");
  }
  const json::Value& parameters = request.parameters;
  ROOKERY_ASSIGN_OR_RETURN(auto offset, ResolveCount(q.offset, parameters, "offset"));
  ROOKERY_ASSIGN_OR_RETURN(auto limit, ResolveCount(q.limit, parameters, "limit"));
  ROOKERY_RETURN_IF_ERROR(CheckParameters(q, parameters));
  ROOKERY_ASSIGN_OR_RETURN(Plan plan, MakePlan(q, parameters, quick ? quick->index : nullptr));

  QueryResult result;
  result.index_name = plan.index_name;
  std::vector<Match> matches;
  ROOKERY_ASSIGN_OR_RETURN(auto snapshot, OpenSnapshot(plan, request, &result.is_stale));
  // Set when an ordered range scan produced the page (`matches`) and counted the total.
  std::optional<uint64_t> ordered_total;
  // A quick run takes an ordered page only when the page is small (the count costs a leaf walk).
  if (plan.kind == Plan::Kind::kMap && !plan.js && (quick == nullptr || QuickPage(offset, limit))) {
    ROOKERY_ASSIGN_OR_RETURN(ordered_total, OrderedRangePage(plan, *snapshot, q, parameters,
                                                             offset.value_or(0), limit, &matches));
  }
  if (!ordered_total) {
    // Whole documents in index order are loaded by lower id: nothing else of a match is used.
    const bool lower_ids_suffice = !q.has_select && q.order_by.empty() && !q.distinct;
    ROOKERY_RETURN_IF_ERROR(
        Collect(plan, snapshot.get(), q, parameters, lower_ids_suffice, &matches, quick));
    if (quick != nullptr && quick->too_big) return result;
  }

  // Order.
  if (!ordered_total && !q.order_by.empty()) {
    const bool from_entries = plan.kind == Plan::Kind::kMap && !plan.js;
    std::vector<std::unique_ptr<FieldSource>> owned;
    std::vector<const FieldSource*> sources;
    owned.reserve(matches.size());
    for (Match& m : matches) {
      if (from_entries) {
        owned.push_back(std::make_unique<EntryFieldSource>(m.values, m.id));
      } else {
        owned.push_back(std::make_unique<DocumentFieldSource>(m.values, m.id));
      }
      sources.push_back(owned.back().get());
    }
    ROOKERY_ASSIGN_OR_RETURN(std::vector<size_t> order,
                             OrderResults(q.order_by, sources, parameters, env_.RandomUint64()));
    owned.clear();
    std::vector<Match> ordered;
    ordered.reserve(matches.size());
    for (size_t i : order) ordered.push_back(std::move(matches[i]));
    matches = std::move(ordered);
  }

  // Documents behind index entries are loaded for the page only (or for all when distinct
  // projections must be compared).
  // A JavaScript map index returns each document once, at its first matching entry (fan-out
  // gives a document several entries).
  if (plan.js && plan.kind == Plan::Kind::kMap) {
    std::set<std::string> seen;
    std::vector<Match> unique;
    for (Match& m : matches) {
      if (seen.insert(documents::Lower(m.id)).second) unique.push_back(std::move(m));
    }
    matches = std::move(unique);
  }
  // Results that are values (reduce results), not documents.
  const bool map_reduce = plan.kind == Plan::Kind::kMapReduce || plan.kind == Plan::Kind::kJsReduce;
  const bool auto_reduce = plan.kind == Plan::Kind::kMapReduce;
  // Whole documents are returned as stored; they are parsed only for projections and includes.
  const bool needs_values = q.has_select || !q.includes.empty();
  auto load_documents = [&](size_t from, size_t to) -> Status {
    std::vector<std::string> ids;
    for (size_t i = from; i < to; ++i) {
      if (!matches[i].is_document && !map_reduce) ids.push_back(matches[i].id);
    }
    if (ids.empty()) return Status::Ok();
    ROOKERY_ASSIGN_OR_RETURN(auto docs, database_.GetJsonMany(ids));
    size_t j = 0;
    for (size_t i = from; i < to; ++i) {
      if (matches[i].is_document || map_reduce) continue;
      auto& doc = docs[j++];
      if (!doc) continue;  // deleted since indexing: dropped below
      if (needs_values) {
        ROOKERY_ASSIGN_OR_RETURN(matches[i].values, json::Parse(*doc));
      }
      matches[i].json = std::move(*doc);
      matches[i].is_document = true;
    }
    return Status::Ok();
  };

  // The result as a value (projections and map-reduce results); nullopt = the stored document.
  auto project = [&](Match& m) -> Result<std::optional<json::Value>> {
    if (auto_reduce || (map_reduce && !q.has_select)) {
      json::Value v = m.values;
      v.Set("@metadata", ProjectionMetadata(""));
      return std::optional<json::Value>(std::move(v));
    }
    if (!q.has_select) return std::optional<json::Value>();
    DocumentFieldSource source(m.values, m.id);
    std::vector<json::Value> loaded;
    loaded.reserve(q.loads.size());
    for (const LoadClause& load : q.loads) {
      std::vector<const json::Value*> found;
      source.Collect(load.field, &found);
      loaded.emplace_back();
      if (!found.empty() && found[0]->is_string()) {
        ROOKERY_ASSIGN_OR_RETURN(auto doc, database_.Get(found[0]->as_string()));
        if (doc) {
          ROOKERY_ASSIGN_OR_RETURN(loaded.back(), json::Parse(doc->json));
        }
      }
    }
    for (size_t i = 0; i < q.loads.size(); ++i) {
      if (!loaded[i].is_null()) source.AddLoaded(q.loads[i].alias, &loaded[i]);
    }
    const json::Value* meta = m.values.Find("@metadata");
    const json::Value* coll = meta ? meta->Find("@collection") : nullptr;
    ROOKERY_ASSIGN_OR_RETURN(
        json::Value projected,
        Project(q, source, m.id, coll && coll->is_string() ? coll->as_string() : ""));
    return std::optional<json::Value>(std::move(projected));
  };
  // Each match is turned into text once, so the stored text can be moved out (distinct keeps
  // its own copy of the key).
  auto text_of = [&](Match& m, const std::optional<json::Value>& v) {
    return v ? json::Serialize(*v) : std::move(m.json);
  };

  std::vector<std::string> texts;
  std::vector<size_t> kept;  // indexes of matches whose text is in `texts`
  if (q.distinct) {
    ROOKERY_RETURN_IF_ERROR(load_documents(0, matches.size()));
    std::set<std::string> seen;
    for (size_t i = 0; i < matches.size(); ++i) {
      if (!matches[i].is_document && !map_reduce) continue;
      ROOKERY_ASSIGN_OR_RETURN(auto value, project(matches[i]));
      const std::string key = value ? DistinctKey(*value) : matches[i].json;
      if (seen.insert(key).second) {
        texts.push_back(text_of(matches[i], value));
        kept.push_back(i);
      }
    }
    result.total_results = texts.size();
    const size_t from = std::min<uint64_t>(offset.value_or(0), texts.size());
    const size_t to = std::min<uint64_t>(from + limit.value_or(texts.size()), texts.size());
    result.results.assign(texts.begin() + from, texts.begin() + to);
    kept = std::vector<size_t>(kept.begin() + from, kept.begin() + to);
  } else {
    result.total_results = ordered_total ? *ordered_total : matches.size();
    const size_t from = ordered_total ? 0 : std::min<uint64_t>(offset.value_or(0), matches.size());
    const size_t to =
        ordered_total ? matches.size()
                      : std::min<uint64_t>(from + limit.value_or(matches.size()), matches.size());
    ROOKERY_RETURN_IF_ERROR(load_documents(from, to));
    for (size_t i = from; i < to; ++i) {
      if (!matches[i].is_document && !map_reduce) continue;
      ROOKERY_ASSIGN_OR_RETURN(auto value, project(matches[i]));
      result.results.push_back(text_of(matches[i], value));
      kept.push_back(i);
    }
  }

  // Includes: ids found at the include paths of each result's document.
  if (!q.includes.empty() && !auto_reduce) {
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (size_t i : kept) {
      for (const FieldRef& f : q.includes) {
        std::vector<const json::Value*> found;
        json::CollectPath(matches[i].values, f.path, &found);
        for (const json::Value* v : found) {
          std::vector<const json::Value*> flat;
          if (v->is_array()) {
            for (const json::Value& item : v->items()) flat.push_back(&item);
          } else {
            flat.push_back(v);
          }
          for (const json::Value* id : flat) {
            if (id->is_string() && seen.insert(documents::Lower(id->as_string())).second) {
              ids.push_back(id->as_string());
            }
          }
        }
      }
    }
    ROOKERY_ASSIGN_OR_RETURN(auto docs, database_.GetMany(ids));
    for (size_t i = 0; i < ids.size(); ++i) {
      if (docs[i]) result.includes.emplace_back(docs[i]->id, std::move(docs[i]->json));
    }
  }

  const uint64_t covered = plan.index ? plan.index->covered_etag() : database_.LastEtag();
  if (plan.index) result.index_timestamp_micros = plan.index->last_indexing_micros();
  const uint64_t parts[3] = {covered, database_.LastEtag(), result.total_results};
  result.result_etag = Hash64(parts, sizeof parts, 0) >> 1;  // positive as a signed long
  result.duration_micros = (env_.MonotonicNanos() - start) / 1000;
  return result;
}

Result<std::vector<std::string>> QueryEngine::MatchingIds(const QueryRequest& request,
                                                          bool* is_stale) {
  ROOKERY_ASSIGN_OR_RETURN(std::shared_ptr<const Query> parsed, Parse(request.text));
  const Query& q = *parsed;
  if (q.operation == Query::Operation::kUpdate || !q.group_by.empty()) {
    return Status::InvalidArgument("a delete by query needs a plain 'from ... where ...' query");
  }
  ROOKERY_RETURN_IF_ERROR(CheckParameters(q, request.parameters));
  ROOKERY_ASSIGN_OR_RETURN(Plan plan, MakePlan(q, request.parameters));
  std::vector<Match> matches;
  ROOKERY_ASSIGN_OR_RETURN(auto snapshot, OpenSnapshot(plan, request, is_stale));
  ROOKERY_RETURN_IF_ERROR(Collect(plan, snapshot.get(), q, request.parameters,
                                  /*lower_ids_suffice=*/false, &matches));
  std::vector<std::string> ids;
  ids.reserve(matches.size());
  for (Match& m : matches) ids.push_back(std::move(m.id));
  return ids;
}

}  // namespace rookery::query
