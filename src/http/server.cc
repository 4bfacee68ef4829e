#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>
#include <vector>

#include "http/connection.h"
#include "http/server_core.h"

namespace csrd::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using internal::Connection;
using internal::ServerCore;

// ---- ServerCore ---------------------------------------------------------

namespace internal {

namespace {
// Connections beyond max_connections that are still being told 429. Past
// this, new ones are closed without an answer.
constexpr size_t kMaxOverCapacity = 64;
}  // namespace

bool ServerCore::TryEnqueue() {
  size_t n = queued_.load(std::memory_order_relaxed);
  do {
    if (n >= options_.max_queued_requests) return false;
  } while (!queued_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
  return true;
}

bool ServerCore::TryAcquireLargeSlot() {
  size_t n = large_requests_.load(std::memory_order_relaxed);
  do {
    if (n >= options_.max_large_requests) return false;
  } while (!large_requests_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
  return true;
}

bool ServerCore::TryAdmit(bool* over_capacity) {
  // Only the listener admits, so check-then-add cannot overshoot.
  if (serving_.load(std::memory_order_acquire) < options_.max_connections) {
    serving_.fetch_add(1, std::memory_order_acq_rel);
    *over_capacity = false;
    return true;
  }
  if (over_capacity_.load(std::memory_order_acquire) < kMaxOverCapacity) {
    over_capacity_.fetch_add(1, std::memory_order_acq_rel);
    *over_capacity = true;
    return true;
  }
  return false;
}

void ServerCore::Release(bool over_capacity) {
  (over_capacity ? over_capacity_ : serving_).fetch_sub(1, std::memory_order_acq_rel);
}

void ServerCore::Add(const std::shared_ptr<Connection>& c) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_.emplace(c.get(), c);
}

void ServerCore::Remove(Connection* c) {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.erase(c);
    last = stopping_.load(std::memory_order_acquire) && connections_.empty() && !torn_down_;
  }
  if (last) ioc_.stop();
}

std::vector<std::shared_ptr<Connection>> ServerCore::BeginStop() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard<std::mutex> lock(mu_);
  stopping_.store(true, std::memory_order_release);
  live.reserve(connections_.size());
  for (auto& [raw, weak] : connections_) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

void ServerCore::TearDown() {
  std::lock_guard<std::mutex> lock(mu_);
  torn_down_ = true;
}

}  // namespace internal

// ---- ServerImpl ---------------------------------------------------------

namespace {

constexpr auto kAcceptRetry = std::chrono::milliseconds(50);

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, Handler* handler)
      : options_(options),
        pool_(static_cast<size_t>(options.worker_threads)),
        listener_executor_(options.io_threads > 1 ? asio::any_io_executor(asio::make_strand(ioc_))
                                                  : asio::any_io_executor(ioc_.get_executor())),
        acceptor_(listener_executor_),
        retry_timer_(listener_executor_),
        grace_timer_(listener_executor_) {
    core_ = std::make_unique<ServerCore>(options_, handler, ioc_, pool_);
  }

  ~ServerImpl() override {
    // Handlers still queued in the io_context or the pool hold connections;
    // destroying those must not reach back into a dying io_context.
    core_->TearDown();
    pool_.join();
  }

  Status Listen();

  uint16_t port() const override { return port_; }
  void Run() override;
  void Stop(int grace_ms) override;

 private:
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);
  void BeginStop(int grace_ms);
  void RunIo();

  const ServerOptions options_;
  std::unique_ptr<ServerCore> core_;  // first declared: outlives every connection
  asio::io_context ioc_;
  asio::thread_pool pool_;  // after ioc_: its leftover tasks hold sockets of ioc_
  asio::any_io_executor listener_executor_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  asio::steady_timer grace_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> ran_{false};
  bool stop_begun_ = false;  // on listener_executor_
};

Status ServerImpl::Listen() {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto addr = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(addr, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Status::Unavailable("cannot resolve listen host '" + options_.host + "'");
    }
    endpoint = results.begin()->endpoint();
  }
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return Status::Unavailable("cannot read the bound port: " + ec.message());
  Accept();
  return Status::Ok();
}

void ServerImpl::Accept() {
  // Each connection gets its own strand only when several threads run I/O.
  auto executor = options_.io_threads > 1 ? asio::any_io_executor(asio::make_strand(ioc_))
                                          : asio::any_io_executor(ioc_.get_executor());
  acceptor_.async_accept(executor,
                         [this](const boost::system::error_code& ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

void ServerImpl::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || core_->stopping()) return;
  if (ec) {
    // Typically EMFILE: retrying at once would spin.
    retry_timer_.expires_after(kAcceptRetry);
    retry_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
      if (!wait_ec && !core_->stopping()) Accept();
    });
    return;
  }
  bool over_capacity = false;
  if (core_->TryAdmit(&over_capacity)) {
    // A connection that cannot be set up (out of memory, or OpenSSL cannot
    // make its TLS state) is dropped; accepting must go on regardless.
    std::shared_ptr<Connection> connection;
    try {
      connection = std::make_shared<Connection>(*core_, std::move(socket), over_capacity);
    } catch (...) {
      core_->Release(over_capacity);
    }
    if (connection) {
      core_->Add(connection);
      asio::dispatch(connection->executor(), [connection] { connection->Start(); });
    }
  }  // else: the socket closes as it goes out of scope
  Accept();
}

void ServerImpl::RunIo() {
  // A handler that throws (only bad_alloc can) ends its own connection; the
  // others keep going.
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (...) {
    }
  }
}

void ServerImpl::Run() {
  if (ran_.exchange(true)) return;
  std::vector<std::thread> extra;
  for (int i = 1; i < options_.io_threads; ++i) extra.emplace_back([this] { RunIo(); });
  RunIo();
  for (auto& t : extra) t.join();
  pool_.join();
}

void ServerImpl::Stop(int grace_ms) {
  asio::post(listener_executor_, [this, grace_ms] { BeginStop(grace_ms); });
}

void ServerImpl::BeginStop(int grace_ms) {
  if (stop_begun_) return;
  stop_begun_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  auto live = core_->BeginStop();
  if (live.empty()) {
    ioc_.stop();
    return;
  }
  for (auto& c : live) {
    asio::post(c->executor(), [c] { c->OnServerStop(); });
  }
  grace_timer_.expires_after(std::chrono::milliseconds(std::max(grace_ms, 0)));
  grace_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
    if (!wait_ec) ioc_.stop();
  });
}

Status ValidateOptions(const ServerOptions& o) {
  if (o.io_threads < 1 || o.io_threads > 256) return Status::InvalidArgument("io_threads: 1..256");
  if (o.worker_threads < 1 || o.worker_threads > 4096) {
    return Status::InvalidArgument("worker_threads: 1..4096");
  }
  if (o.header_limit < 64 || o.header_limit > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("header_limit: 64..4294967295");
  }
  if (o.idle_timeout_s < 1 || o.request_timeout_s < 1 || o.handshake_timeout_s < 1) {
    return Status::InvalidArgument("timeouts must be at least 1 s");
  }
  if (o.max_connections < 1 || o.max_queued_requests < 1) {
    return Status::InvalidArgument("max_connections and max_queued_requests must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options, Handler* handler) {
  if (handler == nullptr) return Status::InvalidArgument("no handler");
  CSRD_RETURN_IF_ERROR(ValidateOptions(options));
  try {
    auto server = std::make_unique<ServerImpl>(options, handler);
    CSRD_RETURN_IF_ERROR(server->Listen());
    return std::unique_ptr<Server>(std::move(server));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("server setup failed: ") + e.what());
  }
}

}  // namespace csrd::http
