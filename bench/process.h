// Child processes of the document benchmark: the servers it measures (`rookery serve`, PostgreSQL
// 15's initdb and postgres), started without a shell, with standard input and output on pipes when
// asked, standard error to a log file, optionally as another user (PostgreSQL refuses to run as
// root). A child dies with the benchmark (PR_SET_PDEATHSIG), and a ChildProcess still running
// when destroyed is killed, so no failure path leaves a server behind.
//
// Threads: one ChildProcess is used from one thread. ProcessCpuSeconds may be called anywhere.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace rookery::bench {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  std::string log_file;           // standard error (and stdout unless piped) appended here
  bool pipe_stdin = false;
  bool pipe_stdout = false;
  std::optional<uid_t> uid;  // run as this user (the benchmark must be root)...
  std::optional<gid_t> gid;  // ...and group, with that user's supplementary groups
};

class ChildProcess {
 public:
  static Result<ChildProcess> Spawn(const SpawnOptions& options);
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  Status WriteStdin(const std::string& text);
  // Next line of standard output (without the newline); Timeout if none within `timeout`,
  // IOError at end of output (the child closed it or exited).
  Result<std::string> ReadStdoutLine(std::chrono::milliseconds timeout);
  // Waits for the exit; the exit status (as waitpid's) or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int sig);
  // SIGKILL and reap.
  void Kill();

 private:
  void Reset();
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buffer_;
};

// Runs a program to completion (Spawn + Wait); fails with its log's tail if it exits non-zero.
Status RunToCompletion(const SpawnOptions& options, std::chrono::milliseconds timeout);

// CPU seconds (user + system) used so far by `pid`, its reaped children, and its live children
// (one level: PostgreSQL's backends and helpers). 0 if the process is gone.
double ProcessTreeCpuSeconds(pid_t pid);

// The last `max_bytes` of a text file (for error messages quoting a server's log).
std::string FileTail(const std::string& path, size_t max_bytes);

}  // namespace rookery::bench
