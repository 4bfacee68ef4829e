// Internal to the http layer: one accepted TCP connection, plain or TLS,
// serving HTTP/1.1 requests one after another (pipelined requests are
// answered in order). Reads and writes never overlap (a response is written
// only once reading has stopped), which a TLS stream requires.
//
// All members run on the connection's executor (the io_context, or a strand
// when there are several I/O threads), except the handler calls, which run on
// the worker pool while the I/O side is parked (no read is outstanding and no
// member but the request is touched by the worker).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/message.h"
#include "http/request_parser.h"
#include "http/wire.h"

namespace csrd::http::internal {

class ServerCore;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // over_capacity: the server is full; Start() answers 429 and closes.
  Connection(ServerCore& core, boost::asio::ip::tcp::socket socket, bool over_capacity);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const boost::asio::any_io_executor& executor() const { return executor_; }

  // Both must be called on executor().
  void Start();
  // The server is stopping: close now if idle, else after the current response.
  void OnServerStop();

 private:
  using Clock = std::chrono::steady_clock;
  using error_code = boost::system::error_code;
  enum class Phase {
    kHandshake, kIdle, kHead, kPreflight, kBody, kHandling, kWriting, kLinger, kClosed
  };
  enum class Work { kPreflight, kPreflightAndHandle, kHandle };

  void OnHandshake(const error_code& ec);
  void Serve();  // after the handshake (if any): the first request, or the 429
  void BeginRequest();
  void Read();
  void OnRead(const error_code& ec, size_t n);
  void Parse();
  void ReadMore();  // after the limits that grow with the request are checked
  bool HeadWithinLimits();
  bool CheckLargeRequest(size_t bytes_seen);
  void OnParseError(const error_code& ec);
  void OnHeader();
  void StartBody();
  void OnBody();
  bool Submit(Work work);
  void RunOnWorker(Work work);
  void OnWorkerDone(Work work, std::optional<Response> response);
  void Reject(Rejection why, bool close);
  void WriteResponse(Response response, bool close);
  void OnWritten(const error_code& ec, bool keep_alive);
  void DropResponse();
  void Linger(bool read_pending);
  void ShutdownTls();
  void Close();

  void SetDeadline(Clock::time_point deadline);
  void PauseDeadline();
  void ResumeDeadline();
  void ArmTimer(Clock::time_point at);
  void OnTimer(uint64_t generation);

  // op(stream) on the TLS stream, or on the plain socket.
  template <class Op>
  void OnStream(Op&& op) {
    if (tls_) {
      op(*tls_);
    } else {
      op(socket_);
    }
  }

  ServerCore& core_;
  const boost::asio::any_io_executor executor_;  // copy: read by workers when posting back
  boost::asio::ip::tcp::socket socket_;
  // TLS only: the context this connection handshook with (kept alive across
  // certificate reloads) and the stream over socket_.
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;  // lives as long as the connection: keeps pipelined bytes
  std::optional<RequestParser> parser_;  // fresh per request
  std::unique_ptr<WireResponse> response_;
  bool wipe_response_ = false;  // response_ is sensitive (Response::sensitive)
  std::string remote_addr_;
  std::string request_id_;
  Phase phase_ = Phase::kIdle;
  const bool over_capacity_;
  bool keep_alive_ = false;
  bool holds_large_slot_ = false;  // see ServerOptions::max_large_requests
  size_t head_bytes_ = 0;  // bytes of the current head consumed by the parser

  // The lazy timer: deadline_ is what is enforced; the timer wakes at
  // timer_expiry_ (<= deadline_) and re-arms itself for deadline_, so moving a
  // deadline later (every request on a keep-alive connection) costs no timer
  // operation; only an earlier one re-arms. time_point::max() = none.
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point timer_expiry_ = Clock::time_point::max();
  Clock::duration paused_remaining_{};
  uint64_t timer_generation_ = 0;
};

}  // namespace csrd::http::internal
