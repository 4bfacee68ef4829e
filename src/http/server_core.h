// Internal to the http layer: state shared by the listener and every
// connection of one Server.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/message.h"
#include "http/server.h"

namespace csrd::http::internal {

class Connection;

// Thread-safe. Lives as long as the Server; connections hold a reference.
class ServerCore {
 public:
  ServerCore(const ServerOptions& options, Handler* handler, boost::asio::io_context& ioc,
             boost::asio::thread_pool& pool)
      : options_(options), handler_(handler), ioc_(ioc), pool_(pool) {}

  const ServerOptions& options() const { return options_; }
  Handler& handler() const { return *handler_; }
  boost::asio::thread_pool& pool() const { return pool_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Handler work queue: TryEnqueue fails when max_queued_requests tasks are
  // already waiting or running.
  bool TryEnqueue();
  void Dequeue() { queued_.fetch_sub(1, std::memory_order_acq_rel); }

  // Connection admission, decided by the listener. A connection beyond
  // max_connections is admitted "over capacity" (it only gets a 429), up to a
  // small fixed number; beyond that TryAdmit fails and the socket is dropped.
  bool TryAdmit(bool* over_capacity);
  void Release(bool over_capacity);

  // Requests over large_request_threshold in flight.
  bool TryAcquireLargeSlot();
  void ReleaseLargeSlot() { large_requests_.fetch_sub(1, std::memory_order_acq_rel); }

  // Connection registry.
  void Add(const std::shared_ptr<Connection>& c);
  // From ~Connection (any thread). Once stopping, the last one out stops the
  // io_context so Run() returns.
  void Remove(Connection* c);

  // Marks the server stopping and returns the live connections.
  std::vector<std::shared_ptr<Connection>> BeginStop();
  // Called by ~Server before its io_context goes: from then on Remove() must
  // not touch the io_context.
  void TearDown();

 private:
  const ServerOptions options_;
  Handler* const handler_;
  boost::asio::io_context& ioc_;
  boost::asio::thread_pool& pool_;
  std::atomic<size_t> queued_{0};
  std::atomic<size_t> large_requests_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> serving_{0};
  std::atomic<size_t> over_capacity_{0};

  mutable std::mutex mu_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;  // guarded by mu_
  bool torn_down_ = false;                                                  // guarded by mu_
};

}  // namespace csrd::http::internal
