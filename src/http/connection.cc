#include "http/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <limits>

#include "core/encoding.h"
#include "core/secret.h"
#include "http/server_core.h"
#include "http/tls.h"

namespace csrd::http::internal {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After a response that ends the connection, unread request bytes are
// drained this long so that closing does not turn into an RST that could
// destroy the response before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kReadChunk = 64 * 1024;
// A buffer grown by a large head is given back once that request is done.
constexpr size_t kShrinkAbove = 256 * 1024;

}  // namespace

Connection::Connection(ServerCore& core, tcp::socket socket, bool over_capacity)
    : core_(core),
      executor_(socket.get_executor()),
      socket_(std::move(socket)),
      timer_(executor_),
      over_capacity_(over_capacity) {
  if (const auto& tls = core_.options().tls) {
    tls_context_ = tls->Current();
    tls_.emplace(socket_, *tls_context_);
  }
}

Connection::~Connection() {
  DropResponse();
  if (holds_large_slot_) core_.ReleaseLargeSlot();
  core_.Release(over_capacity_);
  core_.Remove(this);
}

void Connection::Start() {
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    auto addr = endpoint.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    }
    remote_addr_ = addr.to_string(ec);
  }
  if (!tls_) {
    Serve();
    return;
  }
  // The handshake is asynchronous like any read; only its CPU work (one
  // private-key operation) runs on this thread.
  phase_ = Phase::kHandshake;
  SetDeadline(Clock::now() + std::chrono::seconds(core_.options().handshake_timeout_s));
  tls_->async_handshake(boost::asio::ssl::stream_base::server,
                        [self = shared_from_this()](const error_code& ec) {
                          self->OnHandshake(ec);
                        });
}

void Connection::OnHandshake(const error_code& ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {  // not TLS, a refused version or cipher, or the peer left
    Close();
    return;
  }
  Serve();
}

void Connection::Serve() {
  if (over_capacity_) {
    request_id_ = NewId();
    Reject(Rejection::kOverloaded, /*close=*/true);
    return;
  }
  BeginRequest();
}

void Connection::OnServerStop() {
  // Idle means no byte of a request has arrived: nothing to drain.
  if (phase_ == Phase::kIdle || phase_ == Phase::kHandshake) Close();
}

void Connection::BeginRequest() {
  const ServerOptions& o = core_.options();
  parser_.reset();
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(o.header_limit, std::numeric_limits<uint32_t>::max())));
  // Content-Length is checked by StartBody, after Preflight: the contract
  // ranks an unknown route (404) before a size error (413).
  parser_->body_limit(boost::none);
  request_id_ = NewId();
  head_bytes_ = 0;
  keep_alive_ = false;
  if (buffer_.size() > 0) {  // a pipelined request is already here
    phase_ = Phase::kHead;
    SetDeadline(Clock::now() + std::chrono::seconds(o.request_timeout_s));
    Parse();
    return;
  }
  phase_ = Phase::kIdle;
  if (core_.stopping()) {  // accepted just before Stop(): no request started
    Close();
    return;
  }
  SetDeadline(Clock::now() + std::chrono::seconds(o.idle_timeout_s));
  Read();
}

void Connection::Read() {
  const size_t n = boost::beast::read_size(buffer_, kReadChunk);
  OnStream([&](auto& stream) {
    stream.async_read_some(buffer_.prepare(n),
                           [self = shared_from_this()](const error_code& ec, size_t bytes) {
                             self->OnRead(ec, bytes);
                           });
  });
}

void Connection::OnRead(const error_code& ec, size_t n) {
  if (phase_ == Phase::kClosed) return;
  buffer_.commit(n);
  if (phase_ == Phase::kLinger) {
    if (ec) {
      Close();
      return;
    }
    buffer_.consume(buffer_.size());
    Read();
    return;
  }
  if (ec) {  // peer gone, reset, or cancelled: nothing can be answered
    Close();
    return;
  }
  if (phase_ == Phase::kIdle) {  // the first byte starts the request clock
    phase_ = Phase::kHead;
    SetDeadline(Clock::now() + std::chrono::seconds(core_.options().request_timeout_s));
  }
  Parse();
}

void Connection::Parse() {
  for (;;) {
    if (phase_ == Phase::kHead && !parser_->got_some()) {
      // RFC 9112 §2.2: ignore empty lines before a request-line.
      auto data = buffer_.data();
      const char* p = static_cast<const char*>(data.data());
      size_t k = 0;
      while (k < data.size() && (p[k] == '\r' || p[k] == '\n')) ++k;
      buffer_.consume(k);
      head_bytes_ += k;
    }
    if (buffer_.size() == 0) {
      ReadMore();
      return;
    }
    error_code ec;
    const size_t used = parser_->Put(buffer_.data(), ec);
    buffer_.consume(used);
    if (phase_ == Phase::kHead) head_bytes_ += used;
    if (ec == beast_http::error::need_more || (!ec && used == 0)) {
      ReadMore();
      return;
    }
    if (ec) {
      OnParseError(ec);
      return;
    }
    if (phase_ == Phase::kHead) {
      if (parser_->is_header_done()) {
        OnHeader();
        return;
      }
    } else if (parser_->is_done()) {
      OnBody();
      return;
    }
  }
}

