// SqliteStore under group commit: many threads writing at once (creates,
// renames, deletes, quota, duplicate ids, one-time keys, throttles), every
// answer right and every change still there after a reopen.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "store/metered_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MakeAudit;
using testing::MakeCsr;

constexpr int kThreads = 12;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("csrd.db");
    store_ = testing::MustOpen(path_);
    ASSERT_NE(store_, nullptr);
    a_ = MakeAccount("a");
    ASSERT_TRUE(store_->CreateAccount(a_).ok());
  }

  void Reopen() {
    store_.reset();
    store_ = testing::MustOpen(path_);
    ASSERT_NE(store_, nullptr);
  }

  // Runs fn(thread index) on kThreads threads started together.
  template <typename Fn>
  static void Together(Fn fn) {
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
      ts.emplace_back([&, t] {
        while (!go) std::this_thread::yield();
        fn(t);
      });
    }
    go = true;
    for (auto& th : ts) th.join();
  }

  int64_t AuditTotal() {
    AuditQuery q;
    q.limit = 0;
    auto page = store_->ListAudit(a_.id, q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->total : -1;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  Account a_;
};

TEST_F(GroupCommitTest, ConcurrentCreatesRenamesDeletesAllLandAndSurviveReopen) {
  constexpr int kEach = 30;
  std::mutex mu;
  std::map<std::string, std::string> expect;  // id -> name; "" = deleted
  std::atomic<int> errors{0};
  std::atomic<int64_t> audits{0};
  std::atomic<uint64_t> writes{0};  // store write calls, each one unit
  auto* sq = dynamic_cast<sqlite::SqliteStore*>(store_.get());
  ASSERT_NE(sq, nullptr);
  const auto before = sq->write_stats();
  Together([&](int t) {
    for (int i = 0; i < kEach; ++i) {
      Csr c = MakeCsr(a_.id, "t" + std::to_string(t) + "-" + std::to_string(i), 1000 + i);
      AuditEvent ev = MakeAudit(a_.id, c.id, 1000 + i);
      ++writes;
      if (!store_->InsertCsr(c, 0, &ev).ok()) {
        ++errors;
        continue;
      }
      ++audits;
      std::string name = c.name;
      if (i % 2 == 0) {
        name += "-renamed";
        ++writes;
        auto r = store_->RenameCsr(a_.id, c.id, name, 2000 + i, &ev);
        if (!r.ok() || r->name != name || r->update_time != 2000 + i) ++errors;
        ++audits;
      }
      if (i % 3 == 0) {
        writes += 2;  // this delete and the next
        if (!store_->DeleteCsr(a_.id, c.id, &ev).ok()) ++errors;
        ++audits;
        // A second delete of the same row fails alone.
        if (store_->DeleteCsr(a_.id, c.id, &ev).code() != Status::Code::kNotFound) ++errors;
        name.clear();
      }
      std::lock_guard<std::mutex> lock(mu);
      expect[c.id] = name;
    }
  });
  EXPECT_EQ(errors, 0);
  const auto stats = sq->write_stats();
  // Every write went through the queue as exactly one unit, refused ones too.
  EXPECT_EQ(stats.units - before.units, writes.load());
  // Not asserted (timing): how much the writes were batched here.
  std::cout << "[ info ] " << stats.units << " write units in " << stats.transactions
            << " transactions, largest batch " << stats.max_units << "\n";

  Reopen();
  int64_t live = 0;
  for (const auto& [id, name] : expect) {
    auto got = store_->GetCsr(a_.id, id);
    if (name.empty()) {
      EXPECT_EQ(got.status().code(), Status::Code::kNotFound) << id;
    } else {
      ASSERT_TRUE(got.ok()) << id << ": " << got.status().ToString();
      EXPECT_EQ(got->name, name);
      ++live;
    }
  }
  EXPECT_EQ(static_cast<int>(expect.size()), kThreads * kEach);
  auto n = store_->CountCsrs(a_.id);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, live);
  EXPECT_EQ(AuditTotal(), audits.load());
}

TEST_F(GroupCommitTest, AccountCapHoldsUnderConcurrentInserts) {
  constexpr int kEach = 5, kCap = 17;
  std::atomic<int> ok{0}, refused{0}, other{0};
  Together([&](int t) {
    for (int i = 0; i < kEach; ++i) {
      Csr c = MakeCsr(a_.id, "c" + std::to_string(t * 100 + i), 1000);
      AuditEvent ev = MakeAudit(a_.id, c.id, 1000);
      Status st = store_->InsertCsr(c, kCap, &ev);
      if (st.ok()) {
        ++ok;
      } else if (st.code() == Status::Code::kResourceExhausted) {
        ++refused;
      } else {
        ++other;
      }
    }
  });
  EXPECT_EQ(ok, kCap);
  EXPECT_EQ(refused, kThreads * kEach - kCap);
  EXPECT_EQ(other, 0);
  Reopen();
  EXPECT_EQ(*store_->CountCsrs(a_.id), kCap);
  EXPECT_EQ(AuditTotal(), kCap);  // a refused insert leaves no audit row
}

