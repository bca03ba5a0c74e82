// Helpers for tests that run the real `rookery` binary: spawn it with pipes, wait for its
// "Server available on: <url>" line, talk HTTP/1.1 over loopback, stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace rookery::testing {

class ServerProcess {
 public:
  // Starts `binary args...` in `cwd` with extra environment entries ("NAME=value").
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::string& cwd, const std::vector<std::string>& env = {});
  ~ServerProcess();  // kills the process if it is still running

  // Reads stdout until the banner appears; returns the URL or "" if the process exited/timed out.
  std::string WaitForUrl(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void WriteStdin(const std::string& text);
  void Signal(int sig);
  // Waits for exit; returns the exit status, or -1 on timeout, or 128+signal if killed.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Everything the process wrote to stderr so far (read after Wait()).
  std::string Stderr();
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string stdout_buf_, stderr_buf_;
  int port_ = 0;
  int exit_status_ = -1;
};

struct HttpReply {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
};

// One connection that can send several requests (keep-alive).
class HttpConnection {
 public:
  explicit HttpConnection(int port);
  ~HttpConnection();
  bool connected() const { return fd_ >= 0; }
  HttpReply Request(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& extra_headers = "");
  // True once the server has closed this connection.
  bool ClosedByPeer();

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string buf_;
};

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace rookery::testing
