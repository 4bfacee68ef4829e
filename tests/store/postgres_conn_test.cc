// The libpq layer under PostgresStore: connection specs (pure), binary
// parameters and results, error mapping, the pool, and the migrations runner.
// Server-backed tests need CSRD_TEST_PG_URL (skipped otherwise).
#include "store/postgres/pg_conn.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/pg_test_util.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pg_pool.h"

namespace csrd::store::postgres {
namespace {

std::string ValueOf(const ConnectSpec& spec, const std::string& kw) {
  std::string out = "<unset>";
  for (size_t i = 0; i < spec.keywords.size(); ++i) {
    if (spec.keywords[i] == kw) out = spec.values[i];
  }
  return out;
}

TEST(ConnectSpecTest, AddsTimeoutsUnlessTheUrlSetsThem) {
  auto spec = MakeConnectSpec("postgresql://u:pw@h:5/db", 3, 5000);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->keywords.at(0), "dbname");  // the URL first, expanded by libpq
  EXPECT_EQ(spec->values.at(0), "postgresql://u:pw@h:5/db");
  EXPECT_EQ(spec->password, "pw");
  EXPECT_EQ(ValueOf(*spec, "connect_timeout"), "3");
  EXPECT_EQ(ValueOf(*spec, "options"), "-c statement_timeout=5000");
  EXPECT_EQ(ValueOf(*spec, "keepalives"), "1");
  EXPECT_EQ(spec->io_timeout_ms, 7000);

  auto own = MakeConnectSpec(
      "postgresql://h/db?connect_timeout=9&options=-c%20search_path%3Dx&password=q", 3, 5000);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(ValueOf(*own, "connect_timeout"), "<unset>");  // the URL's own value stands
  EXPECT_EQ(ValueOf(*own, "options"), "-c statement_timeout=5000 -c search_path=x");
  EXPECT_EQ(own->password, "q");
}

TEST(ConnectSpecTest, UnparsableUrlIsInvalidArgumentWithoutTheUrl) {
  auto spec = MakeConnectSpec("postgresql://u:hunter2@h/db?no_such_option=1", 3, 5000);
  ASSERT_TRUE(spec.status().IsInvalidArgument()) << spec.status().ToString();
  EXPECT_EQ(spec.status().message().find("hunter2"), std::string::npos);
}

TEST(ScrubTest, RemovesPasswordAndFoldsLines) {
  EXPECT_EQ(Scrub("a pw b pw\n\tc\n", "pw"), "a *** b ***  c");
  EXPECT_EQ(Scrub("nothing", ""), "nothing");
}

class PgConnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = testing::PgTestUrl();
    if (url.empty()) GTEST_SKIP() << testing::kNoPgUrl;
    db_ = std::make_unique<testing::FreshPgDatabase>(url);
    ASSERT_TRUE(db_->ok()) << db_->error();
    auto spec = MakeConnectSpec(db_->url(), 3, 2000);
    ASSERT_TRUE(spec.ok());
    spec_ = *spec;
  }
  std::unique_ptr<Conn> Connect() {
    auto c = Conn::Connect(spec_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  std::unique_ptr<testing::FreshPgDatabase> db_;
  ConnectSpec spec_;
};

TEST_F(PgConnTest, BinaryParametersAndResultsRoundTrip) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  auto r = c->Query("SELECT $1::text, $2::bytea, $3::bigint, $4::boolean, $5::bytea,"
                    " (-5)::integer, (-2)::smallint, $6::text",
                    Params().Text("héllo").Bytes(bytes).Int(-1234567890123).Bool(true).OptBytes(
                        std::nullopt).OptText(std::nullopt),
                    "round trip");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1);
  EXPECT_EQ(r->Text(0, 0), "héllo");
  EXPECT_EQ(r->Bytes(0, 1).value_or(""), bytes);
  EXPECT_EQ(r->Int(0, 2), -1234567890123);
  EXPECT_TRUE(r->Bool(0, 3));
  EXPECT_FALSE(r->Bytes(0, 4).has_value());
  EXPECT_TRUE(r->IsNull(0, 7));
  EXPECT_EQ(r->Int(0, 5), -5);  // narrower integers are sign-extended
  EXPECT_EQ(r->Int(0, 6), -2);
}

