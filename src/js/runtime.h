// The JavaScript engine behind one narrow interface (docs/design/js.md).
//
// RavenDB users write static indexes in JavaScript:
//
//   map('Posts', post => ({ Community: post.Community, Date: post.Date }))   // one per Maps[i]
//   groupBy(x => x.Community).aggregate(g => ({ Community: g.key, Count: g.values.length }))
//
// A Runtime compiles such a definition into an IndexProgram and runs its map functions on
// documents and its reduce on groups of map results. Values cross the boundary as JSON
// (json::Value out, JSON text or json::Value in); see docs/design/js.md for the conversion rules
// (integers beyond 2^53, dates, null / undefined / missing).
//
// Engine: V8 (Node 18's libnode) today; nothing here names it, so the engine can be swapped by
// writing another implementation of these two interfaces and its factory.
//
// Threads: one Runtime per indexing worker thread. A Runtime and the programs it compiled may be
// used only by one thread at a time (the thread that calls them; V8 isolates are single-threaded)
// and programs must be destroyed before their Runtime. Distinct Runtimes run in parallel.
// Creating a Runtime costs a few milliseconds and about a megabyte: keep it for the life of the
// worker.
//
// Limits: every call into user code (compile, map, key, reduce) is bounded by
// RuntimeOptions::time_limit (Status kTimeout) and the runtime's heap by heap_limit_bytes
// (Status kNoSpace). A call that hits a limit is stopped and the Runtime stays usable. Errors
// thrown by user code are kInvalidArgument with the script's message and, where the engine knows
// it, "<source> line L, column C" (source is "Maps[i]" or "Reduce").
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "json/value.h"

namespace rookery::js {

struct RuntimeOptions {
  // Wall-clock budget of one call into user code; zero means no limit. RavenDB's default for
  // index scripts is much larger; the indexing layer passes its configured value.
  std::chrono::milliseconds time_limit{1000};
  // Upper bound of the JavaScript heap (old generation) of this runtime. A call that would grow it
  // beyond this is stopped.
  size_t heap_limit_bytes = size_t{256} << 20;
};

// What a map function may read besides its document: load(id, collection). The indexing layer
// implements it over its read transaction. Called on the runtime's thread, during RunMap only.
class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  // The document's JSON text (with "@metadata", as documents::Document::json), nullopt when there
  // is no such document or it is not in `collection` (load() then returns null to the script).
  // An error aborts the map call with that status.
  virtual Result<std::optional<std::string>> Load(std::string_view id,
                                                  std::string_view collection) = 0;
};

// One load(id, collection) made by a map call, found or not: the input of reference tracking
// (a later change to that id must re-index the document that loaded it).
struct LoadedReference {
  std::string id;
  std::string collection;
  bool found = false;
  bool operator==(const LoadedReference&) const = default;
};

// A document handed to RunMap.
struct MapInput {
  std::string_view collection;  // selects the map functions: those of map(collection, ...)
  std::string_view id;          // what id(doc) returns when the document has no @metadata.@id
  std::string_view json;        // the document as JSON text (an object)
};

struct MapOutput {
  // Index entries, in order: each map function's result, an object (one entry), an array (one
  // entry per object element: fan-out) or null / undefined / anything else (no entry).
  std::vector<json::Value> entries;
  // Every load() of this call, in call order (duplicates kept once).
  std::vector<LoadedReference> references;
};

// One document's map output from RunMapBatch: what RunMap and ReduceKey give, as JSON text.
struct MappedDocument {
  // The document's error in user code (as RunMap or ReduceKey report it; kInvalidArgument,
  // kTimeout or kNoSpace); entries and keys are empty then.
  Status status;
  std::vector<std::string> entries;  // each map entry as JSON text (an object)
  // has_reduce(): keys[i] = json::Serialize(ReduceKey(entry i)), the reduce key text.
  std::vector<std::string> keys;
};

// The source of an index definition, as RavenDB's IndexDefinition holds it.
struct IndexScript {
  std::vector<std::string> maps;  // each calls map('Collection', fn) one or more times
  std::string reduce;             // empty, or groupBy(fn).aggregate(fn)
  // RavenDB's AdditionalSources: (name, source) run before the maps, in order, so that the maps
  // and the reduce can call the functions they define. Errors name "AdditionalSources['name']".
  std::vector<std::pair<std::string, std::string>> additional_sources;
};

// A compiled index definition, bound to the Runtime that compiled it.
class IndexProgram {
 public:
  virtual ~IndexProgram() = default;

  // The collections named by map(...) calls, in first-seen order (a multi-map lists several).
  virtual const std::vector<std::string>& collections() const = 0;
  virtual bool has_reduce() const = 0;

  // Runs every map function registered for input.collection on the document. `source` serves
  // load(); nullptr makes load() return null (and record nothing). No map for the collection: no
  // entries.
  virtual Result<MapOutput> RunMap(const MapInput& input, DocumentSource* source) = 0;

  // The reduce key of one map entry: the groupBy function applied to it (an object for composite
  // keys, a scalar for a single field). Entries with equal keys (json::Value equality) belong to
  // one group. Requires has_reduce().
  virtual Result<json::Value> ReduceKey(const json::Value& entry) = 0;

  // RunMap (without load(): it returns null and records nothing) and, with a reduce, ReduceKey of
  // every entry, for many documents in few calls into the engine: the per-call costs (entering
  // the engine, converting results) are shared by the documents of a call. One result per input,
  // in order. A document that fails alone is reported in its MappedDocument with the Status
  // RunMap/ReduceKey would give; documents of a call that hit a limit (time, heap) are run again
  // one by one, so limits apply per document as with RunMap. An error is returned only when the
  // engine itself fails. Callers whose maps call load() use RunMap.
  virtual Result<std::vector<MappedDocument>> RunMapBatch(const std::vector<MapInput>& inputs) = 0;

  // Reduces one group: the aggregate function called with { key, values }, where key is
  // ReduceKey(values[0]). Returns one result per group (RavenDB's aggregate returns an object; an
  // array is accepted as several results). Requires has_reduce() and a non-empty `values`.
  virtual Result<std::vector<json::Value>> RunReduce(const std::vector<json::Value>& values) = 0;
  // RunReduce with the values given as the text of a JSON array of objects (map entries as the
  // index stores them, joined), sparing a parse and a serialization per value.
  virtual Result<std::vector<json::Value>> RunReduceText(std::string_view values_array) = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Compiles an index definition. A syntax error, a Maps entry that registers no map, or a Reduce
  // that is not groupBy(...).aggregate(...) is kInvalidArgument naming the source and position.
  virtual Result<std::unique_ptr<IndexProgram>> Compile(const IndexScript& script) = 0;

  // Heap in use by this runtime now (bytes), for statistics and tests.
  virtual size_t HeapUsedBytes() = 0;
};

// A V8 runtime (one isolate, its watchdog thread). The process-wide V8 platform is initialised on
// first use and lives until the process exits.
Result<std::unique_ptr<Runtime>> NewRuntime(const RuntimeOptions& options = {});

}  // namespace rookery::js
