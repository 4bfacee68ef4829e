// WriteQueue: group commit on the one writer connection, private to
// store/sqlite.
//
// Every write of the store is a unit: a function that runs the statements of
// what used to be its own transaction (audit row included) on the writer
// connection and returns its Status. Callers hand units in with Run() and
// block. The first caller that finds no batch running becomes the leader: it
// takes up to max_batch queued units (its own among them), runs BEGIN
// IMMEDIATE, each unit inside its own SAVEPOINT (a transaction of one unit
// needs none: its failure rolls the transaction back), then one COMMIT — one
// fsync for the whole batch — and wakes every caller with its own result.
// Then it hands the lead to the next waiter, if any, and returns.
//
// Why a leader and not a dedicated writer thread: a lone writer runs on its
// own thread with no hand-off, so it pays nothing over a plain transaction (no
// timer, no wake-up of another thread, which costs most on a loaded machine).
// Batches form on their own while a commit is in flight.
//
// Contract:
//  - Run() returns OK only after the COMMIT holding the unit returned OK
//    (durable under synchronous=FULL).
//  - A unit that returns an error is rolled back to its savepoint and gets
//    its own error; the other units of the batch still commit. A unit sees
//    the effects of the units before it in its batch, as in one transaction.
//  - If BEGIN or COMMIT fails, every unit of that transaction gets that
//    error and none of them is visible. If a unit's error rolls the whole
//    transaction back (SQLite does so on some I/O errors and a full disk), the
//    units run so far in it get an error too (Unavailable for the others);
//    the units not yet run get a fresh transaction.
//  - A unit must not begin, commit or roll back a transaction itself, must
//    not call Run() (it would wait for itself), and must leave no statement
//    un-reset (the cached Statement does that on scope exit).
//
// Thread safety: Run() and Exclusive() may be called from any thread
// concurrently. Units run one at a time, on the leader's thread, with the
// connection mutex held, so state touched only by units needs no other lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_handle.h"

namespace csrd::store::sqlite {

// A borrowed callable Status(Connection&): no allocation per write.
class UnitRef {
 public:
  template <typename Fn, typename = std::enable_if_t<!std::is_same_v<std::decay_t<Fn>, UnitRef>>>
  UnitRef(Fn& fn)  // NOLINT: implicit by design; fn must outlive the UnitRef
      : obj_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_([](void* obj, Connection& c) -> Status { return (*static_cast<Fn*>(obj))(c); }) {}

  Status operator()(Connection& c) const { return call_(obj_, c); }

 private:
  void* obj_;
  Status (*call_)(void*, Connection&);
};

class WriteQueue {
 public:
  static constexpr size_t kDefaultMaxBatch = 64;

  // conn is borrowed and must outlive the queue. max_batch >= 1 caps the units
  // of one transaction, so a long queue is served in turn and one transaction
  // never grows without bound.
  explicit WriteQueue(Connection& conn, size_t max_batch = kDefaultMaxBatch);
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Runs unit in the next batch and returns its result as described above.
  Status Run(UnitRef unit);

  // fn(Connection&) alone on the connection, outside any batch (reads when
  // the store has no reader connection). Not to be called from a unit.
  template <typename Fn>
  auto Exclusive(Fn&& fn) {
    std::lock_guard<std::mutex> lock(conn_mu_);
    return fn(conn_);
  }

  struct Stats {
    uint64_t transactions = 0;  // BEGIN IMMEDIATE issued
    uint64_t units = 0;         // units run
    uint64_t max_units = 0;     // most units in one transaction
  };
  Stats stats() const;
  // Units waiting for a leader (not counting a running batch); for tests.
  size_t queued() const;

 private:
  struct Waiter;

  // Runs batch on the connection (conn_mu_ held), filling each status.
  void RunBatch(const std::vector<Waiter*>& batch);
  // One transaction from batch[start]; returns the index of the first unit
  // it did not settle (batch.size() when all are settled).
  size_t RunTransaction(const std::vector<Waiter*>& batch, size_t start);

  Connection& conn_;
  const size_t max_batch_;

  std::mutex conn_mu_;  // held while a batch or an Exclusive() call runs

  mutable std::mutex mu_;  // guards queue_, leading_ and each Waiter's done
  std::deque<Waiter*> queue_;
  bool leading_ = false;

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> units_{0};
  std::atomic<uint64_t> max_units_{0};
};

}  // namespace csrd::store::sqlite
