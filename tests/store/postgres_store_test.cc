// PostgresStore behaviour beyond the shared contract (store_contract_*):
// several stores on one database acting as replicas, migrations under
// concurrent opens, error mapping and secrecy, timeouts, and recovery from a
// database outage without reopening. Needs CSRD_TEST_PG_URL (skipped
// otherwise); the outage test also starts a private cluster with
// scripts/pg-cluster.sh.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_test_util.h"
#include "store/postgres/migrations.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::FreshPgDatabase;
using testing::MakeAccount;
using testing::MakeCsr;
using testing::MakeToken;
using testing::MakeUser;
using testing::PgSession;
using Clock = std::chrono::steady_clock;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::PgTestUrl();
    if (url_.empty()) GTEST_SKIP() << testing::kNoPgUrl;
    db_ = std::make_unique<FreshPgDatabase>(url_);
    ASSERT_TRUE(db_->ok()) << db_->error();
  }

  std::unique_ptr<Store> Open(const PostgresOptions& o = {}) {
    auto r = OpenPostgresStore(db_->url(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::string url_;
  std::unique_ptr<FreshPgDatabase> db_;
};

TEST_F(PgStoreTest, TwoStoresOnOneDatabaseSeeEachOthersWritesAtOnce) {
  auto s1 = Open();
  auto s2 = Open();
  ASSERT_TRUE(s1 && s2);
  Account a = MakeAccount("default");
  ASSERT_TRUE(s1->CreateAccount(a).ok());
  User u = MakeUser(a.id, "admin");
  ASSERT_TRUE(s2->CreateUser(u).ok());
  EXPECT_TRUE(s1->GetUserById(u.id).ok());

  Csr c = MakeCsr(a.id, "web", 1);
  ASSERT_TRUE(s1->InsertCsr(c, 0).ok());
  auto seen = s2->GetCsr(a.id, c.id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(*seen->sealed_key, *c.sealed_key);
  ASSERT_TRUE(s2->RenameCsr(a.id, c.id, "renamed", 2).ok());
  EXPECT_EQ(s1->GetCsr(a.id, c.id)->name, "renamed");

  Token t = MakeToken(u, 1, 1'000'000);
  ASSERT_TRUE(s1->InsertToken(t).ok());
  ASSERT_TRUE(s2->SetUserPassword(u.id, "$h2", 5).ok());
  EXPECT_TRUE(s1->GetToken(t.token_hash)->revoked);  // revocation reaches every replica

  // Replay protection, the quota and throttles hold across replicas.
  std::atomic<int> fresh{0};
  std::atomic<int> inserted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    Store* s = i % 2 == 0 ? s1.get() : s2.get();
    threads.emplace_back([&, s, i] {
      auto once = s->RememberOnce("sig:x", 10, 20);
      EXPECT_TRUE(once.ok()) << once.status().ToString();
      if (once.ok() && *once) ++fresh;
      if (s->InsertCsr(MakeCsr(a.id, "q" + std::to_string(i), i), 5).ok()) ++inserted;
      EXPECT_TRUE(s->RecordFailure("login:x", 10, 60'000, 100, 1000).ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(inserted.load(), 4);  // 1 CSR already there, cap 5
  EXPECT_EQ(s1->CountCsrs(a.id).value(), 5);
  EXPECT_EQ(s2->GetThrottle("login:x")->failures, 8);
}

TEST_F(PgStoreTest, ConcurrentOpensMigrateExactlyOnce) {
  std::vector<std::unique_ptr<Store>> stores(4);
  std::vector<Status> results(4);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < 4) std::this_thread::yield();
      auto r = OpenPostgresStore(db_->url());
      results[static_cast<size_t>(i)] = r.status();
      if (r.ok()) stores[static_cast<size_t>(i)] = std::move(r).value();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();

  PgSession db(db_->url());
  ASSERT_TRUE(db.ok()) << db.error();
  const std::string versions = std::to_string(postgres::SchemaMigrations().size());
  EXPECT_EQ(db.Exec("SELECT count(*) FROM schema_migrations").value_or("?"), versions);
  EXPECT_EQ(db.Exec("SELECT count(DISTINCT version) FROM schema_migrations").value_or("?"),
            versions);
  EXPECT_EQ(db.Exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").value_or("?"),
            "0");  // every opener released the migration lock
  for (auto& s : stores) {
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->Ping().ok());
  }
  Account a = MakeAccount("default");
  ASSERT_TRUE(stores[0]->CreateAccount(a).ok());
  EXPECT_TRUE(stores[3]->GetAccountById(a.id).ok());
  // Reopening a current database changes nothing.
  ASSERT_NE(Open(), nullptr);
  EXPECT_EQ(db.Exec("SELECT count(*) FROM schema_migrations").value_or("?"), versions);
}

// Version 2 on a database written by a version 1 build (issue 5): the audit
// rows stay and are listed in the new order, through the new index.
TEST_F(PgStoreTest, AuditIndexesOnAnUpgradedDatabase) {
  {
    PgSession db(db_->url());
    ASSERT_TRUE(db.ok()) << db.error();
    ASSERT_TRUE(db.Exec(std::string("BEGIN;") + postgres::SchemaMigrations()[0].sql +
                        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY,"
                        " applied_at BIGINT NOT NULL);"
                        "INSERT INTO schema_migrations VALUES (1, 100);"
                        "INSERT INTO audit_events (time, account_id, user_id, user_name, action,"
                        " resource_id, remote_addr, request_id, outcome, detail) VALUES"
                        " (20, 'a', 'u', 'n', 'x', 'r1', '', 'first', 'success', ''),"
                        " (10, 'a', 'u', 'n', 'x', 'r2', '', 'second', 'success', '');"
                        "COMMIT")
                    .has_value());
  }
  auto s = Open();
  ASSERT_NE(s, nullptr);
  AuditQuery q;
  auto page = s->ListAudit("a", q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].request_id, "first");  // by time, not by id
  EXPECT_EQ(page->total, 2);
  q.resource_id = "r2";
  page = s->ListAudit("a", q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].request_id, "second");

  PgSession db(db_->url());
  EXPECT_EQ(db.Exec("SELECT max(version) FROM schema_migrations").value_or("?"),
            std::to_string(postgres::SchemaMigrations().back().version));
  EXPECT_EQ(db.Exec("SELECT count(*) FROM pg_indexes WHERE tablename = 'audit_events'"
                    " AND indexname IN ('audit_by_account_time', 'audit_by_account_resource')")
                .value_or("?"),
            "2");
  EXPECT_EQ(db.Exec("SELECT count(*) FROM pg_indexes WHERE indexname = 'audit_by_account'")
                .value_or("?"),
            "0");
}

TEST_F(PgStoreTest, NewerSchemaIsRefused) {
  ASSERT_NE(Open(), nullptr);
  PgSession db(db_->url());
  ASSERT_TRUE(db.Exec("INSERT INTO schema_migrations VALUES (999, 0)").has_value());
  auto r = OpenPostgresStore(db_->url());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition) << r.status().ToString();
}

TEST_F(PgStoreTest, TextIsNeverSilentlyTruncated) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  Account a = MakeAccount("default");
  ASSERT_TRUE(s->CreateAccount(a).ok());
  // A NUL inside text would be cut short by a C-string parameter: refused instead.
  Csr nul = MakeCsr(a.id, std::string("ab\0cd", 5), 1);
  Status st = s->InsertCsr(nul, 0);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  Csr bad_utf8 = MakeCsr(a.id, "\xff\xfe", 1);
  st = s->InsertCsr(bad_utf8, 0);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_EQ(s->CountCsrs(a.id).value(), 0);
  EXPECT_TRUE(s->Ping().ok());  // the connection is still good
}

TEST_F(PgStoreTest, PasswordNeverAppearsInErrors) {
  const std::string secret = "Sup3r-S3cret-pw";
  // Port 1 on loopback refuses at once.
  for (const std::string& url :
       {"postgresql://postgres:" + secret + "@127.0.0.1:1/db",
        "postgresql://postgres@127.0.0.1:1/db?password=" + secret,
        "postgresql://postgres:" + secret + "@127.0.0.1:notaport/db",
        "postgresql://postgres:" + secret + "@127.0.0.1:1/db?bogus_option=1"}) {
    auto r = OpenPostgresStore(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_TRUE(r.status().IsUnavailable() || r.status().IsInvalidArgument())
        << r.status().ToString();
    EXPECT_EQ(r.status().message().find(secret), std::string::npos) << r.status().ToString();
  }
}

TEST_F(PgStoreTest, ErrorsNeverQuoteBoundValues) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  Account a = MakeAccount("value-that-must-not-leak");
  ASSERT_TRUE(s->CreateAccount(a).ok());
  Status dup = s->CreateAccount(a);
  ASSERT_TRUE(dup.IsAlreadyExists()) << dup.ToString();
  EXPECT_EQ(dup.message().find("value-that-must-not-leak"), std::string::npos) << dup.ToString();
  EXPECT_EQ(dup.message().find(a.id), std::string::npos) << dup.ToString();
  Status fk = s->CreateUser(MakeUser("ghost-account-id", "x"));
  ASSERT_TRUE(fk.IsNotFound()) << fk.ToString();
  EXPECT_EQ(fk.message().find("ghost-account-id"), std::string::npos) << fk.ToString();
}

TEST_F(PgStoreTest, StatementAndAcquireTimeoutsAnswerUnavailable) {
  PostgresOptions o;
  o.pool_size = 1;
  o.statement_timeout_ms = 1500;
  o.acquire_timeout_ms = 200;
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  Account a = MakeAccount("default");
  ASSERT_TRUE(s->CreateAccount(a).ok());

  // Another session holds the account row, so a capped insert waits for it.
  PgSession holder(db_->url());
  ASSERT_TRUE(holder.Exec("BEGIN").has_value());
  ASSERT_TRUE(holder.Exec("SELECT 1 FROM accounts WHERE id = '" + a.id + "' FOR UPDATE"));

  Status blocked;
  double blocked_s = 0;
  std::thread t([&] {
    auto start = Clock::now();
    blocked = s->InsertCsr(MakeCsr(a.id, "x", 1), 10);
    blocked_s = std::chrono::duration<double>(Clock::now() - start).count();
  });
  PgSession watcher(db_->url());
  EXPECT_TRUE(watcher.WaitForLockWaiters(1, std::chrono::seconds(10)));
  auto start = Clock::now();
  Status waiting = s->Ping();  // the only connection is busy
  double waited_s = std::chrono::duration<double>(Clock::now() - start).count();
  t.join();
  EXPECT_TRUE(waiting.IsUnavailable()) << waiting.ToString();
  EXPECT_LT(waited_s, 1.0);
  EXPECT_TRUE(blocked.IsUnavailable()) << blocked.ToString();
  EXPECT_LT(blocked_s, 5.0);
  ASSERT_TRUE(holder.Exec("ROLLBACK").has_value());

  EXPECT_TRUE(s->Ping().ok());
  EXPECT_TRUE(s->InsertCsr(MakeCsr(a.id, "y", 1), 10).ok());
  EXPECT_EQ(s->CountCsrs(a.id).value(), 1);  // the timed-out insert left nothing
}

TEST_F(PgStoreTest, DeadlockVictimIsRetriedNotReported) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  Account a = MakeAccount("default");
  ASSERT_TRUE(s->CreateAccount(a).ok());
  User u = MakeUser(a.id, "alice");
  ASSERT_TRUE(s->CreateUser(u).ok());
  Token t = MakeToken(u, 1, 1'000'000);
  ASSERT_TRUE(s->InsertToken(t).ok());

  // The other session takes the token row first; the store's password change
  // takes the user row and waits for the token; the other session then waits
  // for the user row. The store's backend waited first, so its deadlock check
  // fires first and picks it as the victim (after deadlock_timeout, 1 s).
  PgSession other(db_->url());
  ASSERT_TRUE(other.Exec("BEGIN").has_value());
  ASSERT_TRUE(other.Exec("UPDATE tokens SET expires_at = expires_at WHERE user_id = '" + u.id +
                         "'"));
  Status changed;
  std::thread store_side([&] { changed = s->SetUserPassword(u.id, "$h2", 5); });
  PgSession watcher(db_->url());
  EXPECT_TRUE(watcher.WaitForLockWaiters(1, std::chrono::seconds(10)));  // the store waits
  auto waited = Clock::now();
  ASSERT_TRUE(other.Exec("UPDATE users SET roles = 7 WHERE id = '" + u.id + "'"));
  const double other_waited_s = std::chrono::duration<double>(Clock::now() - waited).count();
  ASSERT_TRUE(other.Exec("COMMIT").has_value());
  store_side.join();

  EXPECT_GT(other_waited_s, 0.3) << "no lock cycle formed";
  EXPECT_TRUE(changed.ok()) << changed.ToString();  // retried after the deadlock
  EXPECT_TRUE(s->GetToken(t.token_hash)->revoked);
  auto user = s->GetUserById(u.id);
  EXPECT_EQ(user->password_hash, "$h2");
  EXPECT_EQ(user->roles, 7u);  // the other session's write stands too
}

TEST_F(PgStoreTest, TerminatedSessionsAreReplacedTransparently) {
  PostgresOptions o;
  o.pool_size = 3;
  auto s = Open(o);
  ASSERT_NE(s, nullptr);
  // Fill the pool with idle sessions.
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&] { EXPECT_TRUE(s->Ping().ok()); });
  for (auto& t : threads) t.join();
  PgSession admin(db_->url());
  ASSERT_TRUE(admin.Exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 5; ++i) {
    Status st = s->Ping();
    EXPECT_TRUE(st.ok()) << "call " << i << ": " << st.ToString();
  }
}

}  // namespace
}  // namespace csrd::store
