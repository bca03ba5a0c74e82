#include "test_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace rookery::testing {
namespace {

using Clock = std::chrono::steady_clock;

void ReadAvailable(int fd, std::string* out) {
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return;
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::string& cwd, const std::vector<std::string>& env) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  ::fcntl(stdout_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && exit_status_ < 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

std::string ServerProcess::WaitForUrl(std::chrono::milliseconds timeout) {
  const std::string banner = "Server available on: ";
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    ReadAvailable(stdout_fd_, &stdout_buf_);
    ReadAvailable(stderr_fd_, &stderr_buf_);
    auto pos = stdout_buf_.find(banner);
    if (pos != std::string::npos) {
      auto eol = stdout_buf_.find('\n', pos);
      if (eol != std::string::npos) {
        std::string url = stdout_buf_.substr(pos + banner.size(), eol - pos - banner.size());
        port_ = std::atoi(url.substr(url.rfind(':') + 1).c_str());
        return url;
      }
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      ReadAvailable(stderr_fd_, &stderr_buf_);
      return "";
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    ::poll(&p, 1, 20);
  }
  return "";
}

void ServerProcess::WriteStdin(const std::string& text) {
  if (::write(stdin_fd_, text.data(), text.size()) < 0) return;
}

void ServerProcess::Signal(int sig) {
  if (pid_ > 0 && exit_status_ < 0) ::kill(pid_, sig);
}

int ServerProcess::Wait(std::chrono::milliseconds timeout) {
  if (exit_status_ >= 0) return exit_status_;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    ReadAvailable(stdout_fd_, &stdout_buf_);
    ReadAvailable(stderr_fd_, &stderr_buf_);
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      ReadAvailable(stderr_fd_, &stderr_buf_);
      return exit_status_;
    }
    ::usleep(10000);
  }
  return -1;
}

std::string ServerProcess::Stderr() {
  ReadAvailable(stderr_fd_, &stderr_buf_);
  return stderr_buf_;
}

HttpConnection::HttpConnection(int port) : port_(port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{30, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

HttpReply HttpConnection::Request(const std::string& method, const std::string& target,
                                  const std::string& body, const std::string& extra_headers) {
  HttpReply reply;
  if (fd_ < 0) return reply;
  std::string req = method + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n" +
                    extra_headers;
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before the body is sent
    sent += static_cast<size_t>(n);
  }
  // Read the header block, then Content-Length bytes of body.
  size_t header_end;
  char chunk[65536];
  while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return reply;
    buf_.append(chunk, static_cast<size_t>(n));
  }
  reply.headers = buf_.substr(0, header_end);
  reply.status = std::atoi(reply.headers.c_str() + reply.headers.find(' ') + 1);
  size_t length = 0;
  std::string lower = reply.headers;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto cl = lower.find("content-length:");
  if (cl != std::string::npos) length = std::strtoull(lower.c_str() + cl + 15, nullptr, 10);
  if (method == "HEAD") length = 0;
  buf_.erase(0, header_end + 4);
  while (buf_.size() < length) {
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    buf_.append(chunk, static_cast<size_t>(n));
  }
  reply.body = buf_.substr(0, length);
  buf_.erase(0, std::min(length, buf_.size()));
  return reply;
}

bool HttpConnection::ClosedByPeer() {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/rookery-it-XXXXXX";
  if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace rookery::testing
