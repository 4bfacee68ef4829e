// Schema migrations: recorded once, applied once, atomic, forward only.
#include "store/sqlite/migrations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "store/audit_sql.h"
#include "store/store_test_util.h"

namespace csrd::store::sqlite {
namespace {

std::unique_ptr<Connection> OpenConn(const std::string& path) {
  {
    std::ofstream touch(path, std::ios::app);  // Connection::Open never creates
  }
  auto c = Connection::Open(path, {});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

int64_t QueryInt(Connection& c, const char* sql) {
  auto s = c.Prepare(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return -1;
  auto row = s->Step("test");
  EXPECT_TRUE(row.ok() && *row) << sql;
  return s->Int64(0);
}

bool TableExists(Connection& c, const std::string& name) {
  auto s = c.Prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?");
  EXPECT_TRUE(s.ok());
  s->Bind(1, name);
  EXPECT_TRUE(s->Step("test").value());
  return s->Int64(0) == 1;
}

TEST(MigrationsTest, VersionsStartAtOneAndIncreaseByOne) {
  auto ms = SchemaMigrations();
  ASSERT_FALSE(ms.empty());
  for (size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(ms[i].version, static_cast<int>(i) + 1);
    EXPECT_NE(ms[i].sql, nullptr);
  }
}

TEST(MigrationsTest, OpenRecordsEveryMigrationAndReopenDoesNotRerun) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  ASSERT_NE(testing::MustOpen(path), nullptr);
  int64_t applied_at = 0;
  {
    auto c = OpenConn(path);
    EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM schema_migrations"),
              static_cast<int64_t>(SchemaMigrations().size()));
    EXPECT_EQ(QueryInt(*c, "SELECT max(version) FROM schema_migrations"),
              SchemaMigrations().back().version);
    applied_at = QueryInt(*c, "SELECT applied_at FROM schema_migrations WHERE version = 1");
    EXPECT_GT(applied_at, 0);
    for (const char* t : {"meta", "accounts", "users", "tokens", "throttles", "csrs",
                          "audit_events"}) {
      EXPECT_TRUE(TableExists(*c, t)) << t;
    }
  }
  // Re-running version 1 would fail on CREATE TABLE; a reopen must skip it.
  for (int i = 0; i < 2; ++i) {
    auto store = testing::MustOpen(path);
    ASSERT_NE(store, nullptr);
  }
  auto c = OpenConn(path);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(SchemaMigrations().size()));
  EXPECT_EQ(QueryInt(*c, "SELECT applied_at FROM schema_migrations WHERE version = 1"),
            applied_at);
}

// The SQLite query plan of sql, every step's detail joined by " | ". (Raw
// API: the connection's statement cache wants texts that outlive it.)
std::string QueryPlan(Connection& c, const std::string& sql) {
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(c.db(), explain.c_str(), -1, &s, nullptr), SQLITE_OK)
      << sqlite3_errmsg(c.db());
  std::string plan;
  while (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
    plan += " | ";
  }
  sqlite3_finalize(s);
  return plan;
}

// Version 3 on a database written by a version 2 build: the audit rows stay,
// the list reads them in the new order, and every filter's statement walks an
// index in that order (no table scan, no sort).
TEST(MigrationsTest, AuditIndexesOnAnUpgradedDatabase) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  {
    auto c = OpenConn(path);
    ASSERT_TRUE(ApplyMigrations(*c, SchemaMigrations().first(2), 100).ok());
    ASSERT_TRUE(c->Exec("INSERT INTO audit_events (time, account_id, user_id, user_name, action,"
                        " resource_id, remote_addr, request_id, outcome, detail) VALUES"
                        " (20, 'a', 'u', 'n', 'x', 'r1', '', 'first', 'success', ''),"
                        " (10, 'a', 'u', 'n', 'x', 'r2', '', 'second', 'success', '')",
                        "seed")
                    .ok());
  }
  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  AuditQuery q;
  auto page = store->ListAudit("a", q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].request_id, "first");  // by time, not by id
  EXPECT_EQ(page->total, 2);

  auto c = OpenConn(path);
  EXPECT_EQ(QueryInt(*c, "SELECT max(version) FROM schema_migrations"), 3);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                         " AND name = 'audit_by_account'"),
            0);
  for (int mask = 0; mask < 8; ++mask) {
    AuditQuery f;
    if (mask & 1) f.action = "x";
    if (mask & 2) f.resource_id = "r1";
    if (mask & 4) f.user_id = "u";
    const std::string plan = QueryPlan(*c, AuditSqlFor(f, SqlDialect::kSqlite).page);
    EXPECT_NE(plan.find((mask & 2) ? "audit_by_account_resource" : "audit_by_account_time"),
              std::string::npos)
        << mask << ": " << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << mask << ": " << plan;
  }
}