TEST_F(GroupCommitTest, DuplicateIdFailsAloneWhileOthersCommit) {
  const Csr dup = MakeCsr(a_.id, "dup", 1000);
  std::atomic<int> dup_ok{0}, dup_exists{0}, own_ok{0};
  Together([&](int t) {
    AuditEvent ev = MakeAudit(a_.id, dup.id, 1000);
    Status st = store_->InsertCsr(dup, 0, &ev);
    if (st.ok()) ++dup_ok;
    if (st.code() == Status::Code::kAlreadyExists) ++dup_exists;
    Csr mine = MakeCsr(a_.id, "own" + std::to_string(t), 1000);
    if (store_->InsertCsr(mine, 0, &ev).ok()) ++own_ok;
  });
  EXPECT_EQ(dup_ok, 1);
  EXPECT_EQ(dup_exists, kThreads - 1);
  EXPECT_EQ(own_ok, kThreads);
  Reopen();
  EXPECT_EQ(*store_->CountCsrs(a_.id), kThreads + 1);
  EXPECT_EQ(AuditTotal(), 1 + kThreads);  // the failed duplicates left none
}

TEST_F(GroupCommitTest, OneTimeKeyIsFreshForExactlyOneCaller) {
  std::atomic<int> fresh{0}, errors{0};
  Together([&](int) {
    for (int i = 0; i < 20; ++i) {
      auto r = store_->RememberOnce("sig:" + std::to_string(i), 1000, 5000);
      if (!r.ok()) {
        ++errors;
      } else if (*r) {
        ++fresh;
      }
    }
  });
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(fresh, 20);
}

TEST_F(GroupCommitTest, ThrottleCountsEveryConcurrentFailure) {
  constexpr int kThreshold = 1000;  // never reached: every failure is counted
  std::atomic<int> errors{0};
  Together([&](int) {
    for (int i = 0; i < 5; ++i) {
      if (!store_->RecordFailure("login:x", 1000, 60000, kThreshold, 1000).ok()) ++errors;
    }
  });
  EXPECT_EQ(errors, 0);
  Reopen();
  auto t = store_->GetThrottle("login:x");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->failures, kThreads * 5);
}

TEST_F(GroupCommitTest, BootstrapIfEmptyInsertsOnceUnderRace) {
  testing::TempDir dir;
  auto fresh_store = testing::MustOpen(dir.File("b.db"));
  ASSERT_NE(fresh_store, nullptr);
  std::atomic<int> inserted{0}, errors{0};
  Together([&](int t) {
    Account acc = MakeAccount("acct" + std::to_string(t));
    User u = testing::MakeUser(acc.id, "admin");
    auto r = fresh_store->BootstrapIfEmpty(acc, u);
    if (!r.ok()) {
      ++errors;
    } else if (*r) {
      ++inserted;
    }
  });
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(inserted, 1);
  EXPECT_EQ(fresh_store->ListAccounts()->size(), 1u);
}

TEST_F(GroupCommitTest, NoReaderConnectionsStillWorks) {
  store_.reset();
  SqliteOptions o;
  o.reader_connections = 0;
  store_ = testing::MustOpen(path_, o);
  ASSERT_NE(store_, nullptr);
  std::atomic<int> errors{0};
  Together([&](int t) {
    for (int i = 0; i < 5; ++i) {
      Csr c = MakeCsr(a_.id, "r" + std::to_string(t * 10 + i), 1000);
      if (!store_->InsertCsr(c, 0).ok()) ++errors;
      if (!store_->GetCsr(a_.id, c.id).ok()) ++errors;  // reads its own write
      if (!store_->ListCsrs(a_.id, testing::Q("", "", 5)).ok()) ++errors;
    }
  });
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(*store_->CountCsrs(a_.id), kThreads * 5);
}

TEST_F(GroupCommitTest, WriteStatsCountUnitsAndTransactions) {
  auto before = SqliteWriteStatsOf(*store_);
  ASSERT_TRUE(before.has_value());
  Csr c = MakeCsr(a_.id, "s", 1000);
  ASSERT_TRUE(store_->InsertCsr(c, 0).ok());
  EXPECT_EQ(store_->DeleteCsr(a_.id, "missing").code(), Status::Code::kNotFound);
  auto after = SqliteWriteStatsOf(*store_);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->units - before->units, 2u);  // a refused write is a unit too
  EXPECT_EQ(after->transactions - before->transactions, 2u);  // one at a time here
  // Any other Store (a decorator too) has none; the store it wraps has.
  metrics::Registry registry;
  MeteredStore metered(testing::MustOpen(dir_.File("other.db")), &registry);
  EXPECT_FALSE(SqliteWriteStatsOf(metered).has_value());
  EXPECT_EQ(SqliteWriteStatsOf(metered.inner())->units, 0u);
}

}  // namespace
}  // namespace csrd::store
