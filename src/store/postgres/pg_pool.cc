#include "store/postgres/pg_pool.h"

#include <chrono>
#include <string>

namespace csrd::store::postgres {

Pool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(conn_));
}

Pool::Pool(Connector connector, int size, int acquire_timeout_ms)
    : connector_(std::move(connector)), acquire_timeout_ms_(acquire_timeout_ms) {
  free_.resize(static_cast<size_t>(size));
}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<Conn> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::milliseconds(acquire_timeout_ms_),
                      [this] { return !free_.empty(); })) {
      return Status::Unavailable("postgres: no free database connection within " +
                                 std::to_string(acquire_timeout_ms_) + " ms");
    }
    // Prefer a slot that is connected already.
    size_t pick = free_.size() - 1;
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i] != nullptr) {
        pick = i;
        break;
      }
    }
    conn = std::move(free_[pick]);
    free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  // Connecting happens outside the lock: other callers need not wait for it.
  if (conn != nullptr && !conn->CheckAlive()) conn.reset();
  if (conn == nullptr) {
    Result<std::unique_ptr<Conn>> fresh = connector_();
    if (!fresh.ok()) {
      Release(nullptr);
      return fresh.status();
    }
    conn = std::move(fresh).value();
  }
  return Lease(this, std::move(conn));
}

void Pool::Release(std::unique_ptr<Conn> conn) {
  // A connection that failed, or is left inside a transaction, is closed:
  // the slot reconnects at its next use.
  if (conn != nullptr && !conn->usable()) conn.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace csrd::store::postgres