constexpr Migration kV1[] = {{1, "CREATE TABLE t (x INTEGER NOT NULL);"}};
constexpr Migration kV1V2[] = {{1, "CREATE TABLE t (x INTEGER NOT NULL);"},
                               {2, "ALTER TABLE t ADD COLUMN y INTEGER NOT NULL DEFAULT 7;"}};
constexpr Migration kV1Bad2[] = {
    {1, "CREATE TABLE t (x INTEGER NOT NULL);"},
    {2, "CREATE TABLE u (z INTEGER); INSERT INTO t (x) VALUES (99); THIS IS NOT SQL;"}};

TEST(MigrationsTest, AppendedMigrationAppliesOnlyTheNewOneAndKeepsRows) {
  testing::TempDir dir;
  auto c = OpenConn(dir.File("m.db"));
  ASSERT_TRUE(ApplyMigrations(*c, kV1, 100).ok());
  ASSERT_TRUE(c->Exec("INSERT INTO t (x) VALUES (1), (2)", "seed").ok());
  Status st = ApplyMigrations(*c, kV1V2, 200);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM t"), 2);
  EXPECT_EQ(QueryInt(*c, "SELECT sum(y) FROM t"), 14);
  EXPECT_EQ(QueryInt(*c, "SELECT applied_at FROM schema_migrations WHERE version = 1"), 100);
  EXPECT_EQ(QueryInt(*c, "SELECT applied_at FROM schema_migrations WHERE version = 2"), 200);
  ASSERT_TRUE(ApplyMigrations(*c, kV1V2, 300).ok());  // nothing left to do
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM schema_migrations"), 2);
}

TEST(MigrationsTest, FailedMigrationRollsBackWholeAndIsNotRecorded) {
  testing::TempDir dir;
  auto c = OpenConn(dir.File("m.db"));
  ASSERT_TRUE(ApplyMigrations(*c, kV1, 100).ok());
  ASSERT_TRUE(c->Exec("INSERT INTO t (x) VALUES (1)", "seed").ok());
  Status st = ApplyMigrations(*c, kV1Bad2, 200);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(TableExists(*c, "u"));
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM t"), 1);  // the insert rolled back too
  EXPECT_EQ(QueryInt(*c, "SELECT max(version) FROM schema_migrations"), 1);
  // A fixed release applies cleanly afterwards.
  EXPECT_TRUE(ApplyMigrations(*c, kV1V2, 300).ok());
}

TEST(MigrationsTest, NewerDatabaseIsRefused) {
  testing::TempDir dir;
  auto c = OpenConn(dir.File("m.db"));
  ASSERT_TRUE(ApplyMigrations(*c, kV1V2, 100).ok());
  Status st = ApplyMigrations(*c, kV1, 200);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition) << st.ToString();
}

TEST(MigrationsTest, ConcurrentOpenersMigrateOnce) {
  testing::TempDir dir;
  for (int round = 0; round < 5; ++round) {
  const std::string path = dir.File("race" + std::to_string(round) + ".db");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Store>> stores(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto r = OpenSqliteStore(path);
      if (!r.ok()) {
        ADD_FAILURE() << r.status().ToString();
        failures++;
        return;
      }
      stores[i] = std::move(r).value();
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  auto c = OpenConn(path);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(SchemaMigrations().size()));
  for (auto& s : stores) EXPECT_TRUE(s->Ping().ok());
  }
}

}  // namespace
}  // namespace csrd::store::sqlite