void Connection::ReadMore() {
  const bool ok = phase_ == Phase::kHead
                      ? HeadWithinLimits()
                      : CheckLargeRequest(head_bytes_ + parser_->request().body.size());
  if (ok) Read();
}

bool Connection::HeadWithinLimits() {
  // Everything buffered belongs to the unfinished head.
  const size_t seen = head_bytes_ + buffer_.size();
  if (seen > core_.options().header_limit) {
    Reject(Rejection::kHeadTooLarge, /*close=*/true);
    return false;
  }
  return CheckLargeRequest(seen);
}

bool Connection::CheckLargeRequest(size_t bytes_seen) {
  if (holds_large_slot_ || bytes_seen <= core_.options().large_request_threshold) return true;
  if (!core_.TryAcquireLargeSlot()) {
    Reject(Rejection::kOverloaded, /*close=*/true);
    return false;
  }
  holds_large_slot_ = true;
  return true;
}

void Connection::OnParseError(const error_code& ec) {
  if (ec == beast_http::error::header_limit) {
    Reject(Rejection::kHeadTooLarge, /*close=*/true);
  } else if (ec == beast_http::error::body_limit) {
    Reject(Rejection::kBodyTooLarge, /*close=*/true);
  } else {
    Reject(Rejection::kBadRequest, /*close=*/true);
  }
}

void Connection::OnHeader() {
  // basic_parser bounds the request-line and the fields separately; the
  // contract bounds the whole head.
  if (head_bytes_ > core_.options().header_limit) {
    Reject(Rejection::kHeadTooLarge, /*close=*/true);
    return;
  }
  if (!CheckLargeRequest(head_bytes_)) return;
  Request& request = parser_->request();
  request.remote_addr = remote_addr_;
  request.request_id = request_id_;
  keep_alive_ = parser_->keep_alive();
  const bool body_pending = !parser_->is_done();
  PauseDeadline();
  phase_ = Phase::kPreflight;
  // Without a body, Preflight and Handle share one trip to the workers.
  if (!Submit(body_pending ? Work::kPreflight : Work::kPreflightAndHandle)) {
    Reject(Rejection::kOverloaded, /*close=*/body_pending);
  }
}

void Connection::StartBody() {
  const ServerOptions& o = core_.options();
  const auto content_length = parser_->content_length();
  if (content_length && *content_length > o.body_limit) {
    Reject(Rejection::kBodyTooLarge, /*close=*/true);  // without reading the body
    return;
  }
  parser_->body_limit(o.body_limit);  // what bounds a chunked body
  phase_ = Phase::kBody;
  ResumeDeadline();
  const auto expect = parser_->request().headers.Get("Expect");
  if (expect && EqualsIgnoreCase(*expect, "100-continue") && parser_->version() >= 11 &&
      buffer_.size() == 0) {
    OnStream([&](auto& stream) {
      asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](const error_code& ec, size_t) {
                          if (self->phase_ == Phase::kClosed) return;
                          if (ec) {
                            self->Close();
                            return;
                          }
                          self->Parse();
                        });
    });
    return;
  }
  Parse();
}

void Connection::OnBody() {
  phase_ = Phase::kHandling;
  PauseDeadline();
  if (!Submit(Work::kHandle)) Reject(Rejection::kOverloaded, /*close=*/false);
}

bool Connection::Submit(Work work) {
  if (!core_.TryEnqueue()) return false;
  asio::post(core_.pool(), [self = shared_from_this(), work] { self->RunOnWorker(work); });
  return true;
}

// On a worker thread: only the request and request_id_ are touched, and the
// I/O side leaves both alone until OnWorkerDone.
void Connection::RunOnWorker(Work work) {
  std::optional<Response> out;
  Request& request = parser_->request();
  try {
    if (work != Work::kHandle) out = core_.handler().Preflight(request);
    if (!out && work != Work::kPreflight) out = core_.handler().Handle(request);
  } catch (...) {
    out = InternalErrorResponse(request_id_);
  }
  core_.Dequeue();
  asio::post(executor_, [self = shared_from_this(), work, out = std::move(out)]() mutable {
    self->OnWorkerDone(work, std::move(out));
  });
}

