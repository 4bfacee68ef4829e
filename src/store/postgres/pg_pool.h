// A fixed-size pool of PostgreSQL connections, connected lazily. Private to
// store/postgres.
//
// Acquire hands out one connection for the caller's exclusive use, waiting at
// most acquire_timeout_ms for a free slot (then Unavailable). A slot whose
// connection failed, or that never had one, connects on the way out; a
// connection that failed in use is closed when it comes back. So while the
// database is down each call fails fast, and the first call after it returns
// reconnects: no restart is needed. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/postgres/pg_conn.h"

namespace csrd::store::postgres {

class Pool {
 public:
  using Connector = std::function<Result<std::unique_ptr<Conn>>()>;

  // Holds one connection; gives it back to the pool when destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  Pool(Connector connector, int size, int acquire_timeout_ms);

  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Conn> conn);

  Connector connector_;
  const int acquire_timeout_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Free slots; nullptr = a slot without a connection.
  std::vector<std::unique_ptr<Conn>> free_;
};

}  // namespace csrd::store::postgres
