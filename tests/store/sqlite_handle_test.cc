// The sqlite3 RAII layer: error mapping, binding, statement cache, transactions.
#include "store/sqlite/sqlite_handle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "store/store_test_util.h"

namespace csrd::store::sqlite {
namespace {

TEST(ErrorStatusTest, MapsCodes) {
  using C = Status::Code;
  struct Case {
    int rc;
    C code;
  } cases[] = {
      {SQLITE_BUSY, C::kUnavailable},
      {SQLITE_BUSY_SNAPSHOT, C::kUnavailable},
      {SQLITE_LOCKED, C::kUnavailable},
      {SQLITE_FULL, C::kUnavailable},
      {SQLITE_READONLY, C::kUnavailable},
      {SQLITE_READONLY_DBMOVED, C::kUnavailable},
      {SQLITE_IOERR, C::kUnavailable},
      {SQLITE_IOERR_FSYNC, C::kUnavailable},
      {SQLITE_CANTOPEN, C::kUnavailable},
      {SQLITE_NOMEM, C::kUnavailable},
      {SQLITE_CONSTRAINT_UNIQUE, C::kAlreadyExists},
      {SQLITE_CONSTRAINT_PRIMARYKEY, C::kAlreadyExists},
      {SQLITE_CONSTRAINT_FOREIGNKEY, C::kNotFound},
      {SQLITE_CONSTRAINT_NOTNULL, C::kInternal},
      {SQLITE_CONSTRAINT_CHECK, C::kInternal},
      {SQLITE_CORRUPT, C::kCorruption},
      {SQLITE_NOTADB, C::kCorruption},
      {SQLITE_ERROR, C::kInternal},
      {SQLITE_MISUSE, C::kInternal},
  };
  for (const Case& c : cases) {
    Status st = ErrorStatus(c.rc, "op", nullptr);
    EXPECT_EQ(st.code(), c.code) << "rc=" << c.rc << " " << st.ToString();
  }
  Status st = ErrorStatus(SQLITE_BUSY, "insert csr", "database is locked");
  EXPECT_EQ(st.message(), "sqlite: insert csr: database is locked");
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("h.db");
    std::ofstream(path_, std::ios::app).close();
    auto c = Connection::Open(path_, {});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(c).value();
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, b BLOB)", "ddl").ok());
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(ConnectionTest, EmptyStringIsNotNull) {
  {
    auto s = conn_->Prepare("INSERT INTO t (k, v, b) VALUES (?, ?, ?)");
    ASSERT_TRUE(s.ok());
    s->Bind(1, std::string_view("a")).Bind(2, std::string_view()).BindBlob(3, std::string_view());
    ASSERT_TRUE(s->Run("insert").ok());
  }
  {
    auto s = conn_->Prepare("INSERT INTO t (k, v, b) VALUES (?, ?, ?)");
    ASSERT_TRUE(s.ok());
    s->Bind(1, std::string_view("b")).Bind(2, "x").BindBlob(3, std::optional<std::string>());
    ASSERT_TRUE(s->Run("insert").ok());
  }
  auto q = conn_->Prepare("SELECT v IS NULL, b IS NULL, v, b FROM t ORDER BY k");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->Step("q").value());
  EXPECT_EQ(q->Int64(0), 0);  // "" stays ""
  EXPECT_EQ(q->Int64(1), 0);
  EXPECT_EQ(q->Text(2), "");
  ASSERT_TRUE(q->Blob(3).has_value());
  EXPECT_EQ(*q->Blob(3), "");
  ASSERT_TRUE(q->Step("q").value());
  EXPECT_EQ(q->Int64(1), 1);  // nullopt is NULL
  EXPECT_FALSE(q->Blob(3).has_value());
  EXPECT_FALSE(q->Step("q").value());
}

TEST_F(ConnectionTest, CachedStatementIsResetAndUnboundAfterUse) {
  const char* sql = "SELECT ?1 IS NULL";
  {
    auto s = conn_->Prepare(sql);
    ASSERT_TRUE(s.ok());
    s->Bind(1, int64_t{5});
    ASSERT_TRUE(s->Step("q").value());
    EXPECT_EQ(s->Int64(0), 0);
    // Left mid-result on purpose: the scope end must reset it.
  }
  auto s = conn_->Prepare(sql);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->Step("q").value());
  EXPECT_EQ(s->Int64(0), 1);  // the old binding is gone
}

