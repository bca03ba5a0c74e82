// FaultEnv: namespace calls, the op counter and fault decisions, the clock. The durability model
// is described in fault_env.h; files are in fault_env_file.cc, crashes in fault_env_crash.cc.
#include "platform/fault_env.h"

#include <chrono>
#include <thread>

#include "platform/fault_env_state.h"

namespace rookery::platform {

namespace {

constexpr uint64_t kManualWallStartMicros = uint64_t{1704067200} * 1000000;  // 2024-01-01 UTC
constexpr uint64_t kManualMonoStartNanos = 1000000000;

bool Matches(OpFilter filter, OpKind kind) {
  switch (filter) {
    case OpFilter::kAny:
      return true;
    case OpFilter::kReads:
      return kind == OpKind::kRead || kind == OpKind::kMap;
    case OpFilter::kWrites:
      return kind == OpKind::kWrite;
    case OpFilter::kMutations:
      return kind == OpKind::kWrite || kind == OpKind::kTruncate || kind == OpKind::kAllocate;
    case OpFilter::kSyncs:
      return kind == OpKind::kSync || kind == OpKind::kSyncDir;
    case OpFilter::kFileSyncs:
      return kind == OpKind::kSync;
    case OpFilter::kDirSyncs:
      return kind == OpKind::kSyncDir;
    case OpFilter::kOpens:
      return kind == OpKind::kOpen || kind == OpKind::kLock;
    case OpFilter::kNamespace:
      return kind == OpKind::kOpen || kind == OpKind::kRename || kind == OpKind::kRemove ||
             kind == OpKind::kCreateDir || kind == OpKind::kListDir || kind == OpKind::kLock;
  }
  return false;
}

// Reads, maps and listings cannot run out of space: a "no space" fault fails them with EIO.
bool CanNeedSpace(OpKind kind) {
  return kind != OpKind::kRead && kind != OpKind::kMap && kind != OpKind::kListDir;
}

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kEIO:
      return "EIO";
    case FaultKind::kENOSPC:
      return "ENOSPC";
    case FaultKind::kShortWrite:
      return "short write";
  }
  return "?";
}

}  // namespace

std::string_view OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kOpen:
      return "open";
    case OpKind::kRead:
      return "read";
    case OpKind::kWrite:
      return "write";
    case OpKind::kSync:
      return "sync";
    case OpKind::kTruncate:
      return "truncate";
    case OpKind::kAllocate:
      return "allocate";
    case OpKind::kMap:
      return "map";
    case OpKind::kRename:
      return "rename";
    case OpKind::kRemove:
      return "remove";
    case OpKind::kCreateDir:
      return "mkdir";
    case OpKind::kListDir:
      return "list";
    case OpKind::kSyncDir:
      return "syncdir";
    case OpKind::kLock:
      return "lock";
  }
  return "?";
}

