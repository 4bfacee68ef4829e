// ParseDatabaseFlag and OpenStore: the --database flag picks the backend, and
// the password never reaches the redacted form used in logs.
#include "store/open_store.h"

#include <gtest/gtest.h>

#include "store/pg_test_util.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

TEST(ParseDatabaseFlag, EmptyMeansSqliteInTheDataDir) {
  auto loc = ParseDatabaseFlag("", "/var/lib/csrd");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->kind, StoreKind::kSqlite);
  EXPECT_EQ(loc->sqlite_path, "/var/lib/csrd/csrd.db");
  EXPECT_EQ(loc->redacted, "sqlite:/var/lib/csrd/csrd.db");
  EXPECT_EQ(ParseDatabaseFlag("", "/var/lib/csrd/")->sqlite_path, "/var/lib/csrd/csrd.db");
  EXPECT_TRUE(ParseDatabaseFlag("", "").status().IsInvalidArgument());
}

TEST(ParseDatabaseFlag, SqliteForms) {
  EXPECT_EQ(ParseDatabaseFlag("sqlite:/data/x.db", "d")->sqlite_path, "/data/x.db");
  EXPECT_EQ(ParseDatabaseFlag("sqlite:rel.db", "d")->sqlite_path, "rel.db");
  EXPECT_EQ(ParseDatabaseFlag("sqlite:///abs/x.db", "d")->sqlite_path, "/abs/x.db");
  EXPECT_EQ(ParseDatabaseFlag("sqlite://rel/x.db", "d")->sqlite_path, "rel/x.db");
  EXPECT_EQ(ParseDatabaseFlag("sqlite:///abs/x.db", "d")->kind, StoreKind::kSqlite);
  EXPECT_TRUE(ParseDatabaseFlag("sqlite:", "d").status().IsInvalidArgument());
  EXPECT_TRUE(ParseDatabaseFlag("sqlite://", "d").status().IsInvalidArgument());
}

TEST(ParseDatabaseFlag, PostgresUrlsAreRedacted) {
  auto loc = ParseDatabaseFlag("postgresql://csrd:s3cret@db.example:5432/csrd?sslmode=require", "");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->kind, StoreKind::kPostgres);
  EXPECT_EQ(loc->postgres_url, "postgresql://csrd:s3cret@db.example:5432/csrd?sslmode=require");
  EXPECT_EQ(loc->redacted, "postgresql://csrd:***@db.example:5432/csrd?sslmode=require");

  EXPECT_EQ(ParseDatabaseFlag("postgres://u@h/db", "")->redacted, "postgres://u@h/db");
  EXPECT_EQ(ParseDatabaseFlag("postgres://h/db", "")->redacted, "postgres://h/db");
  EXPECT_EQ(ParseDatabaseFlag("postgresql://u:p@ss@h/db", "")->redacted,
            "postgresql://u:***@h/db");  // an unencoded '@' in the password
  EXPECT_EQ(ParseDatabaseFlag("postgresql://u@h/db?password=pw&sslmode=disable", "")->redacted,
            "postgresql://u@h/db?password=***&sslmode=disable");
  EXPECT_EQ(ParseDatabaseFlag("postgresql://u:pw@h", "")->redacted, "postgresql://u:***@h");
  EXPECT_EQ(ParseDatabaseFlag("postgresql://u:p/w@h/db", "")->redacted, "postgresql://u:***@h/db");
}

TEST(ParseDatabaseFlag, UnknownSchemesAreRefusedWithoutThePassword) {
  auto r = ParseDatabaseFlag("mysql://root:hunter2@h/db", "d");
  ASSERT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << r.status().ToString();
  EXPECT_TRUE(ParseDatabaseFlag("/just/a/path.db", "d").status().IsInvalidArgument());
}

TEST(OpenStore, OpensSqlite) {
  testing::TempDir dir;
  auto loc = ParseDatabaseFlag("", dir.path());
  ASSERT_TRUE(loc.ok());
  auto s = OpenStore(*loc);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE((*s)->Ping().ok());
  OpenOptions bad;
  bad.sqlite_synchronous = "SOMETIMES";
  EXPECT_TRUE(OpenStore(*loc, bad).status().IsInvalidArgument());
}

TEST(OpenStore, OpensPostgres) {
  const std::string url = testing::PgTestUrl();
  if (url.empty()) GTEST_SKIP() << testing::kNoPgUrl;
  testing::FreshPgDatabase db(url);
  ASSERT_TRUE(db.ok()) << db.error();
  auto loc = ParseDatabaseFlag(db.url(), "");
  ASSERT_TRUE(loc.ok());
  OpenOptions o;
  o.postgres_pool_size = 2;
  auto s = OpenStore(*loc, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE((*s)->Ping().ok());
  o.postgres_pool_size = 0;
  EXPECT_TRUE(OpenStore(*loc, o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace csrd::store
