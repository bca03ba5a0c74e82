// FaultEnv's namespace: directories as inodes with named entries, the Env calls on names, and the
// per-directory log of unsynced creations, renames and removals (model in fault_env.h).
#include "platform/fault_env_state.h"

namespace rookery::platform {

std::string Normalize(std::string_view path) {
  return NormalizePath(path);
}

// ---- Tree ----

namespace {
const Entry kSlashEntry{nullptr, kSlashDirId};
const Entry kDotEntry{nullptr, kDotDirId};
const std::map<std::string, Entry> kNoEntries;
}  // namespace

const Entry* Tree::Find(const std::string& path) const {
  if (path == "/") return &kSlashEntry;
  if (path == ".") return &kDotEntry;
  const uint64_t parent = FindDir(DirName(path));
  if (parent == 0) return nullptr;
  const auto& entries = Entries(parent);
  auto it = entries.find(BaseName(path));
  return it == entries.end() ? nullptr : &it->second;
}

uint64_t Tree::FindDir(const std::string& path) const {
  const Entry* entry = Find(path);
  return entry != nullptr ? entry->dir : 0;
}

const std::map<std::string, Entry>& Tree::Entries(uint64_t id) const {
  auto it = dirs.find(id);
  return it == dirs.end() ? kNoEntries : it->second;
}

void Tree::Apply(uint64_t dir, const DirOp& op) {
  auto& entries = dirs[dir];
  switch (op.kind) {
    case DirOp::Kind::kSet:
      entries[op.name] = op.entry;
      break;
    case DirOp::Kind::kErase:
      entries.erase(op.name);
      break;
    case DirOp::Kind::kRename:
      entries.erase(op.name);
      entries[op.to] = op.entry;
      break;
  }
}

void FaultState::RecordDirOp(uint64_t dir, DirOp op) {
  live.Apply(dir, op);
  dir_ops[dir].push_back(std::move(op));
}

// ---- Env calls on names ----

namespace {

// A new, empty file named `path` in directory `parent`.
Result<std::shared_ptr<Inode>> CreateFileLocked(FaultState& s, uint64_t parent,
                                                const std::string& path) {
  auto inode = std::make_shared<Inode>();
  if (inode->live.base() == nullptr) return Status::NoSpace("no address space for " + path);
  s.RecordDirOp(parent, DirOp{DirOp::Kind::kSet, BaseName(path), {}, Entry{inode, 0}});
  return inode;
}

Status CreateDirLocked(FaultState& s, const std::string& path) {
  if (const Entry* entry = s.live.Find(path)) {
    if (entry->is_dir()) return Status::Ok();
    return Status::AlreadyExists(path + " exists and is not a directory");
  }
  const uint64_t parent = s.live.FindDir(DirName(path));
  if (parent == 0) return Status::NotFound("mkdir " + path + ": no parent directory");
  const uint64_t id = s.next_dir_id++;
  s.live.dirs[id];  // exists, empty
  s.RecordDirOp(parent, DirOp{DirOp::Kind::kSet, BaseName(path), {}, Entry{nullptr, id}});
  return Status::Ok();
}

// Unlinks `name` from `parent`, and first (like rm -rf) everything below it.
void RemoveTreeLocked(FaultState& s, uint64_t parent, const std::string& name) {
  const Entry entry = s.live.Entries(parent).at(name);
  if (entry.is_dir()) {
    std::vector<std::string> children;
    for (const auto& kv : s.live.Entries(entry.dir)) children.push_back(kv.first);
    for (const std::string& child : children) RemoveTreeLocked(s, entry.dir, child);
    s.live.dirs.erase(entry.dir);
  }
  s.RecordDirOp(parent, DirOp{DirOp::Kind::kErase, name, {}, {}});
}

}  // namespace

Result<std::unique_ptr<File>> FaultEnv::OpenFile(const std::string& raw_path,
                                                 const FileOptions& options) {
  const std::string path = Normalize(raw_path);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kOpen, path);
  if (!verdict.status.ok()) return verdict.status;
  if (options.direct_io && !s.direct_io_supported) {
    return Status::NotSupported("open " + path +
                                ": the file system does not support O_DIRECT (FaultEnv "
                                "configured with SetDirectIoSupported(false))");
  }
  std::shared_ptr<Inode> inode;
  if (const Entry* entry = s.live.Find(path)) {
    if (entry->is_dir()) return Status::InvalidArgument(path + " is a directory");
    if (options.create && options.exclusive) {
      return Status::AlreadyExists("create " + path + ": file exists");
    }
    inode = entry->file;
    if ((options.write || options.create) && options.truncate) {
      ROOKERY_RETURN_IF_ERROR(s.TruncateFile(*inode, path, 0));
    }
  } else {
    if (!options.create) return Status::NotFound("open " + path + ": no such file");
    const uint64_t parent = s.live.FindDir(DirName(path));
    if (parent == 0) return Status::NotFound("open " + path + ": no such directory");
    ROOKERY_ASSIGN_OR_RETURN(inode, CreateFileLocked(s, parent, path));
  }
  return NewFaultFile(state_, path, std::move(inode), options, options.direct_io);
}

Result<bool> FaultEnv::Exists(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  return state_->live.Find(path) != nullptr;
}

Result<bool> FaultEnv::IsDirectory(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  return state_->live.FindDir(path) != 0;
}

