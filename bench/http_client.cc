#include "bench/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rookery::bench {
namespace {

bool StartsWithIgnoreCase(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<HttpConnection> HttpConnection::Connect(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("not an IPv4 address: " + host);
  }
  HttpConnection c;
  c.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd_ < 0) return Status::FromErrno(errno, "socket");
  int one = 1;
  ::setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::FromErrno(errno, "connect to " + host + ":" + std::to_string(port));
  }
  c.host_header_ = host + ":" + std::to_string(port);
  return c;
}

HttpConnection::HttpConnection(HttpConnection&& other) noexcept {
  *this = std::move(other);
}

HttpConnection& HttpConnection::operator=(HttpConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    host_header_ = std::move(other.host_header_);
    in_ = std::move(other.in_);
  }
  return *this;
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Status HttpConnection::Request(std::string_view method, std::string_view target,
                               std::string_view body, HttpReply* reply) {
  if (fd_ < 0) return Status::FailedState("HTTP connection is closed");
  request_.clear();
  request_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  request_.append(host_header_).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    request_.append("Content-Type: application/json; charset=utf-8\r\nContent-Length: ");
    request_.append(std::to_string(body.size())).append("\r\n");
  }
  request_.append("\r\n");
  // Headers and a large body in one writev-like pass: append small bodies, send big ones after.
  const bool inline_body = body.size() <= 4096;
  if (inline_body) request_.append(body);
  for (std::string_view part :
       {std::string_view(request_), inline_body ? std::string_view() : body}) {
    while (!part.empty()) {
      ssize_t n = ::send(fd_, part.data(), part.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "HTTP send");
      part.remove_prefix(static_cast<size_t>(n));
    }
  }
  return ReadResponse(reply);
}

Status HttpConnection::ReadResponse(HttpReply* reply) {
  auto fill = [this]() -> Status {
    char buf[65536];
    while (true) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "HTTP recv");
      if (n == 0) return Status::IOError("the server closed the connection");
      in_.append(buf, static_cast<size_t>(n));
      return Status::Ok();
    }
  };
  size_t header_end;
  while ((header_end = in_.find("\r\n\r\n")) == std::string::npos) ROOKERY_RETURN_IF_ERROR(fill());
  std::string_view head(in_.data(), header_end);
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") {
    return Status::Corruption("malformed HTTP status line");
  }
  reply->status = std::atoi(std::string(head.substr(9, 3)).c_str());
  size_t length = 0;
  bool has_length = false;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos < head.size()) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (StartsWithIgnoreCase(line, "content-length:")) {
      length = std::strtoull(std::string(line.substr(15)).c_str(), nullptr, 10);
      has_length = true;
    } else if (StartsWithIgnoreCase(line, "transfer-encoding:")) {
      return Status::NotSupported("chunked HTTP responses are not supported by the bench client");
    }
    pos = next;
  }
  if (!has_length && reply->status != 204 && reply->status != 304) {
    return Status::NotSupported("HTTP response without Content-Length");
  }
  const size_t body_start = header_end + 4;
  while (in_.size() < body_start + length) ROOKERY_RETURN_IF_ERROR(fill());
  reply->body.assign(in_, body_start, length);
  in_.erase(0, body_start + length);
  return Status::Ok();
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace rookery::bench
