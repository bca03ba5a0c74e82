// Helpers shared by the FaultEnv tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "platform/fault_env.h"

namespace rookery::platform::fault_test {

inline const std::string kDir = "/db";

inline std::unique_ptr<File> Open(Env& env, const std::string& path,
                                  FileOptions opts = {.create = true}) {
  auto file = env.OpenFile(path, opts);
  EXPECT_TRUE(file.ok()) << path << ": " << file.status().ToString();
  return file.ok() ? std::move(file).value() : nullptr;
}

inline void Write(File& file, uint64_t offset, const std::string& bytes) {
  ASSERT_TRUE(file.WriteAt(offset, bytes.data(), bytes.size()).ok()) << file.path();
}

// The file's contents, or "<missing>".
inline std::string Contents(Env& env, const std::string& path) {
  auto got = ReadFileToString(env, path);
  if (!got.ok()) {
    EXPECT_EQ(got.status().code(), Code::kNotFound) << got.status().ToString();
    return "<missing>";
  }
  return *got;
}

// A directory that exists durably: its creation, and its parents', synced up to "/".
inline void DurableDir(FaultEnv& env, const std::string& dir = kDir) {
  ASSERT_TRUE(env.CreateDirs(dir).ok());
  for (std::string p = dir; p != "/"; p = DirName(p)) ASSERT_TRUE(env.SyncDir(DirName(p)).ok());
}

// A durable file: data synced and name synced.
inline void DurableFile(FaultEnv& env, const std::string& path, const std::string& bytes) {
  auto f = Open(env, path);
  ASSERT_NE(f, nullptr);
  Write(*f, 0, bytes);
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env.SyncDir(DirName(path)).ok());
}

// Every file below `root` with its bytes: the whole visible state, for comparisons.
inline std::map<std::string, std::string> Dump(Env& env, const std::string& root = "/") {
  std::map<std::string, std::string> out;
  auto names = env.ListDir(root);
  EXPECT_TRUE(names.ok());
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    const std::string path = JoinPath(root, name);
    if (env.IsDirectory(path).value()) {
      out[path + "/"] = "<dir>";
      for (auto& kv : Dump(env, path)) out.insert(kv);
    } else {
      out[path] = Contents(env, path);
    }
  }
  return out;
}

}  // namespace rookery::platform::fault_test