TEST_F(PgConnTest, ErrorsMapToStatusCodes) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("CREATE TABLE p (id TEXT PRIMARY KEY);"
                      " CREATE TABLE ch (p TEXT REFERENCES p(id))",
                      "setup")
                  .ok());
  ASSERT_TRUE(c->Query("INSERT INTO p VALUES ($1)", Params().Text("a"), "ins").ok());
  auto dup = c->Query("INSERT INTO p VALUES ($1)", Params().Text("a"), "ins");
  EXPECT_TRUE(dup.status().IsAlreadyExists()) << dup.status().ToString();
  auto fk = c->Query("INSERT INTO ch VALUES ($1)", Params().Text("zz"), "ins child");
  EXPECT_TRUE(fk.status().IsNotFound()) << fk.status().ToString();
  auto syntax = c->Exec("SELEC 1", "typo");
  EXPECT_EQ(syntax.status().code(), Status::Code::kInternal) << syntax.status().ToString();
  auto slow = c->Exec("SELECT pg_sleep(5)", "sleep");  // statement_timeout is 2 s
  EXPECT_TRUE(slow.status().IsUnavailable()) << slow.status().ToString();
  EXPECT_NE(slow.status().message().find("57014"), std::string::npos);
  EXPECT_FALSE(c->usable());  // dropped, to reconnect
  EXPECT_FALSE(c->last_failure_retryable());
}

TEST_F(PgConnTest, ClientSideDeadlineBoundsAStuckRoundTrip) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("SET statement_timeout = 0", "no server cap").ok());
  c->set_io_timeout_ms(300);
  auto start = std::chrono::steady_clock::now();
  auto r = c->Exec("SELECT pg_sleep(3)", "sleep");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
  EXPECT_LT(took, 2.0);
  EXPECT_FALSE(c->usable());
}

TEST_F(PgConnTest, PoolWaitsThenTimesOutAndDropsBrokenConnections) {
  int connects = 0;
  Pool pool(
      [&] {
        ++connects;
        return Conn::Connect(spec_);
      },
      1, 150);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    auto start = std::chrono::steady_clock::now();
    auto second = pool.Acquire();
    double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(second.status().IsUnavailable());
    EXPECT_GE(waited, 0.14);
    EXPECT_LT(waited, 1.0);
    // Break the session while leased: it must not come back.
    (void)(*lease)->Exec("SELECT pg_terminate_backend(pg_backend_pid())", "suicide");
  }
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    EXPECT_TRUE((*lease)->Query("SELECT 1", "ping").ok());
  }
  EXPECT_EQ(connects, 2);
  {
    auto lease = pool.Acquire();  // a healthy session is reused
    ASSERT_TRUE(lease.ok());
  }
  EXPECT_EQ(connects, 2);
}

TEST_F(PgConnTest, FailedMigrationRollsBackWholeAndIsNotRecorded) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  const Migration good[] = {{1, "CREATE TABLE one (x INT)"}};
  ASSERT_TRUE(ApplyMigrations(*c, good, 5).ok());
  const Migration bad[] = {{1, "CREATE TABLE one (x INT)"},
                           {2, "CREATE TABLE two (x INT); SELECT no_such_function()"}};
  Status st = ApplyMigrations(*c, bad, 6);
  EXPECT_FALSE(st.ok());
  testing::PgSession s(db_->url());
  EXPECT_EQ(s.Exec("SELECT count(*) FROM schema_migrations").value_or("?"), "1");
  EXPECT_EQ(s.Exec("SELECT to_regclass('two') IS NULL").value_or("?"), "t");
  EXPECT_EQ(s.Exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").value_or("?"),
            "0");  // released on the error path too
  const Migration fixed[] = {{1, "CREATE TABLE one (x INT)"}, {2, "CREATE TABLE two (x INT)"}};
  EXPECT_TRUE(ApplyMigrations(*c, fixed, 7).ok());
  EXPECT_EQ(s.Exec("SELECT count(*) FROM schema_migrations").value_or("?"), "2");
  EXPECT_EQ(ApplyMigrations(*c, good, 8).code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace csrd::store::postgres
