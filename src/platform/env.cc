#include "platform/env.h"

namespace rookery::platform {

std::string NormalizePath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (out.size() > 2 && out.compare(0, 2, "./") == 0) out.erase(0, 2);
  return out.empty() ? "." : out;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out != "/") out += '/';
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Result<std::string> ReadFileToString(Env& env, const std::string& path) {
  ROOKERY_ASSIGN_OR_RETURN(auto file, env.OpenFile(path, FileOptions{}));
  ROOKERY_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string out(size, '\0');
  ROOKERY_ASSIGN_OR_RETURN(size_t got, file->ReadAt(0, out.data(), out.size()));
  out.resize(got);
  return out;
}

Status WriteFileAtomically(Env& env, const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  {
    FileOptions opts;
    opts.write = opts.create = opts.truncate = true;
    ROOKERY_ASSIGN_OR_RETURN(auto file, env.OpenFile(tmp, opts));
    ROOKERY_RETURN_IF_ERROR(file->WriteAt(0, contents.data(), contents.size()));
    ROOKERY_RETURN_IF_ERROR(file->Sync());
  }
  ROOKERY_RETURN_IF_ERROR(env.Rename(tmp, path));
  return env.SyncDir(DirName(path));
}

}  // namespace rookery::platform
