// Private state of FaultEnv, shared by fault_env.cc (namespace calls), fault_env_file.cc (file
// handles) and fault_env_crash.cc (power loss). Not part of the platform API.
//
// Every field of FaultState is guarded by FaultState::mu except the clock atomics and `seed`.
// Handles hold a shared_ptr<FaultState>, so they stay safe to call after the FaultEnv is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "platform/fault_env.h"
#include "platform/mem_buffer.h"

namespace rookery::platform {

// A small deterministic RNG (SplitMix64): the same stream on every platform and standard library.
class FaultRng {
 public:
  explicit FaultRng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

 private:
  uint64_t state_;
};

// Mixes values into one well-distributed seed.
uint64_t MixSeed(uint64_t a, uint64_t b);
uint64_t MixSeed(uint64_t a, std::string_view text);

// A file's live bytes in one reserved virtual range, so a MappedRegion can point straight at them
// and stays valid as the file grows (as a shared mmap does). Guarded by FaultState::mu.
using LiveBuffer = MemBuffer;

// One operation on a file that is not yet durable.
struct PendingOp {
  enum class Kind { kWrite, kTruncate, kAllocate };
  Kind kind = Kind::kWrite;
  uint64_t offset = 0;   // kWrite: where; kTruncate: the new size; kAllocate: the end to grow to
  std::string data;      // kWrite: the bytes
  bool durable = false;  // an O_DSYNC write: always survives a crash
};

// A file, independent of its names (several names, or none, may refer to it).
struct Inode {
  LiveBuffer live;                 // what reads and maps see
  std::string durable;             // what the disk holds as of the last Sync
  std::vector<PendingOp> pending;  // since then, in issue order
};

// A name in a directory: a file, or a directory (by id). Directories are inodes too, so that a
// directory removed and recreated under the same name is a new, empty directory, as on disk.
struct Entry {
  std::shared_ptr<Inode> file;  // set for a file
  uint64_t dir = 0;             // set (non-zero) for a directory
  bool is_dir() const { return dir != 0; }
};

inline constexpr uint64_t kSlashDirId = 1;  // "/"
inline constexpr uint64_t kDotDirId = 2;    // "."; relative paths start here
inline constexpr uint64_t kFirstDirId = 3;

// One name-level operation in a directory since its last SyncDir.
struct DirOp {
  enum class Kind { kSet, kErase, kRename };
  Kind kind = Kind::kSet;
  std::string name;  // kSet, kErase: the name; kRename: the source name
  std::string to;    // kRename: the target name (same directory)
  Entry entry;       // kSet, kRename: what the name refers to afterwards
};

// Directory contents by directory id. The roots always exist. A directory id without a table
// is empty (in the durable tree: never synced).
struct Tree {
  std::map<uint64_t, std::map<std::string, Entry>> dirs;

  // Resolves a normalised path; nullptr if a component is missing or is not a directory.
  // The roots resolve to directory entries.
  const Entry* Find(const std::string& path) const;
  // The id of the directory at `path`, or 0.
  uint64_t FindDir(const std::string& path) const;
  // The entries of directory `id` (empty if it has none).
  const std::map<std::string, Entry>& Entries(uint64_t id) const;
  void Apply(uint64_t dir, const DirOp& op);
};

// The kinds of counted ops, for fault filters.
enum class OpKind {
  kOpen,
  kRead,
  kWrite,
  kSync,
  kTruncate,
  kAllocate,
  kMap,
  kRename,
  kRemove,
  kCreateDir,
  kListDir,
  kSyncDir,
  kLock
};
std::string_view OpKindName(OpKind kind);

struct OpVerdict {
  Status status;             // not OK: the op must fail with this and have no effect...
  bool short_write = false;  // ...except a write, which applies a prefix first
  uint64_t op = 0;           // the op's number
};

std::string Normalize(std::string_view path);

struct FaultState {
  explicit FaultState(uint64_t seed);

  // Counts an op and decides whether it fails (power loss armed/fired, injected faults).
  OpVerdict BeginOp(OpKind kind, const std::string& path, const std::string& path2 = {});
  // For uncounted metadata queries: fails once the machine is "dead".
  Status CheckAlive(const std::string& what) const;

  // File mutations, applied to the live bytes and recorded for durability. `durable` marks an
  // O_DSYNC write.
  Status WriteFile(Inode& inode, const std::string& path, uint64_t offset, const void* src,
                   size_t n, bool durable);
  Status TruncateFile(Inode& inode, const std::string& path, uint64_t size);
  Status AllocateFile(Inode& inode, const std::string& path, uint64_t end);
  // Moves every pending op into the durable image.
  static void SyncFile(Inode& inode);
  // Records a namespace change in directory `dir` (and applies it to `live`).
  void RecordDirOp(uint64_t dir, DirOp op);
  void Unlock(const std::string& path, uint64_t id);

  // Builds the post-crash state (fault_env_crash.cc).
  void PowerLoss(const CrashOptions& options);

  mutable std::mutex mu;
  const uint64_t seed;
  uint64_t epoch = 0;  // bumped by each crash; handles from older epochs are dead
  uint64_t ops = 0;
  uint64_t power_loss_at = 0;  // 0: not armed
  bool dead = false;
  uint64_t crashes = 0;
  struct ArmedFault {
    FaultSpec spec;
    bool spent = false;
  };
  std::vector<ArmedFault> faults;
  uint64_t faults_fired = 0;
  bool direct_io_supported = true;

  Tree live;                                       // what lookups see
  Tree durable;                                    // each directory as of its last SyncDir
  std::map<uint64_t, std::vector<DirOp>> dir_ops;  // directory id -> unsynced ops, in order
  uint64_t next_dir_id = kFirstDirId;
  std::map<std::string, uint64_t> locks;  // path -> holder id
  uint64_t next_lock_id = 1;
  FaultRng user_rng;

  std::atomic<bool> manual_clock{false};
  std::atomic<uint64_t> manual_wall_micros{0};
  std::atomic<uint64_t> manual_mono_nanos{0};
};

// Opens a file handle (fault_env_file.cc). Caller holds state->mu.
std::unique_ptr<File> NewFaultFile(std::shared_ptr<FaultState> state, std::string path,
                                   std::shared_ptr<Inode> inode, const FileOptions& options,
                                   bool direct_io);
std::unique_ptr<FileLock> NewFaultFileLock(std::shared_ptr<FaultState> state, std::string path,
                                           uint64_t id);

}  // namespace rookery::platform
