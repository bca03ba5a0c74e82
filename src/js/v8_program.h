// Internal to src/js: a compiled index definition in its own V8 context (runtime.h IndexProgram).
#pragma once

#include <v8.h>

#include <optional>
#include <string>
#include <vector>

#include "js/runtime.h"
#include "js/v8_runtime.h"

namespace rookery::js::internal {

class V8IndexProgram final : public IndexProgram {
 public:
  explicit V8IndexProgram(V8Runtime* runtime) : runtime_(runtime) {}
  ~V8IndexProgram() override;

  Status Init(const IndexScript& script);

  const std::vector<std::string>& collections() const override { return collections_; }
  bool has_reduce() const override { return has_reduce_; }
  Result<MapOutput> RunMap(const MapInput& input, DocumentSource* source) override;
  Result<json::Value> ReduceKey(const json::Value& entry) override;
  Result<std::vector<json::Value>> RunReduce(const std::vector<json::Value>& values) override;
  Result<std::vector<json::Value>> RunReduceText(std::string_view values_array) override;
  Result<std::vector<MappedDocument>> RunMapBatch(const std::vector<MapInput>& inputs) override;

  // RunMap through the object bridge (v8_convert.h): the document is built as V8 objects from
  // `doc` and the results walked from C++. For measurements and tests; no load() tracking.
  Result<MapOutput> RunMapObjects(std::string_view collection, const json::Value& doc);

 private:
  struct CollectionMaps {
    std::string name;
    std::string what;  // "map of 'Posts'", for error messages
    v8::Global<v8::Array> fns;
    // The top-level members the maps read (projection.h), when every map shows them; RunMapBatch
    // then hands them only those.
    std::optional<std::vector<std::string>> reads = std::vector<std::string>();
  };

  static void Load(const v8::FunctionCallbackInfo<v8::Value>& info);
  const CollectionMaps* Find(std::string_view collection) const;
  enum EntryPoint { kTag, kRunMap, kRunMapObject, kRunKey, kRunReduce, kRunMapBatch, kEntryPoints };
  v8::Local<v8::Function> Entry(EntryPoint which) {
    return entry_points_[which].Get(runtime_->isolate());
  }
  // Calls an entry point with JSON text arguments and parses its JSON text result ("" = none).
  Result<std::string> CallText(v8::Local<v8::Function> fn, int argc, v8::Local<v8::Value>* argv,
                               std::string_view what);

  // One document through RunMap and ReduceKey (RunMapBatch's fallback).
  MappedDocument MapOne(const MapInput& input);
  // One call of runMapBatch over inputs[begin, end) (documents with maps only); false when the
  // call as a whole failed (a limit), leaving `out` untouched.
  Result<bool> MapChunk(const std::vector<MapInput>& inputs, const std::vector<size_t>& which,
                        std::vector<MappedDocument>* out);

  V8Runtime* runtime_;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> entry_points_[kEntryPoints];  // the prelude's, looked up once
  std::vector<CollectionMaps> maps_;
  std::vector<std::string> collections_;
  bool has_reduce_ = false;

  // State of the RunMap call in progress, for load().
  DocumentSource* source_ = nullptr;
  std::vector<LoadedReference>* references_ = nullptr;
  Status load_error_;
};

}  // namespace rookery::js::internal
