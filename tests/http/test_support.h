// Shared by the http tests: a recording fake Handler, a running server and a
// blocking loopback client.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/message.h"
#include "http/server.h"

namespace csrd::http::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using WireReply = bhttp::response<bhttp::string_body>;

// Routes: /missing -> Preflight 404; /nocontent -> 204; /sleep -> 300 ms;
// /throw -> throws; anything else echoes the request as text.
class FakeHandler : public Handler {
 public:
  std::optional<Response> Preflight(const Request& head) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      preflight_threads_.insert(std::this_thread::get_id());
    }
    ++preflight_calls;
    if (head.path == "/missing") {
      Response r;
      r.status = 404;
      r.body = R"({"error_code":"APIGW.0101"})";
      return r;
    }
    return std::nullopt;
  }

  Response Handle(Request& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      handle_threads_.insert(std::this_thread::get_id());
      request_ids_.push_back(request.request_id);
      last_ = request;
    }
    ++handle_calls;
    if (request.path == "/sleep") {
      {
        std::lock_guard<std::mutex> lock(mu_);
        sleeping_ = true;
      }
      cv_.notify_all();
      // 300 ms, or "ms=N" in the query.
      int ms = 300;
      if (request.query.rfind("ms=", 0) == 0) ms = std::stoi(request.query.substr(3));
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    if (request.path == "/throw") throw std::runtime_error("boom");
    Response r;
    if (request.path == "/nocontent") {
      r.status = 204;
      r.body = "must not be sent";
      return r;
    }
    r.SetHeader("Content-Type", "text/plain");
    r.body = request.method + " " + request.path + " " + request.query + " " +
             std::to_string(request.body.size()) + " " + request.request_id + "\n";
    if (request.body.size() <= 64) r.body += "body=" + request.body + "\n";
    r.sensitive = request.path == "/secret";
    for (const auto& [n, v] : request.headers.fields()) {
      if (v.size() <= 100) r.body += n + ": " + v + "\n";
    }
    return r;
  }

  Response Reject(Rejection why, std::string_view target, std::string_view request_id) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      rejects_.emplace_back(why, std::string(target));
    }
    Response r;
    switch (why) {
      case Rejection::kHeadTooLarge: r.status = 431; break;
      case Rejection::kBodyTooLarge: r.status = 413; break;
      case Rejection::kBadRequest: r.status = 400; break;
      case Rejection::kOverloaded: r.status = 429; break;
    }
    r.body = R"({"rejected":true,"request_id":")" + std::string(request_id) + "\"}";
    return r;
  }

  bool WaitSleeping(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return sleeping_; });
  }
  std::set<std::thread::id> handle_threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return handle_threads_;
  }
  std::set<std::thread::id> preflight_threads() {
    std::lock_guard<std::mutex> lock(mu_);
    return preflight_threads_;
  }
  std::vector<std::string> request_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_ids_;
  }
  Request last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  std::vector<std::pair<Rejection, std::string>> rejects() {
    std::lock_guard<std::mutex> lock(mu_);
    return rejects_;
  }

  std::atomic<int> preflight_calls{0};
  std::atomic<int> handle_calls{0};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool sleeping_ = false;
  std::set<std::thread::id> handle_threads_;
  std::set<std::thread::id> preflight_threads_;
  std::vector<std::string> request_ids_;
  std::vector<std::pair<Rejection, std::string>> rejects_;
  Request last_;
};

// A server running on its own thread (that thread is the I/O thread).
class RunningServer {
 public:
  explicit RunningServer(ServerOptions options, Handler* handler) {
    options.host = "127.0.0.1";
    options.port = 0;
    auto created = Server::Create(options, handler);
    if (!created.ok()) throw std::runtime_error(created.status().ToString());
    server_ = std::move(created).value();
    std::promise<std::thread::id> id;
    auto started = id.get_future();
    thread_ = std::thread([this, &id] {
      id.set_value(std::this_thread::get_id());
      server_->Run();
      returned_ = true;
    });
    io_thread_ = started.get();
  }
  ~RunningServer() { StopAndJoin(0); }

  // Returns how long Run() took to return after Stop().
  std::chrono::milliseconds StopAndJoin(int grace_ms) {
    if (!thread_.joinable()) return std::chrono::milliseconds(0);
    auto t0 = std::chrono::steady_clock::now();
    server_->Stop(grace_ms);
    thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0);
  }

  Server& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  std::thread::id io_thread() const { return io_thread_; }
  bool returned() const { return returned_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::thread::id io_thread_;
  std::atomic<bool> returned_{false};
};

// Blocking loopback client; every read gives up after read_timeout. (Asio's
// synchronous reads ignore SO_RCVTIMEO, so each call runs an async operation
// on a private io_context for a bounded time.)
class Client {
 public:
  explicit Client(uint16_t port, std::chrono::milliseconds read_timeout = std::chrono::seconds(5))
      : socket_(ioc_), read_timeout_(read_timeout) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void SetReadTimeout(std::chrono::milliseconds t) { read_timeout_ = t; }

  // False if the peer has closed or reset (or 10 s pass).
  bool Send(std::string_view bytes) {
    auto ec = Bounded(std::chrono::seconds(10), [&](auto done) {
      asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), done);
    });
    return !ec;
  }

  // One response; nullopt on EOF, reset, timeout or a parse error.
  std::optional<WireReply> Read(bool head_request = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(64 * 1024);
    if (head_request) parser.skip(true);
    auto ec = Bounded(read_timeout_,
                      [&](auto done) { bhttp::async_read(socket_, buffer_, parser, done); });
    if (ec) return std::nullopt;
    return parser.release();
  }

  std::optional<WireReply> RoundTrip(std::string_view request) {
    if (!Send(request)) return std::nullopt;
    return Read();
  }

  // True when the peer closed (EOF or reset) before the read timeout, with
  // no further bytes.
  bool PeerClosed() {
    if (buffer_.size() > 0) return false;
    char c;
    size_t got = 0;
    auto ec = Bounded(read_timeout_, [&](auto done) {
      socket_.async_read_some(asio::buffer(&c, 1),
                              [&got, done](const boost::system::error_code& e, size_t n) mutable {
                                got = n;
                                done(e, n);
                              });
    });
    if (got > 0) return false;
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }

 private:
  // Starts op(done) and runs it for at most `limit`; a timed-out operation
  // is cancelled and reported as timed_out.
  template <class Op>
  boost::system::error_code Bounded(std::chrono::milliseconds limit, Op op) {
    boost::system::error_code result = asio::error::timed_out;
    bool finished = false;
    ioc_.restart();
    op([&](const boost::system::error_code& ec, size_t) {
      result = ec;
      finished = true;
    });
    ioc_.run_for(limit);
    if (!finished) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
      result = asio::error::timed_out;
    }
    return result;
  }

  asio::io_context ioc_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds read_timeout_;
};

inline std::string Get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

inline std::string Post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: t\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

inline std::string Header(const WireReply& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

}  // namespace csrd::http::testing
