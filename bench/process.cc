#include "bench/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace rookery::bench {
namespace {

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// In the child between fork and exec: only async-signal-safe calls. Reports a failing step's
// errno on `error_fd` (close-on-exec, so a successful exec closes it with nothing written).
[[noreturn]] void ExecChild(const SpawnOptions& o, char* const* argv, int in_fd, int out_fd,
                            int log_fd, int error_fd, pid_t parent) {
  auto fail = [error_fd](int step) {
    int report[2] = {step, errno};
    ssize_t ignored = ::write(error_fd, report, sizeof(report));
    (void)ignored;
    ::_exit(127);
  };
  const int stdin_source = in_fd >= 0 ? in_fd : ::open("/dev/null", O_RDONLY);
  if (stdin_source < 0 || ::dup2(stdin_source, 0) < 0) fail(1);
  if (::dup2(out_fd >= 0 ? out_fd : log_fd, 1) < 0) fail(2);
  if (::dup2(log_fd, 2) < 0) fail(2);
  if (o.gid) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(*o.gid) != 0) fail(3);
  }
  if (o.uid && ::setuid(*o.uid) != 0) fail(4);
  // After setuid: a credential change clears the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(5);
  if (::getppid() != parent) ::_exit(126);  // the benchmark already died
  ::execv(argv[0], argv);
  fail(6);
  ::_exit(127);  // not reached: fail() exits
}

constexpr const char* kSteps[] = {
    "?", "redirect stdin", "redirect output", "setgid", "setuid", "prctl", "exec"};

}  // namespace

Result<ChildProcess> ChildProcess::Spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return Status::InvalidArgument("Spawn: empty argv");
  std::vector<char*> argv;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int log_fd = ::open(o.log_file.empty() ? "/dev/null" : o.log_file.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::FromErrno(errno, "open " + o.log_file);
  if (o.uid && !o.log_file.empty() && ::fchown(log_fd, *o.uid, o.gid.value_or(-1)) != 0) {
    ::close(log_fd);
    return Status::FromErrno(errno, "chown " + o.log_file);
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &log_fd}) CloseFd(fd);
  };
  if ((o.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) ||
      (o.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) || ::pipe2(err, O_CLOEXEC) != 0) {
    Status s = Status::FromErrno(errno, "pipe2");
    close_all();
    return s;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    Status s = Status::FromErrno(errno, "fork");
    close_all();
    return s;
  }
  if (pid == 0) ExecChild(o, argv.data(), in[0], out[1], log_fd, err[1], parent);

  CloseFd(&in[0]);
  CloseFd(&out[1]);
  CloseFd(&err[1]);
  CloseFd(&log_fd);
  int report[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(err[0], report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  CloseFd(&err[0]);
  ChildProcess child;
  child.pid_ = pid;
  child.stdin_fd_ = in[1];
  child.stdout_fd_ = out[0];
  if (n == static_cast<ssize_t>(sizeof(report))) {
    child.Wait(std::chrono::seconds(5));
    const int step = report[0] >= 1 && report[0] <= 6 ? report[0] : 0;
    return Status::FromErrno(report[1], std::string("starting ") + o.argv[0] + ": " + kSteps[step]);
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept {
  *this = std::move(other);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = other.pid_;
    stdin_fd_ = other.stdin_fd_;
    stdout_fd_ = other.stdout_fd_;
    stdout_buffer_ = std::move(other.stdout_buffer_);
    other.pid_ = -1;
    other.stdin_fd_ = other.stdout_fd_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  Kill();
}

void ChildProcess::Reset() {
  pid_ = -1;
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
}

Status ChildProcess::WriteStdin(const std::string& text) {
  if (stdin_fd_ < 0) return Status::FailedState("standard input is not a pipe");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "write to the child's standard input");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::string> ChildProcess::ReadStdoutLine(std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) return Status::FailedState("standard output is not a pipe");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const size_t nl = stdout_buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, nl);
      stdout_buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::Timeout("no output line from the child in time");
    pollfd p{stdout_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno(errno, "poll");
    if (r == 0) continue;
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError("the child closed its standard output (exited?)");
    stdout_buffer_.append(buf, static_cast<size_t>(n));
  }
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      Reset();
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Reset();
}

Status RunToCompletion(const SpawnOptions& options, std::chrono::milliseconds timeout) {
  ROOKERY_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::Spawn(options));
  std::optional<int> status = child.Wait(timeout);
  if (!status) {
    child.Kill();
    return Status::Timeout(options.argv[0] + " did not finish in time; log " + options.log_file +
                           ":\n" + FileTail(options.log_file, 2000));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Status::IOError(options.argv[0] + " failed (wait status " + std::to_string(*status) +
                           "); log " + options.log_file + ":\n" + FileTail(options.log_file, 2000));
  }
  return Status::Ok();
}

namespace {

// Fields of /proc/<pid>/stat after the command name: state is field 3; ppid 4; utime 14,
// stime 15, cutime 16, cstime 17 (proc(5)).
bool ReadStat(pid_t pid, pid_t* ppid, double ticks[4]) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (fields >> field && f.size() < 15) f.push_back(field);
  if (f.size() < 15) return false;
  *ppid = static_cast<pid_t>(std::atol(f[1].c_str()));
  for (int i = 0; i < 4; ++i) ticks[i] = std::atof(f[11 + i].c_str());
  return true;
}

}  // namespace

double ProcessTreeCpuSeconds(pid_t pid) {
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  pid_t ppid = 0;
  double t[4];
  if (!ReadStat(pid, &ppid, t)) return 0;
  double ticks = t[0] + t[1] + t[2] + t[3];
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* e = ::readdir(proc)) {
      char* end = nullptr;
      const long child = std::strtol(e->d_name, &end, 10);
      if (end == e->d_name || *end != '\0' || child == pid) continue;
      if (ReadStat(static_cast<pid_t>(child), &ppid, t) && ppid == pid) ticks += t[0] + t[1];
    }
    ::closedir(proc);
  }
  return ticks / hz;
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace rookery::bench
