// FaultEnv: an in-memory Env that simulates power loss and injects I/O errors, deterministically.
//
// It is the I/O layer of the crash harness (testing.md §2.3, layer A). Files and directories live
// in process memory, like MemEnv, but FaultEnv also tracks what the "disk" holds as opposed to
// what the page cache holds, so a test can pull the plug at any point and see what a real machine
// would find on reboot.
//
// ---- The durability model: what survives SimulatePowerLoss and why ----------------------------
//
// Per file (inode) FaultEnv keeps
//   * the durable image: the bytes and size on disk as of the last successful File::Sync;
//   * the unsynced operations since then, in issue order: writes (offset + bytes), truncates and
//     allocates. A write through a handle opened with FileOptions::data_sync (O_DSYNC) is durable
//     when WriteAt returns: it is applied to the durable image at once, or, if unsynced operations
//     precede it, kept in the list marked durable, so it always survives and is replayed in its
//     place in the order (a later unsynced write over it may still win, as on disk).
// Directories are inodes too (a directory removed and recreated under the same name is a new,
// empty directory). Per directory FaultEnv keeps its entries as of its last SyncDir and the
// creations, renames and removals of names since then. A name's durability depends only on its
// own directory's SyncDir, never on File::Sync (ext4 and XFS often give more; the engine must not
// rely on it). RemoveAll unlinks each name below the path, deepest first, as rm -rf does.
//
// SimulatePowerLoss(options) replaces the live file system with what the disk holds:
//   1. Names. With drop_all_unsynced_dir_ops (default) every directory reverts to its state at its
//      last SyncDir: an unsynced creation vanishes (its data with it), an unsynced rename reverts,
//      an unsynced removal comes back. Otherwise each directory keeps a random subset of its
//      unsynced operations (a random prefix with strict_order); a rename within one directory is
//      one atomic operation, a rename across directories is a removal in the source and a creation
//      in the target decided independently (so the file may end up under both names or neither).
//      Anything below a directory that did not survive is gone. A file that survives under two
//      names (only possible that way) is one file under both, like a hard link.
//   2. Data. Each surviving file gets its durable image plus, replayed in order, a random subset of
//      its unsynced operations (each kept with probability 1/2), or with strict_order a random
//      prefix of them, or with keep_no_unsynced none. Durable (O_DSYNC) writes are always replayed.
//      With tear, the last replayed unsynced write is torn with probability 1/2: only a random,
//      non-empty, proper subset of its 512-byte sectors (split at absolute multiples of
//      kSectorSize) reaches the disk; the file grows only to the end of the last sector applied.
//      With bit_rot, one random bit is flipped in each file that kept at least one byte of
//      unsynced data, somewhere inside those bytes (never in synced data).
//   3. Every File, MappedRegion and FileLock handed out before the call is dead: file operations
//      on old handles fail with kFailedState and never touch the new state; old maps stay readable
//      (their memory is kept alive) but show the pre-crash bytes. Locks are released. The new state
//      is entirely durable; new opens see it.
// Each crash draws from an RNG derived from (seed, crash index, file path or directory), so the
// same seed and the same sequence of calls give a byte-identical post-crash state. Injected
// faults are not touched by a crash (ClearFaults them before recovery if they should not fire).
//
// A failed File::Sync (injected EIO/ENOSPC) behaves like Linux after a writeback error
// ("fsyncgate"): the file's unsynced operations stay readable through the live file but are
// dropped from the durable path, so they never become durable, not even after a later Sync
// that returns OK; only a new write of the same bytes followed by a Sync makes them durable.
// A crash then loses them. A failed SyncDir leaves the directory's operations unsynced. The bytes
// of a short write that did land are unsynced, even through an O_DSYNC handle.
//
// ---- Error injection ----------------------------------------------------------------------------
//
// Every I/O call counts as one op in io_ops(): OpenFile, ReadAt, WriteAt, Sync, Truncate,
// Allocate, Map, Rename, RemoveFile, RemoveDir, RemoveAll, CreateDir, CreateDirs, ListDir,
// SyncDir, LockFile. Metadata queries (Exists, IsDirectory, FileSize, File::Size), clock reads and
// calls on dead (pre-crash) handles do not count. Calls refused for invalid arguments before they
// reach the "device" (write on a read-only handle, misaligned direct I/O) do not count either.
// Op numbers start at 1: the first I/O call is op 1.
//
// InjectFault(spec) fails the first op whose number is >= spec.at_op and that matches spec.filter
// and spec.path_contains; with spec.persistent every later matching op fails too. A failed op has
// no effect, except a kShortWrite write, which applies a prefix of the bytes (cut at a sector
// boundary when the write spans one) and returns kNoSpace. kEIO fails with kIOError; kENOSPC and
// kShortWrite fail with kNoSpace on ops that can need space and with kIOError on reads, maps and
// listings.
//
// ArmPowerLossAtOp(k): op k (or the next op, if k has passed) and every op after it fail with
// kIOError and have no effect, including metadata queries, until SimulatePowerLoss. A crash-point
// sweep runs its workload once per k.
//
// Threads: every method may be called from any thread; one mutex serialises all file system
// state (this is a test double: correctness over speed). Maps are read without the mutex, as real
// maps are. Handles, maps and locks share ownership of the state, so they may outlive the
// FaultEnv; a map keeps its bytes alive by itself.
//
// Ownership: the caller owns the FaultEnv and every handle it returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/env.h"

