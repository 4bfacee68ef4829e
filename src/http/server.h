// Server: HTTP/1.1 over Boost.Beast/Asio, in front of one http::Handler.
//
// Threading: I/O runs on `io_threads` threads; every Preflight()/Handle() call
// is posted to a separate worker pool of `worker_threads` threads and its
// Response posted back, so crypto and database work never block an I/O thread.
// Handler::Reject() is the exception: it runs on an I/O thread (it answers
// overload, among others, when the workers are busy) and must be cheap and
// non-blocking.
//
// TLS (options.tls set): every connection first completes a TLS handshake
// (asynchronously, on the I/O thread) within handshake_timeout_s, else it is
// closed without an answer; the TLS policy is TlsContext's. A connection that
// ends is closed with a TLS close_notify, waiting for the client's up to one
// second (requests still arriving are discarded meanwhile).
//
// Per request, in order:
//   1. The head is read (request-line + fields). Over header_limit bytes in
//      all: Reject(kHeadTooLarge) -> 431, close. Unparsable (bare CR or LF
//      line ends, NUL or other control bytes, obs-fold continuation lines), or
//      an ambiguous framing or routing (Content-Length with Transfer-Encoding,
//      a Transfer-Encoding other than exactly "chunked" or on HTTP/1.0, a
//      repeated or non-numeric Content-Length, a repeated Host):
//      Reject(kBadRequest) -> 400, close.
//   2. Preflight(head) on a worker. A Response answers at once; if a body was
//      announced it is never read and the connection closes afterwards.
//   3. Content-Length over body_limit: Reject(kBodyTooLarge) -> 413 without
//      reading the body, close. A chunked body growing past body_limit: the
//      same once it does. "Expect: 100-continue" is answered here.
//   4. Handle(request) on a worker; its Response is written.
// The target passed to Reject() is the raw request-target when the
// request-line was parsed, else "".
//
// Every response carries X-Request-Id (the request's request_id: 32 hex,
// fresh per request), Date and Content-Length (except 1xx/204/304, which carry
// no body), and Content-Type application/json;charset=UTF-8 when the body is
// non-empty and the handler set none. A response to HEAD announces its length
// but sends no body bytes. A handler that throws yields
//   500 {"error_code":"SCM.0500","error_msg":"Internal error","request_id":"<id>"}
// and the server keeps serving. The server never logs or prints.
//
// Keep-alive follows HTTP/1.1 (HTTP/1.0 only with "Connection: keep-alive");
// a handler header "Connection: close" closes after the response. Pipelined
// requests are answered in order. When the server closes a connection while
// the client may still be sending (an unread body, a refused head), it shuts
// down its sending side and drains input for up to one second first, so that
// the client can read the last response instead of getting a reset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace csrd::http {

class TlsContext;  // http/tls.h

struct ServerOptions {
  std::string host = "127.0.0.1";        // IP literal or a resolvable name
  uint16_t port = 8080;                  // 0 = pick a free port (see Server::port())
  int io_threads = 1;
  int worker_threads = 8;
  size_t header_limit = 2 * 1024 * 1024 + 16 * 1024;  // whole head, bytes: beyond -> 431
  uint64_t body_limit = 12 * 1024 * 1024;             // body bytes: beyond -> 413
  // Seconds a connection may stay open with no request started. Also the
  // time a new connection has to send its first byte.
  int idle_timeout_s = 60;
  // Seconds from a request's first byte until head and body are in (time in
  // the handler does not count), and again for writing its response. Beyond:
  // the connection is closed without an answer (slowloris).
  int request_timeout_s = 30;
  size_t max_connections = 10000;     // beyond: accept, answer 429, close
  size_t max_queued_requests = 4096;  // handler calls queued or running: beyond -> 429
  // Requests whose head or body passed large_request_threshold bytes may be
  // in flight at most max_large_requests at a time (a 2 MiB head per
  // connection would otherwise make max_connections a memory bomb); the next
  // one gets 429 and the connection closes.
  size_t large_request_threshold = 64 * 1024;
  size_t max_large_requests = 64;
  // HTTPS when set (shared: whoever holds it may Reload() it while the server
  // runs); plain HTTP when null.
  std::shared_ptr<TlsContext> tls;
  // Seconds a new TLS connection has to complete its handshake.
  int handshake_timeout_s = 10;
};

class Server {
 public:
  // Validates the options, resolves host and binds the listening socket
  // (SO_REUSEADDR). InvalidArgument for bad options, Unavailable when the
  // address cannot be resolved or bound. handler must outlive the server.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options, Handler* handler);
  // Run() must have returned (or never been called). Joins the worker pool.
  virtual ~Server() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;

  // Serves until Stop(); blocks the calling thread, which becomes one of the
  // io_threads. A second call returns at once.
  virtual void Run() = 0;

  // Thread-safe and async-signal-unsafe: call from a normal thread (e.g. an
  // asio signal_set handler), before, during or after Run(). Stops accepting,
  // closes idle connections, lets in-flight requests finish and their
  // responses be written (up to grace_ms; after that the remaining
  // connections are abandoned), and makes Run() return once none is left. Run()
  // returns only after the worker pool is idle, so a handler still running at
  // the grace deadline delays it.
  virtual void Stop(int grace_ms = 10000) = 0;
};

}  // namespace csrd::http