TEST_F(ConnectionTest, ConstraintErrorsMapAndNameNoValues) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO t (k) VALUES ('secret-value')", "seed").ok());
  auto s = conn_->Prepare("INSERT INTO t (k) VALUES (?)");
  ASSERT_TRUE(s.ok());
  s->Bind(1, std::string_view("secret-value"));
  Status st = s->Run("insert t");
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_EQ(st.message().find("secret-value"), std::string::npos) << st.message();
}

TEST_F(ConnectionTest, PrepareErrorIsReported) {
  auto s = conn_->Prepare("SELEKT nonsense");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInternal);
}

TEST_F(ConnectionTest, WriteTxnRollsBackUnlessCommitted) {
  {
    WriteTxn txn(*conn_);
    ASSERT_TRUE(txn.Begin().ok());
    ASSERT_TRUE(conn_->Exec("INSERT INTO t (k) VALUES ('gone')", "ins").ok());
  }
  {
    WriteTxn txn(*conn_);
    ASSERT_TRUE(txn.Begin().ok());
    ASSERT_TRUE(conn_->Exec("INSERT INTO t (k) VALUES ('kept')", "ins").ok());
    ASSERT_TRUE(txn.Commit().ok());
  }
  auto q = conn_->Prepare("SELECT group_concat(k) FROM t");
  ASSERT_TRUE(q->Step("q").value());
  EXPECT_EQ(q->Text(0), "kept");
  EXPECT_NE(sqlite3_get_autocommit(conn_->db()), 0);
}

