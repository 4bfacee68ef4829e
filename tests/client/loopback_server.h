// For the client tests: csrd's own HTTP server on a loopback port, answering
// with a test-supplied function and remembering the last request as received.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "client/endpoint.h"
#include "http/message.h"
#include "http/server.h"

namespace csrd::client::testing {

class LoopbackServer : public http::Handler {
 public:
  using Answer = std::function<http::Response(const http::Request&)>;

  explicit LoopbackServer(Answer answer) : answer_(std::move(answer)) {
    http::ServerOptions opts;
    opts.port = 0;
    opts.worker_threads = 2;
    auto server = http::Server::Create(opts, this);
    if (!server.ok()) throw std::runtime_error(server.status().ToString());
    server_ = std::move(server).value();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~LoopbackServer() override {
    server_->Stop(1000);
    thread_.join();
  }

  uint16_t port() const { return server_->port(); }
  Endpoint endpoint() const {
    Endpoint ep;
    ep.tls = false;
    ep.host = "127.0.0.1";
    ep.port = port();
    ep.authority = "127.0.0.1:" + std::to_string(port());
    return ep;
  }
  // The last request handled (a copy).
  std::optional<http::Request> last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

  std::optional<http::Response> Preflight(const http::Request&) override { return std::nullopt; }
  http::Response Handle(http::Request& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = request;
    }
    return answer_(request);
  }
  http::Response Reject(http::Rejection, std::string_view, std::string_view) override {
    http::Response r;
    r.status = 400;
    return r;
  }

 private:
  Answer answer_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::optional<http::Request> last_;
};

// A port with nobody listening (bound, then closed).
inline uint16_t ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A socket that listens but never accepts or answers: connects succeed (the
// kernel's backlog), reads time out.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

inline Endpoint LocalEndpoint(uint16_t port, bool tls = false) {
  Endpoint ep;
  ep.tls = tls;
  ep.host = "127.0.0.1";
  ep.port = port;
  ep.authority = "127.0.0.1:" + std::to_string(port);
  return ep;
}

}  // namespace csrd::client::testing