std::string Normalize(std::string_view path) {
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

// ---- Namespace --------------------------------------------------------------------------------

void Namespace::Apply(const DirOp& op) {
  switch (op.kind) {
    case DirOp::Kind::kAddFile:
      files[op.path] = op.inode;
      break;
    case DirOp::Kind::kAddDir:
      dirs.insert(op.path);
      break;
    case DirOp::Kind::kRemove:
      files.erase(op.path);
      dirs.erase(op.path);
      break;
    case DirOp::Kind::kRename:
      files.erase(op.path);
      files[op.to] = op.inode;
      break;
  }
}

void Namespace::DropOrphans() {
  // A parent sorts before its children ("a" < "a/b"), so one pass in order sees parents first.
  std::set<std::string> kept;
  for (const std::string& dir : dirs) {
    const std::string parent = DirName(dir);
    if (parent == "." || parent == "/" || kept.count(parent)) kept.insert(dir);
  }
  dirs = std::move(kept);
  // A name that is both a file and a directory can only come from a random subset of directory
  // operations; the directory wins.
  std::erase_if(files,
                [&](const auto& kv) { return !HasDir(DirName(kv.first)) || HasDir(kv.first); });
}

// ---- FaultState -------------------------------------------------------------------------------

FaultState::FaultState(uint64_t seed_value)
    : seed(seed_value), user_rng(MixSeed(seed_value, "RandomUint64")) {
  manual_wall_micros = kManualWallStartMicros;
  manual_mono_nanos = kManualMonoStartNanos;
}

OpVerdict FaultState::BeginOp(OpKind kind, const std::string& path, const std::string& path2) {
  OpVerdict verdict;
  verdict.op = ++ops;
  if (!dead && power_loss_at != 0 && verdict.op >= power_loss_at) dead = true;
  if (dead) {
    verdict.status =
        Status::IOError("simulated power loss: " + std::string(OpKindName(kind)) + " " + path +
                        " (I/O op " + std::to_string(verdict.op) + ") did not happen");
    return verdict;
  }
  for (ArmedFault& fault : faults) {
    const FaultSpec& spec = fault.spec;
    if (fault.spent || verdict.op < spec.at_op || !Matches(spec.filter, kind)) continue;
    if (!spec.path_contains.empty() && path.find(spec.path_contains) == std::string::npos &&
        path2.find(spec.path_contains) == std::string::npos) {
      continue;
    }
    if (!spec.persistent) fault.spent = true;
    ++faults_fired;
    std::string message = "injected " + std::string(FaultKindName(spec.kind)) + " at I/O op " +
                          std::to_string(verdict.op) + " (" + std::string(OpKindName(kind)) + " " +
                          path + ")";
    if (spec.kind == FaultKind::kEIO || !CanNeedSpace(kind)) {
      verdict.status = Status::IOError(std::move(message));
    } else {
      verdict.status = Status::NoSpace(std::move(message));
      verdict.short_write = spec.kind == FaultKind::kShortWrite && kind == OpKind::kWrite;
    }
    return verdict;
  }
  return verdict;
}

Status FaultState::CheckAlive(const std::string& what) const {
  if (!dead) return Status::Ok();
  return Status::IOError("simulated power loss: " + what + " did not happen");
}

void FaultState::RecordDirOp(DirOp op) {
  live.Apply(op);
  dir_ops[DirName(op.path)].push_back(std::move(op));
}

// ---- FaultEnv: files and directories ----------------------------------------------------------

FaultEnv::FaultEnv(uint64_t seed) : state_(std::make_shared<FaultState>(seed)) {}
FaultEnv::~FaultEnv() = default;

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
  if (s.live.HasDir(path)) return Status::InvalidArgument(path + " is a directory");
  auto it = s.live.files.find(path);
  bool created = false;
  if (it == s.live.files.end()) {
    if (!options.create) return Status::NotFound("open " + path + ": no such file");
    if (!s.live.HasDir(DirName(path))) {
      return Status::NotFound("open " + path + ": no such directory");
    }
    auto inode = std::make_shared<Inode>();
    if (inode->live.base() == nullptr) return Status::NoSpace("no address space for " + path);
    s.RecordDirOp(DirOp{DirOp::Kind::kAddFile, path, {}, inode});
    it = s.live.files.find(path);
    created = true;
  } else if (options.create && options.exclusive) {
    return Status::AlreadyExists("create " + path + ": file exists");
  }
  const bool writable = options.write || options.create;
  if (writable && options.truncate && !created) {
    ROOKERY_RETURN_IF_ERROR(s.TruncateFile(*it->second, path, 0));
  }
  return NewFaultFile(state_, path, it->second, options, options.direct_io);
}

Result<bool> FaultEnv::Exists(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  return state_->live.files.count(path) > 0 || state_->live.HasDir(path);
}

Result<bool> FaultEnv::IsDirectory(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  return state_->live.HasDir(path);
}

Result<uint64_t> FaultEnv::FileSize(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("stat " + path));
  auto it = state_->live.files.find(path);
  if (it == state_->live.files.end()) return Status::NotFound("stat " + path + ": no such file");
  return it->second->live.size();
}

