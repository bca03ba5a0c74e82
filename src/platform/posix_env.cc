// PosixEnv: Env over the Linux system calls.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "platform/env.h"

namespace rookery::platform {
namespace {

std::string Describe(std::string_view op, const std::string& path) {
  std::string out(op);
  out += ' ';
  out += path;
  return out;
}

class PosixMappedRegion final : public MappedRegion {
 public:
  PosixMappedRegion(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~PosixMappedRegion() override {
    if (addr_ != nullptr) munmap(addr_, size_);
  }
  const char* data() const override { return static_cast<const char*>(addr_); }
  size_t size() const override { return size_; }

 private:
  void* addr_;
  size_t size_;
};

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, bool direct)
      : path_(std::move(path)), fd_(fd), direct_(direct) {}
  ~PosixFile() override { ::close(fd_); }

  const std::string& path() const override { return path_; }
  bool direct_io() const override { return direct_; }

  Result<size_t> ReadAt(uint64_t offset, void* dst, size_t n) override {
    size_t done = 0;
    auto* out = static_cast<char*>(dst);
    while (done < n) {
      ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, Describe("read", path_));
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    size_t done = 0;
    const auto* in = static_cast<const char*>(src);
    while (done < n) {
      ssize_t w = ::pwrite(fd_, in + done, n - done, static_cast<off_t>(offset + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, Describe("write", path_));
      }
      if (w == 0) return Status::NoSpace(Describe("write made no progress on", path_));
      done += static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Status::FromErrno(errno, Describe("fdatasync", path_));
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return Status::FromErrno(errno, Describe("truncate", path_));
    }
    return Status::Ok();
  }

  Status Allocate(uint64_t offset, uint64_t length) override {
    int err = ::posix_fallocate(fd_, static_cast<off_t>(offset), static_cast<off_t>(length));
    if (err != 0) return Status::FromErrno(err, Describe("fallocate", path_));
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, Describe("stat", path_));
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::unique_ptr<MappedRegion>> Map(uint64_t length) override {
    if (length == 0) return std::unique_ptr<MappedRegion>(new PosixMappedRegion(nullptr, 0));
    ROOKERY_ASSIGN_OR_RETURN(uint64_t size, Size());
    if (length > size) return Status::InvalidArgument("cannot map beyond the end of " + path_);
    void* addr = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_, 0);
    if (addr == MAP_FAILED) return Status::FromErrno(errno, Describe("mmap", path_));
    return std::unique_ptr<MappedRegion>(new PosixMappedRegion(addr, length));
  }

 private:
  std::string path_;
  int fd_;
  bool direct_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const FileOptions& options) override {
    int flags = O_CLOEXEC;
    const bool write = options.write || options.create;
    flags |= write ? O_RDWR : O_RDONLY;
    if (options.create) flags |= O_CREAT;
    if (options.create && options.exclusive) flags |= O_EXCL;
    if (write && options.truncate) flags |= O_TRUNC;
    if (options.data_sync) flags |= O_DSYNC;
    if (options.direct_io) flags |= O_DIRECT;
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      if (options.direct_io && errno == EINVAL) {
        return Status::NotSupported("the file system refuses O_DIRECT for " + path);
      }
      return Status::FromErrno(errno, Describe("open", path));
    }
    return std::unique_ptr<File>(new PosixFile(path, fd, options.direct_io));
  }

  Result<bool> Exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return Status::FromErrno(errno, Describe("stat", path));
  }

  Result<bool> IsDirectory(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return Status::FromErrno(errno, Describe("stat", path));
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, Describe("stat", path));
    return static_cast<uint64_t>(st.st_size);
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) == 0) return Status::Ok();
    if (errno == EEXIST) {
      ROOKERY_ASSIGN_OR_RETURN(bool dir, IsDirectory(path));
      if (dir) return Status::Ok();
      return Status::AlreadyExists(path + " exists and is not a directory");
    }
    return Status::FromErrno(errno, Describe("mkdir", path));
  }

  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::InvalidArgument("empty directory path");
    ROOKERY_ASSIGN_OR_RETURN(bool dir, IsDirectory(path));
    if (dir) return Status::Ok();
    const std::string parent = DirName(path);
    if (parent != path && parent != "." && parent != "/") {
      ROOKERY_RETURN_IF_ERROR(CreateDirs(parent));
    }
    return CreateDir(path);
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno(errno, Describe("unlink", path));
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Status::FromErrno(errno, Describe("rmdir", path));
    return Status::Ok();
  }

  Status RemoveAll(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Status::FromErrno(errno, Describe("stat", path));
    }
    if (!S_ISDIR(st.st_mode)) return RemoveFile(path);
    ROOKERY_ASSIGN_OR_RETURN(auto names, ListDir(path));
    for (const auto& name : names) ROOKERY_RETURN_IF_ERROR(RemoveAll(JoinPath(path, name)));
    return RemoveDir(path);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return Status::FromErrno(errno, Describe("rename", from + " to " + to));
    }
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, Describe("open directory", path));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::FromErrno(err, Describe("fsync directory", path));
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Status::FromErrno(errno, Describe("list", path));
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string_view name(entry->d_name);
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return Status::FromErrno(err, Describe("list", path));
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno(errno, Describe("open lock", path));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return Status::Busy(path + " is locked by another process");
      return Status::FromErrno(err, Describe("lock", path));
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  uint64_t NowMicros() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  }

  uint64_t MonotonicNanos() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000 + static_cast<uint64_t>(ts.tv_nsec);
  }

  void SleepMicros(uint64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

  uint64_t RandomUint64() override {
    std::lock_guard<std::mutex> lock(rng_mu_);
    return rng_();
  }

 private:
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<Env> NewPosixEnv() {
  return std::make_unique<PosixEnv>();
}

}  // namespace rookery::platform
