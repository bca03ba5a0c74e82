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

// ---- FaultState ----

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

// ---- FaultEnv ----

FaultEnv::FaultEnv(uint64_t seed) : state_(std::make_shared<FaultState>(seed)) {}
FaultEnv::~FaultEnv() = default;

// ---- FaultEnv: crash and fault control ----

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
  for (auto& [id, entries] : s.live.dirs) {
    for (auto& [name, entry] : entries) {
      if (entry.is_dir()) continue;
      Inode& inode = *entry.file;
      inode.durable.assign(inode.live.base(), static_cast<size_t>(inode.live.size()));
      inode.pending.clear();
    }
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
  const Entry* entry = state_->live.Find(path);
  if (entry == nullptr || entry->is_dir()) return 0;
  uint64_t total = 0;
  for (const PendingOp& op : entry->file->pending) {
    if (op.kind == PendingOp::Kind::kWrite && !op.durable) total += op.data.size();
  }
  return total;
}

size_t FaultEnv::unsynced_dir_ops(const std::string& raw_path) const {
  const std::string path = Normalize(raw_path);
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->dir_ops.find(state_->live.FindDir(path));
  return it == state_->dir_ops.end() ? 0 : it->second.size();
}

// ---- FaultEnv: clock and randomness ----

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
