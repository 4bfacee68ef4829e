// WriteQueue: batching, per-unit savepoints, commit failure (real SQLite file).
//
// Batches are formed deterministically: a "blocker" unit holds the leader
// inside its batch until the units under test have queued behind it; they
// then form the next batch together.
#include "store/sqlite/write_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store/store_test_util.h"

namespace csrd::store::sqlite {
namespace {

class WriteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("q.db");
    std::ofstream(path_).close();
    writer_ = MustOpen();
    ASSERT_TRUE(writer_->Exec("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY);"
                              " CREATE TABLE log (what TEXT);"
                              " CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0);",
                              "schema")
                    .ok());
  }

  std::unique_ptr<Connection> MustOpen(int busy_timeout_ms = 5000) {
    ConnectionOptions o;
    o.busy_timeout_ms = busy_timeout_ms;
    auto c = Connection::Open(path_, o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // Counts rows on a fresh connection: what is committed, nothing else.
  int64_t Count(const std::string& sql) {
    auto c = MustOpen();
    auto s = c->Prepare(sql);
    EXPECT_TRUE(s.ok());
    auto row = s->Step("count");
    EXPECT_TRUE(row.ok() && *row);
    return s->Int64(0);
  }

  // Runs units[i] on thread i, all queued behind a blocker unit, so that they
  // form one batch in the order given (thread i+1 starts once unit i is
  // queued); returns their statuses.
  std::vector<Status> RunAsOneBatch(WriteQueue& q, std::vector<std::function<Status(Connection&)>> units) {
    std::atomic<bool> in_blocker{false};
    const size_t n = units.size();
    auto blocker = [&](Connection&) -> Status {
      in_blocker = true;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (q.queued() < n && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return Status::Ok();
    };
    std::thread lead([&] { EXPECT_TRUE(q.Run(blocker).ok()); });
    while (!in_blocker) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<Status> out(n);
    std::vector<std::thread> ts;
    for (size_t i = 0; i < n; ++i) {
      ts.emplace_back([&, i] { out[i] = q.Run(units[i]); });
      if (i + 1 == n) break;  // the last: the blocker waits for it and lets the batch go
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (q.queued() < i + 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      EXPECT_EQ(q.queued(), i + 1) << "unit " << i << " did not queue";
    }
    lead.join();
    for (auto& t : ts) t.join();
    return out;
  }

  static Status Sql(Connection& c, const char* sql) {
    auto s = c.Prepare(sql);
    if (!s.ok()) return s.status();
    return s->Run("test");
  }

  static std::function<Status(Connection&)> Insert(int id) {
    return [id](Connection& c) -> Status {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO t (id) VALUES (?)"));
      s.Bind(1, int64_t{id});
      return s.Run("insert");
    };
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Connection> writer_;
};

TEST_F(WriteQueueTest, LoneUnitCommitsInItsOwnTransaction) {
  WriteQueue q(*writer_);
  auto unit = Insert(1);
  ASSERT_TRUE(q.Run(unit).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 1);
  EXPECT_EQ(q.stats().transactions, 1u);
  EXPECT_EQ(q.stats().units, 1u);
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);  // nothing left open
}

// A lone unit runs without a savepoint; when it fails, what it wrote is
// rolled back with the transaction and it gets its own error.
TEST_F(WriteQueueTest, LoneFailingUnitLeavesNothingAndGetsItsOwnError) {
  WriteQueue q(*writer_);
  auto failing = [](Connection& c) -> Status {
    CSRD_RETURN_IF_ERROR(Sql(c, "INSERT INTO t (id) VALUES (1)"));
    CSRD_RETURN_IF_ERROR(Sql(c, "INSERT INTO log VALUES ('written')"));
    return Status::ResourceExhausted("quota");
  };
  Status st = q.Run(failing);
  EXPECT_EQ(st.code(), Status::Code::kResourceExhausted) << st.ToString();
  EXPECT_EQ(st.message(), "quota");
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM log"), 0);
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);
  auto ok = Insert(2);
  ASSERT_TRUE(q.Run(ok).ok());  // the queue goes on
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 1);
  EXPECT_EQ(q.stats().transactions, 2u);
  EXPECT_EQ(q.stats().units, 2u);
  EXPECT_EQ(q.stats().max_units, 1u);
  // No savepoint was ever taken.
  for (sqlite3_stmt* s = sqlite3_next_stmt(writer_->db(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(writer_->db(), s)) {
    EXPECT_EQ(std::string(sqlite3_sql(s)).find("SAVEPOINT"), std::string::npos) << sqlite3_sql(s);
  }
}

// A lone unit that ends the transaction itself gets its own error (or an
// Internal one if it claims success); nothing is left open.
TEST_F(WriteQueueTest, LoneUnitThatEndsTheTransaction) {
  WriteQueue q(*writer_);
  auto with_error = [](Connection& c) -> Status {
    (void)Sql(c, "INSERT INTO t (id) VALUES (1)");
    (void)Sql(c, "ROLLBACK");
    return Status::Unavailable("disk full (simulated)");
  };
  Status st = q.Run(with_error);
  EXPECT_EQ(st.code(), Status::Code::kUnavailable);
  EXPECT_EQ(st.message(), "disk full (simulated)");
  auto claiming_ok = [](Connection& c) -> Status {
    (void)Sql(c, "INSERT INTO t (id) VALUES (2)");
    return Sql(c, "ROLLBACK");
  };
  st = q.Run(claiming_ok);
  EXPECT_EQ(st.code(), Status::Code::kInternal) << st.ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 0);
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);
}

TEST_F(WriteQueueTest, QueuedUnitsShareOneTransactionAndSeeEachOther) {
  WriteQueue q(*writer_);
  std::vector<std::function<Status(Connection&)>> units;
  std::vector<int64_t> seen(6, -1);
  for (int i = 0; i < 6; ++i) {
    units.push_back([&seen, i](Connection& c) -> Status {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("UPDATE counter SET n = n + 1 RETURNING n"));
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("bump"));
      if (!row) return Status::Internal("no counter");
      seen[i] = s.Int64(0);
      return s.Run("bump");
    });
  }
  for (const Status& st : RunAsOneBatch(q, units)) EXPECT_TRUE(st.ok()) << st.ToString();
  // Each unit saw the ones before it in the batch: 1..6, no value twice.
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(Count("SELECT n FROM counter"), 6);
  EXPECT_EQ(q.stats().transactions, 2u);  // the blocker's and the batch's
  EXPECT_EQ(q.stats().max_units, 6u);
}

