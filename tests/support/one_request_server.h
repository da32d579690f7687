// A one-request HTTP server on 127.0.0.1 for tests that check what billpipe posts (the failure
// webhook): it accepts one connection, reads one request (headers and a Content-Length body), answers
// `status` with body "ok" — or never answers, when `answer` is false — and keeps the request text.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>

namespace billpipe::testing {

class OneRequestServer {
 public:
  explicit OneRequestServer(int status, bool answer = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 1);
    thread_ = std::thread([this, status, answer] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t body_at = std::string::npos, length = 0;
      while (body_at == std::string::npos || req.size() < body_at + length) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        if (body_at == std::string::npos && (body_at = req.find("\r\n\r\n")) != std::string::npos) {
          body_at += 4;
          auto cl = req.find("Content-Length: ");
          if (cl != std::string::npos) length = std::stoul(req.substr(cl + 16));
        }
      }
      {
        std::lock_guard lock(mu_);
        request_ = req;
      }
      if (answer) {
        std::string res = fmt::format("HTTP/1.1 {} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
        (void)!::write(c, res.data(), res.size());
      } else {
        char b;
        while (::read(c, &b, 1) > 0) {  // until the client gives up
        }
      }
      ::close(c);
    });
  }
  ~OneRequestServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string request() {
    std::lock_guard lock(mu_);
    return request_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string request_;
};


}  // namespace billpipe::testing
