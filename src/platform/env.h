// Env: the one door through which Rookery touches the file system and the clock.
//
// Every file open/read/write/fsync/rename/mmap/directory call and every clock read in Rookery goes
// through an Env passed in by the caller, never through a global (architecture.md, habit 1). This
// lets tests substitute MemEnv (everything in memory) or a fault-injecting Env that simulates power
// loss and I/O errors, without special builds.
//
// Durability contract (the same for every implementation):
//   * A File::WriteAt is durable once a later File::Sync on the same file returns OK, or when it
//     returns if the file was opened with FileOptions::data_sync.
//   * A file creation, rename or removal is durable once SyncDir on the directory that holds the
//     name returns OK.
//   * A failed Sync means the data's fate is unknown. Callers must not retry it into "success".
//
// Threads: an Env may be used from any number of threads at once. A File may be used from several
// threads as long as they do not write overlapping ranges concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace rookery::platform {

struct FileOptions {
  bool write = false;      // open for writing as well as reading
  bool create = false;     // create the file if it does not exist (implies write)
  bool exclusive = false;  // with create: fail with kAlreadyExists if the file exists
  bool truncate = false;   // with write: cut the file to zero length on open
  // O_DIRECT: writes bypass the page cache. Offsets, lengths and buffer addresses must be
  // multiples of kDirectIoAlignment. If the file system rejects it, OpenFile returns
  // kNotSupported and the caller chooses a fallback (and reports it).
  bool direct_io = false;
  // O_DSYNC: every WriteAt is durable when it returns.
  bool data_sync = false;
};

inline constexpr size_t kDirectIoAlignment = 4096;

// A read-only view of the first size() bytes of a file. Later writes to the file through
// File::WriteAt at offsets below size() are visible through the view. Reading past the end of the
// file through a view is undefined (SIGBUS on POSIX): map only what the file holds.
class MappedRegion {
 public:
  virtual ~MappedRegion() = default;
  virtual const char* data() const = 0;
  virtual size_t size() const = 0;
};

class File {
 public:
  virtual ~File() = default;

  virtual const std::string& path() const = 0;
  // Reads up to n bytes at offset into dst. Returns the count read, which is smaller than n only
  // at the end of the file.
  virtual Result<size_t> ReadAt(uint64_t offset, void* dst, size_t n) = 0;
  // Writes all n bytes at offset, or fails. A write that cannot complete (device full, I/O error)
  // fails with kNoSpace or kIOError; some of its bytes may have reached the file.
  virtual Status WriteAt(uint64_t offset, const void* src, size_t n) = 0;
  // fdatasync: makes earlier writes and the file's size durable.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  // Reserves space for [offset, offset + length) so later writes there do not fail for lack of
  // space; grows the file to at least offset + length (new bytes read as zero).
  virtual Status Allocate(uint64_t offset, uint64_t length) = 0;
  virtual Result<uint64_t> Size() = 0;
  // Maps the first `length` bytes read-only (see MappedRegion). The file must be at least
  // `length` bytes long.
  virtual Result<std::unique_ptr<MappedRegion>> Map(uint64_t length) = 0;
  // True when the file was opened with direct_io and the file system honoured it.
  virtual bool direct_io() const = 0;
};

// Held while a process owns a directory (an environment, the server's data directory).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 const FileOptions& options) = 0;
  virtual Result<bool> Exists(const std::string& path) = 0;
  virtual Result<bool> IsDirectory(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Creates one directory; OK if it exists already. The parent must exist.
  virtual Status CreateDir(const std::string& path) = 0;
  // Creates a directory and any missing parents; OK if it exists already.
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // Removes a file or a directory with everything below it; OK if it does not exist.
  virtual Status RemoveAll(const std::string& path) = 0;
  // Atomically gives `from` the name `to`, replacing a file named `to`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes creations, renames and removals of names in directory `path` durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // The names (not paths) in a directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing) for this process; kBusy if another
  // holder has it. Released when the returned object is destroyed.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Wall clock: microseconds since the Unix epoch (UTC).
  virtual uint64_t NowMicros() = 0;
  // Monotonic clock for durations and timeouts.
  virtual uint64_t MonotonicNanos() = 0;
  virtual void SleepMicros(uint64_t micros) = 0;
  // A random 64-bit value for seeds and identifiers (not for cryptography).
  virtual uint64_t RandomUint64() = 0;
};

// An Env that forwards every call to another one: derive from it to change a few calls (count,
// fail or delay some I/O in tests) and inherit the rest. Does not own `base`.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& base) : base_(base) {}

  Result<std::unique_ptr<File>> OpenFile(const std::string& p, const FileOptions& o) override {
    return base_.OpenFile(p, o);
  }
  Result<bool> Exists(const std::string& p) override { return base_.Exists(p); }
  Result<bool> IsDirectory(const std::string& p) override { return base_.IsDirectory(p); }
  Result<uint64_t> FileSize(const std::string& p) override { return base_.FileSize(p); }
  Status CreateDir(const std::string& p) override { return base_.CreateDir(p); }
  Status CreateDirs(const std::string& p) override { return base_.CreateDirs(p); }
  Status RemoveFile(const std::string& p) override { return base_.RemoveFile(p); }
  Status RemoveDir(const std::string& p) override { return base_.RemoveDir(p); }
  Status RemoveAll(const std::string& p) override { return base_.RemoveAll(p); }
  Status Rename(const std::string& f, const std::string& t) override { return base_.Rename(f, t); }
  Status SyncDir(const std::string& p) override { return base_.SyncDir(p); }
  Result<std::vector<std::string>> ListDir(const std::string& p) override {
    return base_.ListDir(p);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
    return base_.LockFile(p);
  }
  uint64_t NowMicros() override { return base_.NowMicros(); }
  uint64_t MonotonicNanos() override { return base_.MonotonicNanos(); }
  void SleepMicros(uint64_t m) override { base_.SleepMicros(m); }
  uint64_t RandomUint64() override { return base_.RandomUint64(); }

 protected:
  Env& base_;
};

// The real file system and clock.
std::unique_ptr<Env> NewPosixEnv();
// Files and directories in process memory; the clock is the real one. Sync is a no-op: nothing
// outlives the Env object. Files may grow to kMemFileMaxSize each.
std::unique_ptr<Env> NewMemEnv();
inline constexpr uint64_t kMemFileMaxSize = uint64_t{16} << 30;

// Collapses repeated '/', drops a trailing '/' and leading "./" ("a//b/" -> "a/b", "" -> ".").
// Used by the in-memory Envs, whose paths are map keys.
std::string NormalizePath(std::string_view path);
// Joins path pieces with exactly one '/' between them.
std::string JoinPath(std::string_view a, std::string_view b);
// The directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string DirName(std::string_view path);
// The last component ("a/b/c" -> "c").
std::string BaseName(std::string_view path);

// Reads a whole file into a string, through env.
Result<std::string> ReadFileToString(Env& env, const std::string& path);
// Creates or replaces a small file durably: writes a temporary sibling, syncs it, renames it
// over `path` and syncs the directory.
Status WriteFileAtomically(Env& env, const std::string& path, std::string_view contents);

}  // namespace rookery::platform