namespace {

Status CreateDirLocked(FaultState& s, const std::string& path) {
  if (s.live.HasDir(path)) return Status::Ok();
  if (s.live.files.count(path)) {
    return Status::AlreadyExists(path + " exists and is not a directory");
  }
  if (!s.live.HasDir(DirName(path))) {
    return Status::NotFound("mkdir " + path + ": no parent directory");
  }
  s.RecordDirOp(DirOp{DirOp::Kind::kAddDir, path, {}, nullptr});
  return Status::Ok();
}

std::vector<std::string> ChildrenLocked(const Namespace& ns, const std::string& dir) {
  std::set<std::string> names;
  auto add = [&](const std::string& p) {
    if (p != dir && DirName(p) == dir) names.insert(BaseName(p));
  };
  for (const auto& kv : ns.files) add(kv.first);
  for (const auto& d : ns.dirs) add(d);
  return {names.begin(), names.end()};
}

}  // namespace

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
  for (std::string p = path; !state_->live.HasDir(p); p = DirName(p)) chain.push_back(p);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    ROOKERY_RETURN_IF_ERROR(CreateDirLocked(*state_, *it));
  }
  return Status::Ok();
}

Status FaultEnv::RemoveFile(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  if (!state_->live.files.count(path)) return Status::NotFound("unlink " + path + ": no such file");
  state_->RecordDirOp(DirOp{DirOp::Kind::kRemove, path, {}, nullptr});
  return Status::Ok();
}

Status FaultEnv::RemoveDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  if (!state_->live.dirs.count(path)) {
    return Status::NotFound("rmdir " + path + ": no such directory");
  }
  if (!ChildrenLocked(state_->live, path).empty()) {
    return Status::InvalidArgument("rmdir " + path + ": directory not empty");
  }
  state_->RecordDirOp(DirOp{DirOp::Kind::kRemove, path, {}, nullptr});
  return Status::Ok();
}

Status FaultEnv::RemoveAll(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kRemove, path);
  if (!verdict.status.ok()) return verdict.status;
  if (path == "." || path == "/") {
    return Status::InvalidArgument("RemoveAll of the root " + path + " is not supported");
  }
  const std::string prefix = path + "/";
  std::vector<std::string> victims;  // files first, then directories deepest first
  for (const auto& kv : state_->live.files) {
    if (kv.first == path || kv.first.starts_with(prefix)) victims.push_back(kv.first);
  }
  for (auto it = state_->live.dirs.rbegin(); it != state_->live.dirs.rend(); ++it) {
    if (*it == path || it->starts_with(prefix)) victims.push_back(*it);
  }
  for (const std::string& victim : victims) {
    state_->RecordDirOp(DirOp{DirOp::Kind::kRemove, victim, {}, nullptr});
  }
  return Status::Ok();
}

Status FaultEnv::Rename(const std::string& raw_from, const std::string& raw_to) {
  const std::string from = Normalize(raw_from), to = Normalize(raw_to);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kRename, from, to);
  if (!verdict.status.ok()) return verdict.status;
  auto it = s.live.files.find(from);
  if (it == s.live.files.end()) {
    if (s.live.dirs.count(from))
      return Status::NotSupported("FaultEnv renames files only: " + from);
    return Status::NotFound("rename " + from + ": no such file");
  }
  if (!s.live.HasDir(DirName(to)))
    return Status::NotFound("rename to " + to + ": no such directory");
  if (s.live.HasDir(to)) return Status::InvalidArgument("rename to " + to + ": is a directory");
  if (from == to) return Status::Ok();
  std::shared_ptr<Inode> inode = it->second;
  if (DirName(from) == DirName(to)) {
    s.RecordDirOp(DirOp{DirOp::Kind::kRename, from, to, inode});
  } else {
    // Two directories: each side becomes durable with its own directory's SyncDir.
    s.RecordDirOp(DirOp{DirOp::Kind::kRemove, from, {}, nullptr});
    s.RecordDirOp(DirOp{DirOp::Kind::kAddFile, to, {}, inode});
  }
  return Status::Ok();
}

Status FaultEnv::SyncDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kSyncDir, path);
  if (!verdict.status.ok()) return verdict.status;  // the operations stay unsynced
  if (!s.live.HasDir(path)) return Status::NotFound("sync " + path + ": no such directory");
  auto it = s.dir_ops.find(path);
  if (it == s.dir_ops.end()) return Status::Ok();
  for (const DirOp& op : it->second) s.durable.Apply(op);
  s.dir_ops.erase(it);
  return Status::Ok();
}