void Connection::OnWorkerDone(Work work, std::optional<Response> response) {
  if (phase_ == Phase::kClosed) return;
  if (work == Work::kPreflight && !response) {
    StartBody();
    return;
  }
  if (!response) response = InternalErrorResponse(request_id_);
  // A Preflight answer leaves the body unread: the connection cannot be reused.
  WriteResponse(std::move(*response), /*close=*/work == Work::kPreflight);
}

void Connection::Reject(Rejection why, bool close) {
  std::string target;
  if (parser_ && parser_->has_request_line()) target = parser_->request().target;
  Response response;
  try {
    response = core_.handler().Reject(why, target, request_id_);
  } catch (...) {
    response = InternalErrorResponse(request_id_);
  }
  WriteResponse(std::move(response), close);
}

void Connection::WriteResponse(Response response, bool close) {
  phase_ = Phase::kWriting;
  WireOptions wire;
  wire.request_id = request_id_;
  wire.version = parser_ ? parser_->version() : 11;
  wire.keep_alive = keep_alive_ && !close && !core_.stopping();
  wire.head_request = parser_ && parser_->has_request_line() && parser_->request().method == "HEAD";
  wipe_response_ = response.sensitive;
  response_ = BuildWireResponse(std::move(response), wire);
  const bool keep_alive = response_->keep_alive();
  // A client that does not read its responses is bounded like a slow sender.
  SetDeadline(Clock::now() + std::chrono::seconds(core_.options().request_timeout_s));
  OnStream([&](auto& stream) {
    beast_http::async_write(stream, *response_,
                            [self = shared_from_this(), keep_alive](const error_code& ec, size_t) {
                              self->OnWritten(ec, keep_alive);
                            });
  });
}

// Not from Close(): a write may still be pending on the answer then; the
// destructor drops it once every handler has run.
void Connection::DropResponse() {
  if (response_ && wipe_response_) SecureWipe(response_->body());
  response_.reset();
}

void Connection::OnWritten(const error_code& ec, bool keep_alive) {
  if (phase_ == Phase::kClosed) return;
  DropResponse();
  if (ec) {
    Close();
    return;
  }
  if (!keep_alive && tls_) {
    ShutdownTls();
    return;
  }
  if (!keep_alive) {
    // Drain only when the client may still be sending; otherwise a plain
    // close sends FIN, and Stop() is not held up by lingering clients.
    error_code avail_ec;
    const bool unread = !parser_ || !parser_->is_done() || buffer_.size() > 0 ||
                        socket_.available(avail_ec) > 0 || avail_ec;
    if (unread) {
      Linger(/*read_pending=*/false);
    } else {
      socket_.shutdown(tcp::socket::shutdown_send, avail_ec);
      Close();
    }
    return;
  }
  if (holds_large_slot_) {
    core_.ReleaseLargeSlot();
    holds_large_slot_ = false;
  }
  if (buffer_.capacity() > kShrinkAbove) buffer_.shrink_to_fit();
  BeginRequest();
}

void Connection::Linger(bool read_pending) {
  phase_ = Phase::kLinger;
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  SetDeadline(Clock::now() + kLingerTime);
  if (!read_pending) Read();
}

void Connection::ShutdownTls() {
  // close_notify, then wait (bounded) for the client's: OpenSSL discards any
  // request data that arrives meanwhile, which is the TLS form of Linger().
  phase_ = Phase::kLinger;
  SetDeadline(Clock::now() + kLingerTime);
  tls_->async_shutdown([self = shared_from_this()](const error_code&) { self->Close(); });
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  error_code ec;
  socket_.close(ec);
  timer_.cancel();
  if (holds_large_slot_) {
    core_.ReleaseLargeSlot();
    holds_large_slot_ = false;
  }
}

void Connection::SetDeadline(Clock::time_point deadline) {
  deadline_ = deadline;
  if (deadline < timer_expiry_) ArmTimer(deadline);
}

void Connection::PauseDeadline() {
  const auto now = Clock::now();
  paused_remaining_ = deadline_ == Clock::time_point::max()
                          ? Clock::duration::zero()
                          : std::max(deadline_ - now, Clock::duration::zero());
  deadline_ = Clock::time_point::max();
}

void Connection::ResumeDeadline() { SetDeadline(Clock::now() + paused_remaining_); }

void Connection::ArmTimer(Clock::time_point at) {
  timer_expiry_ = at;
  timer_.expires_at(at);  // cancels the pending wait; its generation is stale
  timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](
                        const error_code&) { self->OnTimer(generation); });
}

void Connection::OnTimer(uint64_t generation) {
  if (generation != timer_generation_ || phase_ == Phase::kClosed) return;
  timer_expiry_ = Clock::time_point::max();
  const auto now = Clock::now();
  if (deadline_ <= now) {
    Close();
    return;
  }
  // No deadline (a handler runs): stay unarmed until SetDeadline.
  if (deadline_ != Clock::time_point::max()) ArmTimer(deadline_);
}

}  // namespace csrd::http::internal