Result<uint64_t> FaultEnv::FileSize(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  const Entry* entry = state_->live.Find(path);
  if (entry == nullptr || entry->is_dir()) {
    return Status::NotFound("stat " + path + ": no such file");
  }
  return entry->file->live.size();
}

Status FaultEnv::CreateDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kCreateDir, path);
  if (!verdict.status.ok()) return verdict.status;
  return CreateDirLocked(*state_, path);
}

Status FaultEnv::CreateDirs(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kCreateDir, path);
  if (!verdict.status.ok()) return verdict.status;
  std::vector<std::string> chain;
  for (std::string p = path; state_->live.Find(p) == nullptr; p = DirName(p)) chain.push_back(p);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    ROOKERY_RETURN_IF_ERROR(CreateDirLocked(*state_, *it));
  }
  return CreateDirLocked(*state_, path);  // fails if `path` is a file
}

Status FaultEnv::RemoveFile(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  const Entry* entry = state_->live.Find(path);
  if (entry == nullptr || entry->is_dir()) {
    return Status::NotFound("unlink " + path + ": no such file");
  }
  state_->RecordDirOp(state_->live.FindDir(DirName(path)),
                      DirOp{DirOp::Kind::kErase, BaseName(path), {}, {}});
  return Status::Ok();
}

Status FaultEnv::RemoveDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  const Entry* entry = state_->live.Find(path);
  if (entry == nullptr || !entry->is_dir()) {
    return Status::NotFound("rmdir " + path + ": no such directory");
  }
  if (path == "/" || path == ".") return Status::InvalidArgument("rmdir " + path + ": a root");
  if (!state_->live.Entries(entry->dir).empty()) {
    return Status::InvalidArgument("rmdir " + path + ": directory not empty");
  }
  RemoveTreeLocked(*state_, state_->live.FindDir(DirName(path)), BaseName(path));
  return Status::Ok();
}

Status FaultEnv::RemoveAll(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  if (path == "/" || path == ".") {
    return Status::InvalidArgument("RemoveAll of the root " + path + " is not supported");
  }
  if (state_->live.Find(path) == nullptr) return Status::Ok();
  RemoveTreeLocked(*state_, state_->live.FindDir(DirName(path)), BaseName(path));
  return Status::Ok();
}

Status FaultEnv::Rename(const std::string& raw_from, const std::string& raw_to) {
  const std::string from = Normalize(raw_from), to = Normalize(raw_to);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kRename, from, to);
  if (!verdict.status.ok()) return verdict.status;
  const Entry* source = s.live.Find(from);
  if (source == nullptr) return Status::NotFound("rename " + from + ": no such file");
  if (source->is_dir()) return Status::NotSupported("FaultEnv renames files only: " + from);
  const uint64_t to_parent = s.live.FindDir(DirName(to));
  if (to_parent == 0) return Status::NotFound("rename to " + to + ": no such directory");
  const Entry* target = s.live.Find(to);
  if (target != nullptr && target->is_dir()) {
    return Status::InvalidArgument("rename to " + to + ": is a directory");
  }
  if (from == to) return Status::Ok();
  const Entry moved = *source;
  const uint64_t from_parent = s.live.FindDir(DirName(from));
  if (from_parent == to_parent) {
    s.RecordDirOp(from_parent, DirOp{DirOp::Kind::kRename, BaseName(from), BaseName(to), moved});
  } else {
    // Two directories: each side becomes durable with its own directory's SyncDir.
    s.RecordDirOp(from_parent, DirOp{DirOp::Kind::kErase, BaseName(from), {}, {}});
    s.RecordDirOp(to_parent, DirOp{DirOp::Kind::kSet, BaseName(to), {}, moved});
  }
  return Status::Ok();
}

Status FaultEnv::SyncDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kSyncDir, path);
  if (!verdict.status.ok()) return verdict.status;  // the operations stay unsynced
  const uint64_t id = s.live.FindDir(path);
  if (id == 0) return Status::NotFound("sync " + path + ": no such directory");
  auto it = s.dir_ops.find(id);
  if (it == s.dir_ops.end()) return Status::Ok();
  for (const DirOp& op : it->second) s.durable.Apply(id, op);
  s.dir_ops.erase(it);
  return Status::Ok();
}

Result<std::vector<std::string>> FaultEnv::ListDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kListDir, path);
  if (!verdict.status.ok()) return verdict.status;
  const uint64_t id = state_->live.FindDir(path);
  if (id == 0) return Status::NotFound("list " + path + ": no such directory");
  std::vector<std::string> names;
  for (const auto& kv : state_->live.Entries(id)) names.push_back(kv.first);
  return names;  // std::map keeps them sorted
}

Result<std::unique_ptr<FileLock>> FaultEnv::LockFile(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kLock, path);
  if (!verdict.status.ok()) return verdict.status;
  if (const Entry* entry = s.live.Find(path)) {
    if (entry->is_dir()) return Status::InvalidArgument("lock " + path + ": is a directory");
  } else {
    const uint64_t parent = s.live.FindDir(DirName(path));
    if (parent == 0) return Status::NotFound("lock " + path + ": no such directory");
    ROOKERY_RETURN_IF_ERROR(CreateFileLocked(s, parent, path).status());
  }
  if (s.locks.count(path)) return Status::Busy(path + " is locked");
  const uint64_t id = s.next_lock_id++;
  s.locks[path] = id;
  return NewFaultFileLock(state_, path, id);
}

}  // namespace rookery::platform