TEST_F(WriteQueueTest, FailingUnitIsRolledBackAloneAndGetsItsOwnError) {
  auto first = Insert(100);
  {
    WriteQueue q0(*writer_);
    ASSERT_TRUE(q0.Run(first).ok());
  }
  WriteQueue q(*writer_);
  std::vector<std::function<Status(Connection&)>> units;
  for (int i = 1; i <= 4; ++i) units.push_back(Insert(i));
  // Writes a log row, then clashes on a primary key: both must vanish.
  units.push_back([](Connection& c) -> Status {
    CSRD_RETURN_IF_ERROR(Sql(c, "INSERT INTO log VALUES ('dup')"));
    return Sql(c, "INSERT INTO t (id) VALUES (100)");
  });
  // Writes, then refuses by itself (as a quota check does).
  units.push_back([](Connection& c) -> Status {
    CSRD_RETURN_IF_ERROR(Sql(c, "INSERT INTO t (id) VALUES (50)"));
    return Status::ResourceExhausted("quota");
  });
  std::vector<Status> st = RunAsOneBatch(q, units);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(st[i].ok()) << st[i].ToString();
  EXPECT_EQ(st[4].code(), Status::Code::kAlreadyExists) << st[4].ToString();
  EXPECT_EQ(st[5].code(), Status::Code::kResourceExhausted) << st[5].ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 5);  // 100 and 1..4
  EXPECT_EQ(Count("SELECT count(*) FROM t WHERE id = 50"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM log"), 0);
  EXPECT_EQ(q.stats().max_units, 6u);
}

int RefuseCommit(void*) { return 1; }  // SQLite turns the COMMIT into a ROLLBACK

TEST_F(WriteQueueTest, CommitFailureFailsEveryUnitOfTheBatchAndShowsNone) {
  WriteQueue q(*writer_);
  std::vector<std::function<Status(Connection&)>> units;
  for (int i = 1; i <= 5; ++i) units.push_back(Insert(i));
  units.push_back([](Connection&) { return Status::NotFound("its own error"); });
  // The blocker's batch commits normally; the hook is set (on the leader's
  // thread, inside the connection lock) by the first unit of the next batch.
  bool hooked = false;
  auto hook = [&](Connection& c) -> Status {
    if (!hooked) sqlite3_commit_hook(c.db(), RefuseCommit, nullptr);
    hooked = true;
    return Status::Ok();
  };
  units.insert(units.begin(), hook);
  std::vector<Status> st = RunAsOneBatch(q, units);
  sqlite3_commit_hook(writer_->db(), nullptr, nullptr);
  ASSERT_EQ(st.size(), 7u);
  for (const Status& s : st) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("commit"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 0);
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);
  // The queue still works afterwards.
  auto again = Insert(7);
  EXPECT_TRUE(q.Run(again).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 1);
}

