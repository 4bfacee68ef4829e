#include "store/sqlite/write_queue.h"

#include <algorithm>
#include <string>

namespace csrd::store::sqlite {

struct WriteQueue::Waiter {
  explicit Waiter(UnitRef u) : unit(u) {}
  UnitRef unit;
  Status status;      // written by the leader before done is set
  bool done = false;  // guarded by mu_
  std::condition_variable cv;
};

WriteQueue::WriteQueue(Connection& conn, size_t max_batch)
    : conn_(conn), max_batch_(std::max<size_t>(max_batch, 1)) {}

Status WriteQueue::Run(UnitRef unit) {
  Waiter self(unit);
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || !leading_; });
  if (self.done) return std::move(self.status);

  // Lead: serve batches from the front of the queue until ours is done (it is
  // in the first one unless more than max_batch_ units were ahead of it).
  leading_ = true;
  std::vector<Waiter*> batch;
  while (!self.done) {
    const size_t n = std::min(queue_.size(), max_batch_);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    for (Waiter* w : batch) {
      w->done = true;
      // Under mu_: the waiter cannot see done, return and destroy its
      // condition variable before this notify has finished with it.
      if (w != &self) w->cv.notify_one();
    }
  }
  leading_ = false;
  // Hand the lead to the oldest waiter (its thread runs the next batch).
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(self.status);
}

void WriteQueue::RunBatch(const std::vector<Waiter*>& batch) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  size_t next = 0;
  while (next < batch.size()) next = RunTransaction(batch, next);
}

size_t WriteQueue::RunTransaction(const std::vector<Waiter*>& batch, size_t start) {
  const size_t n = batch.size();
  // Fails batch[start, end) with st, rolling back what is left of the
  // transaction; returns end.
  auto fail = [&](size_t end, const Status& st) {
    conn_.RollBackIfOpen();
    for (size_t i = start; i < end; ++i) batch[i]->status = st;
    return end;
  };

  // Only the leader writes max_units_, under conn_mu_: no lost update to
  // guard against (it is atomic for stats() readers only).
  auto note_size = [&] {
    const uint64_t size = n - start;
    if (size > max_units_.load(std::memory_order_relaxed)) {
      max_units_.store(size, std::memory_order_relaxed);
    }
  };
  // A lone unit needs no savepoint (SAVEPOINT + RELEASE on every lone
  // write): its failure rolls back the whole transaction instead.
  const bool lone = n - start == 1;

  Status begin = conn_.RunCached("BEGIN IMMEDIATE", "begin");
  if (!begin.ok()) return fail(n, begin);
  transactions_.fetch_add(1, std::memory_order_relaxed);

  for (size_t i = start; i < n; ++i) {
    if (!lone) {
      Status sp = conn_.RunCached("SAVEPOINT unit", "savepoint");
      if (!sp.ok()) return fail(n, sp);
    }
    Status st = batch[i]->unit(conn_);
    units_.fetch_add(1, std::memory_order_relaxed);
    if (!conn_.InTransaction()) {
      // The unit's error (disk full, I/O) rolled everything back: the units
      // before it in this transaction are lost too. The rest start afresh.
      Status own = st.ok() ? Status::Internal("sqlite: a write ended its own transaction") : st;
      fail(i, Status::Unavailable("sqlite: write batch rolled back: " + own.message()));
      batch[i]->status = std::move(own);
      return i + 1;
    }
    if (lone) {
      const bool ok = st.ok();
      batch[i]->status = std::move(st);
      if (ok) break;  // on to COMMIT
      note_size();
      conn_.RollBackIfOpen();  // the whole transaction is this unit
      return n;
    }
    Status end = st.ok() ? conn_.RunCached("RELEASE unit", "release savepoint")
                         : conn_.RunCached("ROLLBACK TO unit", "rollback to savepoint");
    if (end.ok() && !st.ok()) end = conn_.RunCached("RELEASE unit", "release savepoint");
    if (!end.ok()) {
      fail(i, Status::Unavailable("sqlite: write batch rolled back: " + end.message()));
      batch[i]->status = std::move(end);
      return i + 1;
    }
    batch[i]->status = std::move(st);
  }

  note_size();
  Status commit = conn_.RunCached("COMMIT", "commit");
  // Whatever a failed COMMIT left open is rolled back: none of the batch is
  // visible, and every unit hears why.
  if (!commit.ok()) return fail(n, commit);
  return n;
}

WriteQueue::Stats WriteQueue::stats() const {
  Stats s;
  s.transactions = transactions_.load(std::memory_order_relaxed);
  s.units = units_.load(std::memory_order_relaxed);
  s.max_units = max_units_.load(std::memory_order_relaxed);
  return s;
}

size_t WriteQueue::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace csrd::store::sqlite
