// Server: HTTP/1.1 over Boost.Beast/Asio, in front of one http::Handler.
//
// Threading: I/O runs on `io_threads` threads; every Handle() call is posted to
// a separate worker pool of `worker_threads` threads and its Response posted
// back, so crypto and database work never block an I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace csrd::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                  // 0 = pick a free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 8;
  size_t header_limit = 2 * 1024 * 1024 + 16 * 1024;  // 2 MiB + 16 KiB -> 431
  uint64_t body_limit = 12 * 1024 * 1024;             // 12 MiB -> 413
  int idle_timeout_s = 60;       // keep-alive connection with no request started
  int request_timeout_s = 30;    // time allowed to receive one whole request
  size_t max_connections = 10000;  // beyond: accept, answer 429, close
  size_t max_queued_requests = 4096;  // handler queue cap: beyond it, 429
};

class Server {
 public:
  // handler must outlive the server.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options, Handler* handler);
  virtual ~Server() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;

  // Runs until Stop(); blocks the calling thread.
  virtual void Run() = 0;

  // Thread-safe and async-signal-unsafe: call from a normal thread (e.g. an
  // asio signal_set handler). Stops accepting, lets in-flight requests finish
  // (up to grace_ms), closes idle connections, and makes Run() return.
  virtual void Stop(int grace_ms = 10000) = 0;
};

}  // namespace csrd::http