Result<std::vector<std::string>> FaultEnv::ListDir(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  OpVerdict verdict = state_->BeginOp(OpKind::kListDir, path);
  if (!verdict.status.ok()) return verdict.status;
  if (!state_->live.HasDir(path)) return Status::NotFound("list " + path + ": no such directory");
  return ChildrenLocked(state_->live, path);
}

Result<std::unique_ptr<FileLock>> FaultEnv::LockFile(const std::string& raw_path) {
  const std::string path = Normalize(raw_path);
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  OpVerdict verdict = s.BeginOp(OpKind::kLock, path);
  if (!verdict.status.ok()) return verdict.status;
  if (s.live.HasDir(path)) return Status::InvalidArgument("lock " + path + ": is a directory");
  if (!s.live.files.count(path)) {
    if (!s.live.HasDir(DirName(path))) {
      return Status::NotFound("lock " + path + ": no such directory");
    }
    auto inode = std::make_shared<Inode>();
    if (inode->live.base() == nullptr) return Status::NoSpace("no address space for " + path);
    s.RecordDirOp(DirOp{DirOp::Kind::kAddFile, path, {}, std::move(inode)});
  }
  if (s.locks.count(path)) return Status::Busy(path + " is locked");
  const uint64_t id = s.next_lock_id++;
  s.locks[path] = id;
  return NewFaultFileLock(state_, path, id);
}

// ---- FaultEnv: crash and fault control ----------------------------------------------------------

void FaultEnv::SimulatePowerLoss(const CrashOptions& options) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->PowerLoss(options);
}

void FaultEnv::ArmPowerLossAtOp(uint64_t k) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->power_loss_at = k;
}

bool FaultEnv::power_lost() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->dead;
}

uint64_t FaultEnv::power_loss_count() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->crashes;
}

void FaultEnv::SyncAll() {
  FaultState& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  for (auto& [path, inode] : s.live.files) {
    inode->durable.assign(inode->live.base(), static_cast<size_t>(inode->live.size()));
    inode->pending.clear();
  }
  s.durable = s.live;
  s.dir_ops.clear();
}

void FaultEnv::InjectFault(FaultSpec spec) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.push_back(FaultState::ArmedFault{std::move(spec), false});
}

void FaultEnv::ClearFaults() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.clear();
}

uint64_t FaultEnv::faults_fired() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->faults_fired;
}

void FaultEnv::SetDirectIoSupported(bool supported) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->direct_io_supported = supported;
}

uint64_t FaultEnv::io_ops() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->ops;
}

uint64_t FaultEnv::unsynced_bytes(const std::string& raw_path) const {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->live.files.find(path);
  if (it == state_->live.files.end()) return 0;
  uint64_t total = 0;
  for (const PendingOp& op : it->second->pending) {
    if (op.kind == PendingOp::Kind::kWrite && !op.durable) total += op.data.size();
  }
  return total;
}

size_t FaultEnv::unsynced_dir_ops(const std::string& raw_path) const {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->dir_ops.find(path);
  return it == state_->dir_ops.end() ? 0 : it->second.size();
}

// ---- FaultEnv: clock and randomness -------------------------------------------------------------

void FaultEnv::SetManualClock(bool enabled) {
  state_->manual_clock = enabled;
}

void FaultEnv::AdvanceMicros(uint64_t micros) {
  state_->manual_wall_micros += micros;
  state_->manual_mono_nanos += micros * 1000;
}

uint64_t FaultEnv::NowMicros() {
  if (state_->manual_clock) return state_->manual_wall_micros;
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t FaultEnv::MonotonicNanos() {
  if (state_->manual_clock) return state_->manual_mono_nanos;
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

void FaultEnv::SleepMicros(uint64_t micros) {
  if (state_->manual_clock) {
    AdvanceMicros(micros);
    return;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(micros));
}

uint64_t FaultEnv::RandomUint64() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->user_rng.Next();
}

}  // namespace rookery::platform