namespace rookery::platform {

// Disk sector size: the unit of atomicity of a torn write.
inline constexpr size_t kSectorSize = 512;

struct CrashOptions {
  // Keep a random prefix of each file's (and directory's) unsynced operations instead of a random
  // subset: a device that persists writes in issue order.
  bool strict_order = false;
  // Allow the last replayed unsynced write of a file to be torn at sector granularity.
  bool tear = true;
  // Flip one random bit inside the unsynced bytes kept in each file.
  bool bit_rot = false;
  // Drop every unsynced write, truncate and allocate: the harshest case (O_DSYNC writes survive).
  bool keep_no_unsynced = false;
  // Revert every directory to its last SyncDir (true) or keep a random subset/prefix of its
  // unsynced operations (false).
  bool drop_all_unsynced_dir_ops = true;
};

enum class FaultKind {
  kEIO,        // the op fails with kIOError and has no effect
  kENOSPC,     // the op fails with kNoSpace (kIOError for reads) and has no effect
  kShortWrite  // a write applies a prefix of its bytes and fails with kNoSpace; else like kENOSPC
};

// Which ops a fault applies to.
enum class OpFilter {
  kAny,
  kReads,      // ReadAt, Map
  kWrites,     // WriteAt
  kMutations,  // WriteAt, Truncate, Allocate
  kSyncs,      // File::Sync and SyncDir
  kFileSyncs,  // File::Sync
  kDirSyncs,   // SyncDir
  kOpens,      // OpenFile, LockFile
  kNamespace,  // OpenFile, Rename, RemoveFile, RemoveDir, RemoveAll, CreateDir(s), ListDir,
               // LockFile
};

struct FaultSpec {
  uint64_t at_op = 1;  // fire at the first matching op whose number is >= at_op
  FaultKind kind = FaultKind::kEIO;
  bool persistent = false;  // keep failing every later matching op
  OpFilter filter = OpFilter::kAny;
  std::string path_contains;  // if not empty, only ops on a path containing this (either path of
                              // a rename)
};

struct FaultState;  // private to fault_env*.cc

class FaultEnv final : public Env {
 public:
  explicit FaultEnv(uint64_t seed);
  ~FaultEnv() override;
  FaultEnv(const FaultEnv&) = delete;
  FaultEnv& operator=(const FaultEnv&) = delete;

  // ---- Env ----
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const FileOptions& options) override;
  Result<bool> Exists(const std::string& path) override;
  Result<bool> IsDirectory(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status RemoveAll(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;
  uint64_t NowMicros() override;
  uint64_t MonotonicNanos() override;
  void SleepMicros(uint64_t micros) override;
  // Deterministic from the seed (its own stream: calling it does not change crash outcomes).
  uint64_t RandomUint64() override;

  // ---- Power loss ----
  void SimulatePowerLoss(const CrashOptions& options = CrashOptions{});
  // Op k and every later op fail (see above) until SimulatePowerLoss. k = 0 disarms.
  void ArmPowerLossAtOp(uint64_t k);
  // True once an armed power loss has fired (and SimulatePowerLoss has not been called since).
  bool power_lost() const;
  // How many times SimulatePowerLoss has run.
  uint64_t power_loss_count() const;
  // Test setup helper, like sync(2) plus SyncDir of every directory: everything live becomes
  // durable, including writes a failed Sync had dropped. Not an op; cannot fail.
  void SyncAll();

  // ---- Error injection ----
  void InjectFault(FaultSpec spec);
  void ClearFaults();
  // How many injected faults have fired since construction.
  uint64_t faults_fired() const;
  // When false, OpenFile with direct_io fails with kNotSupported, as on a file system that
  // refuses O_DIRECT. Default true. Handles opened with direct_io check that offsets, lengths and
  // buffer addresses of ReadAt/WriteAt are multiples of kDirectIoAlignment (kInvalidArgument).
  void SetDirectIoSupported(bool supported);

  // ---- Introspection ----
  // The number of I/O ops so far (the number of the last op).
  uint64_t io_ops() const;
  // Bytes written to the live file at `path` that are not yet durable (0 if there is no such file).
  uint64_t unsynced_bytes(const std::string& path) const;
  // Unsynced creations, renames and removals recorded for directory `path`.
  size_t unsynced_dir_ops(const std::string& path) const;

  // ---- Clock ----
  // When enabled, NowMicros and MonotonicNanos return a manual clock that starts at
  // 2024-01-01T00:00:00Z (wall) and 1 s (monotonic) and moves only by AdvanceMicros and
  // SleepMicros (which then returns at once). Default: the real clock.
  void SetManualClock(bool enabled);
  void AdvanceMicros(uint64_t micros);

 private:
  std::shared_ptr<FaultState> state_;
};

}  // namespace rookery::platform