TEST_F(WriteQueueTest, LoneCommitFailureReturnsTheError) {
  WriteQueue q(*writer_);
  sqlite3_commit_hook(writer_->db(), RefuseCommit, nullptr);
  auto unit = Insert(1);
  Status st = q.Run(unit);
  sqlite3_commit_hook(writer_->db(), nullptr, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 0);
}

TEST_F(WriteQueueTest, UnitThatEndsTheTransactionFailsTheUnitsBeforeItOnly) {
  // SQLite rolls the whole transaction back on some errors (disk full, I/O);
  // a unit running ROLLBACK itself has the same effect. Queued in this order:
  // an insert, the unit that ends the transaction, another insert.
  WriteQueue q(*writer_);
  std::vector<std::function<Status(Connection&)>> units;
  units.push_back([](Connection& c) { return Sql(c, "INSERT INTO t (id) VALUES (1)"); });
  units.push_back([](Connection& c) -> Status {
    (void)Sql(c, "ROLLBACK");
    return Status::Unavailable("disk full (simulated)");
  });
  units.push_back([](Connection& c) { return Sql(c, "INSERT INTO t (id) VALUES (2)"); });
  std::vector<Status> st = RunAsOneBatch(q, units);
  // The unit run before the roll-back is lost and told so ...
  EXPECT_EQ(st[0].code(), Status::Code::kUnavailable) << st[0].ToString();
  EXPECT_NE(st[0].message().find("write batch rolled back"), std::string::npos) << st[0].ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM t WHERE id = 1"), 0);
  // ... the unit that ended it gets its own error ...
  EXPECT_EQ(st[1].code(), Status::Code::kUnavailable);
  EXPECT_EQ(st[1].message(), "disk full (simulated)");
  // ... and the unit after it commits in a fresh transaction.
  EXPECT_TRUE(st[2].ok()) << st[2].ToString();
  EXPECT_EQ(Count("SELECT count(*) FROM t WHERE id = 2"), 1);
  EXPECT_EQ(q.stats().transactions, 3u);  // the blocker's, the lost one, the fresh one
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);
}

TEST_F(WriteQueueTest, BatchIsCapped) {
  WriteQueue q(*writer_, /*max_batch=*/2);
  std::vector<std::function<Status(Connection&)>> units;
  for (int i = 1; i <= 5; ++i) units.push_back(Insert(i));
  for (const Status& st : RunAsOneBatch(q, units)) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(q.stats().max_units, 2u);
  EXPECT_EQ(q.stats().transactions, 4u);  // blocker, then 2 + 2 + 1
  EXPECT_EQ(Count("SELECT count(*) FROM t"), 5);
}

TEST_F(WriteQueueTest, BeginFailureFailsTheUnitWithUnavailable) {
  auto other = MustOpen();
  ASSERT_TRUE(other->Exec("BEGIN IMMEDIATE", "lock").ok());
  auto writer = MustOpen(/*busy_timeout_ms=*/0);
  WriteQueue q(*writer);
  auto unit = Insert(1);
  Status st = q.Run(unit);
  EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  ASSERT_TRUE(other->Exec("ROLLBACK", "unlock").ok());
  EXPECT_TRUE(q.Run(unit).ok());
}

TEST_F(WriteQueueTest, ManyThreadsAllCommit) {
  WriteQueue q(*writer_);
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto unit = Insert(t * 1000 + i);
        if (!q.Run(unit).ok()) ++failures;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM t"), kThreads * kEach);
  EXPECT_EQ(q.stats().units, uint64_t{kThreads * kEach});
  // After the free-for-all the queue still batches: kThreads units queued
  // behind a blocker take exactly two more transactions.
  const WriteQueue::Stats before = q.stats();
  std::vector<std::function<Status(Connection&)>> units;
  for (int t = 0; t < kThreads; ++t) units.push_back(Insert(100'000 + t));
  for (const Status& st : RunAsOneBatch(q, units)) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(q.stats().transactions - before.transactions, 2u);
  EXPECT_EQ(q.stats().units - before.units, uint64_t{kThreads} + 1);
  EXPECT_EQ(Count("SELECT count(*) FROM t"), kThreads * kEach + kThreads);
}

TEST_F(WriteQueueTest, ExclusiveRunsOutsideBatches) {
  WriteQueue q(*writer_);
  auto unit = Insert(1);
  ASSERT_TRUE(q.Run(unit).ok());
  int64_t n = q.Exclusive([](Connection& c) -> int64_t {
    auto s = c.Prepare("SELECT count(*) FROM t");
    if (!s.ok() || !s->Step("count").ok()) return -1;
    return s->Int64(0);
  });
  EXPECT_EQ(n, 1);
  EXPECT_EQ(sqlite3_get_autocommit(writer_->db()), 1);
}

}  // namespace
}  // namespace csrd::store::sqlite