// The SQL text of every statement prepared on c, sorted: what the cache holds
// (sqlite3_exec finalizes its statements, so they never show up here).
std::vector<std::string> PreparedSql(Connection& c) {
  std::vector<std::string> out;
  for (sqlite3_stmt* s = sqlite3_next_stmt(c.db(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(c.db(), s)) {
    out.emplace_back(sqlite3_sql(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A read transaction sees one snapshot, ends on scope exit, and its BEGIN and
// ROLLBACK are cached statements: many reads compile nothing new.
TEST_F(ConnectionTest, ReadTxnIsOneSnapshotWithCachedStatements) {
  ASSERT_TRUE(conn_->Exec("PRAGMA journal_mode=WAL", "wal").ok());
  ASSERT_TRUE(conn_->Exec("INSERT INTO t (k) VALUES ('a')", "ins").ok());
  auto writer = Connection::Open(path_, {});
  ASSERT_TRUE(writer.ok());
  auto rows = [this] {
    auto q = conn_->Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(q.ok());
    EXPECT_TRUE(q->Step("q").value());
    return q->Int64(0);
  };
  ASSERT_TRUE(PreparedSql(*conn_).empty());
  for (int i = 0; i < 5; ++i) {
    {
      ReadTxn txn(*conn_);
      ASSERT_TRUE(txn.Begin().ok());
      EXPECT_TRUE(conn_->InTransaction());
      const int64_t before = rows();
      ASSERT_TRUE((*writer)->Exec("INSERT INTO t (k) VALUES (hex(randomblob(8)))", "ins").ok());
      EXPECT_EQ(rows(), before);  // the other connection's commit is not seen inside
    }
    EXPECT_FALSE(conn_->InTransaction());  // ended
    // Exactly these, every round: BEGIN and ROLLBACK are cached, not re-run
    // through sqlite3_exec, and nothing else accumulates.
    EXPECT_EQ(PreparedSql(*conn_),
              (std::vector<std::string>{"BEGIN", "ROLLBACK", "SELECT count(*) FROM t"}))
        << "round " << i;
  }
  EXPECT_EQ(rows(), 6);  // seen once the transaction is over
}

// WriteTxn's BEGIN IMMEDIATE, COMMIT and (on scope exit) ROLLBACK are cached
// statements too.
TEST_F(ConnectionTest, WriteTxnUsesCachedStatements) {
  for (int i = 0; i < 3; ++i) {
    {
      WriteTxn committed(*conn_);
      ASSERT_TRUE(committed.Begin().ok());
      ASSERT_TRUE(conn_->RunCached("INSERT INTO t (k) VALUES (hex(randomblob(8)))", "ins").ok());
      ASSERT_TRUE(committed.Commit().ok());
    }
    {
      WriteTxn dropped(*conn_);
      ASSERT_TRUE(dropped.Begin().ok());
      EXPECT_TRUE(conn_->InTransaction());
    }
    EXPECT_FALSE(conn_->InTransaction());
    EXPECT_EQ(PreparedSql(*conn_),
              (std::vector<std::string>{"BEGIN IMMEDIATE", "COMMIT",
                                        "INSERT INTO t (k) VALUES (hex(randomblob(8)))",
                                        "ROLLBACK"}))
        << "round " << i;
  }
  auto q = conn_->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(q->Step("q").value());
  EXPECT_EQ(q->Int64(0), 3);
}

// The transaction helpers of Connection on their own.
TEST_F(ConnectionTest, RunCachedAndRollBackIfOpen) {
  conn_->RollBackIfOpen();  // nothing open: a no-op
  EXPECT_FALSE(conn_->InTransaction());
  ASSERT_TRUE(conn_->RunCached("BEGIN", "begin").ok());
  EXPECT_TRUE(conn_->InTransaction());
  ASSERT_TRUE(conn_->RunCached("INSERT INTO t (k) VALUES ('x')", "ins").ok());
  conn_->RollBackIfOpen();
  EXPECT_FALSE(conn_->InTransaction());
  auto q = conn_->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(q->Step("q").value());
  EXPECT_EQ(q->Int64(0), 0);  // the insert was rolled back
  Status st = conn_->RunCached("COMMIT", "commit");  // none open
  EXPECT_EQ(st.code(), Status::Code::kInternal) << st.ToString();
  EXPECT_NE(st.message().find("commit"), std::string::npos) << st.message();
}

TEST_F(ConnectionTest, SecondWriterIsBusyNotBlockedForever) {
  ConnectionOptions quick;
  quick.busy_timeout_ms = 50;
  auto other = Connection::Open(path_, quick);
  ASSERT_TRUE(other.ok());
  WriteTxn held(*conn_);
  ASSERT_TRUE(held.Begin().ok());
  WriteTxn blocked(**other);
  Status st = blocked.Begin();
  EXPECT_TRUE(st.IsUnavailable()) << st.ToString();
}

TEST_F(ConnectionTest, ReadOnlyConnectionRefusesWrites) {
  ConnectionOptions ro;
  ro.read_only = true;
  auto r = Connection::Open(path_, ro);
  ASSERT_TRUE(r.ok());
  Status st = (*r)->Exec("INSERT INTO t (k) VALUES ('x')", "ins");
  EXPECT_FALSE(st.ok());
}

TEST(ConnectionOpenTest, RejectsUnknownSynchronousAndMissingFile) {
  testing::TempDir dir;
  ConnectionOptions o;
  o.synchronous = "OFF";
  EXPECT_TRUE(Connection::Open(dir.File("x.db"), o).status().IsInvalidArgument());
  auto missing = Connection::Open(dir.File("missing.db"), {});  // never creates
  EXPECT_TRUE(missing.status().IsUnavailable()) << missing.status().ToString();
}

}  // namespace
}  // namespace csrd::store::sqlite
