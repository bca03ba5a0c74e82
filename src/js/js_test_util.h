// Helpers shared by src/js's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "js/runtime.h"
#include "json/value.h"

namespace rookery::js {

inline json::Value J(std::string_view text) {
  Result<json::Value> v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " in " << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

inline std::unique_ptr<Runtime> MakeRuntime(RuntimeOptions options = {}) {
  Result<std::unique_ptr<Runtime>> runtime = NewRuntime(options);
  EXPECT_TRUE(runtime.ok()) << runtime.status().ToString();
  return std::move(runtime).value();
}

inline std::unique_ptr<IndexProgram> MustCompile(Runtime* runtime, IndexScript script) {
  Result<std::unique_ptr<IndexProgram>> program = runtime->Compile(script);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return program.ok() ? std::move(program).value() : nullptr;
}

// Entries of one map call, serialized: easy to compare and to read in failures.
inline std::vector<std::string> MapJson(IndexProgram* program, std::string_view collection,
                                        std::string_view doc, std::string_view id = "docs/1",
                                        DocumentSource* source = nullptr) {
  Result<MapOutput> out = program->RunMap(MapInput{collection, id, doc}, source);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  std::vector<std::string> texts;
  if (out.ok()) {
    for (const json::Value& e : out->entries) texts.push_back(json::Serialize(e));
  }
  return texts;
}

// An in-memory DocumentSource: id -> (collection, JSON text).
class FakeSource : public DocumentSource {
 public:
  void Put(std::string id, std::string collection, std::string json) {
    docs_[std::move(id)] = {std::move(collection), std::move(json)};
  }
  Result<std::optional<std::string>> Load(std::string_view id,
                                          std::string_view collection) override {
    ++loads;
    if (fail) return Status::IOError("disk on fire");
    auto it = docs_.find(std::string(id));
    if (it == docs_.end() || it->second.first != collection) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(it->second.second);
  }
  int loads = 0;
  bool fail = false;

 private:
  std::map<std::string, std::pair<std::string, std::string>> docs_;
};

}  // namespace rookery::js
