// SqliteStore: what happens to keys when their user changes or goes (delete,
// disable, password reset), the one-time-key purge, and the schema step from
// version 1 to the access-key tables (real database files).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using sqlite::Connection;
using testing::MakeAccount;
using testing::MakeCsr;
using testing::MakeKey;
using testing::MakeTemp;
using testing::MakeToken;
using testing::MakeUser;

constexpr int kCap = 2;

std::unique_ptr<Connection> RawConnection(const std::string& path) {
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

// The query plan of sql, one detail per line.
std::string Plan(Connection& c, const std::string& sql) {
  const std::string text = "EXPLAIN QUERY PLAN " + sql;
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(c.db(), text.c_str(), -1, &raw, nullptr), SQLITE_OK);
  sqlite::StmtHandle stmt(raw);
  std::string plan;
  while (sqlite3_step(raw) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(raw, 3));
    plan += "\n";
  }
  return plan;
}

class CredentialLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MustOpen(path_);
    ASSERT_NE(store_, nullptr);
    a_ = MakeAccount("default");
    ASSERT_TRUE(store_->CreateAccount(a_).ok());
    u1_ = AddUser("alice");
    u2_ = AddUser("bob");
  }

  User AddUser(const std::string& name) {
    User u = MakeUser(a_.id, name);
    EXPECT_TRUE(store_->CreateUser(u).ok());
    return u;
  }
  void Put(const Credential& k) { testing::PutKey(*store_, k, kCap); }
  Token PutToken(const User& u) { return testing::PutToken(*store_, u); }
  bool Exists(const std::string& access) { return testing::KeyExists(*store_, access); }

  // u gets a permanent key <p>P, a temporary key from it <p>KT, a token and a
  // temporary key from the token <p>TT. Returns the token.
  Token Populate(const User& u, const std::string& p) {
    Token t = PutToken(u);
    Put(MakeKey(u, p + "P", 1));
    Put(MakeTemp(u, p + "KT", 5000, p + "P"));
    Put(MakeTemp(u, p + "TT", 5000, "", t.token_hash));
    return t;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("csrd.db");
  std::unique_ptr<Store> store_;
  Account a_;
  User u1_, u2_;
};

// ---- delete user ----

TEST_F(CredentialLifecycleTest, DeleteUserRemovesItsTokensAndKeysOnly) {
  Token t1 = Populate(u1_, "A");
  Token t2 = Populate(u2_, "B");
  ASSERT_TRUE(store_->DeleteUser(u1_.id).ok());

  EXPECT_EQ(store_->GetUserById(u1_.id).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetToken(t1.token_hash).status().code(), Status::Code::kNotFound);
  for (const char* gone : {"AP", "AKT", "ATT"}) EXPECT_FALSE(Exists(gone)) << gone;
  EXPECT_TRUE(store_->ListCredentials(u1_.id).value().empty());

  EXPECT_TRUE(store_->GetUserById(u2_.id).ok());
  auto t2_got = store_->GetToken(t2.token_hash);
  ASSERT_TRUE(t2_got.ok());
  EXPECT_FALSE(t2_got->revoked);
  for (const char* kept : {"BP", "BKT", "BTT"}) EXPECT_TRUE(Exists(kept)) << kept;

  EXPECT_EQ(store_->DeleteUser(u1_.id).code(), Status::Code::kNotFound);
  // The name is free again; the old keys do not come back with it.
  User again = MakeUser(a_.id, "alice");
  ASSERT_TRUE(store_->CreateUser(again).ok());
  EXPECT_TRUE(store_->ListCredentials(again.id).value().empty());
}

// ---- disable and password reset ----

TEST_F(CredentialLifecycleTest, DisableDeletesThatUsersTemporaryKeysOnly) {
  Token t1 = Populate(u1_, "A");
  Populate(u2_, "B");
  ASSERT_TRUE(store_->SetUserEnabled(u1_.id, false).ok());

  EXPECT_TRUE(store_->GetToken(t1.token_hash)->revoked);
  EXPECT_FALSE(Exists("AKT"));
  EXPECT_FALSE(Exists("ATT"));
  EXPECT_TRUE(Exists("AP"));  // permanent keys stay (and stop working with the user)
  for (const char* kept : {"BP", "BKT", "BTT"}) EXPECT_TRUE(Exists(kept)) << kept;

  // Enabling changes no key.
  ASSERT_TRUE(store_->SetUserEnabled(u1_.id, true).ok());
  Put(MakeTemp(u1_, "AKT2", 5000, "AP"));
  ASSERT_TRUE(store_->SetUserEnabled(u1_.id, true).ok());
  EXPECT_TRUE(Exists("AKT2"));
}

TEST_F(CredentialLifecycleTest, PasswordResetDeletesThatUsersTemporaryKeysOnly) {
  Token t1 = Populate(u1_, "A");
  Populate(u2_, "B");
  ASSERT_TRUE(store_->SetUserPassword(u1_.id, "$argon2id$new", 77).ok());

  EXPECT_TRUE(store_->GetToken(t1.token_hash)->revoked);
  EXPECT_FALSE(Exists("AKT"));
  EXPECT_FALSE(Exists("ATT"));
  EXPECT_TRUE(Exists("AP"));
  for (const char* kept : {"BP", "BKT", "BTT"}) EXPECT_TRUE(Exists(kept)) << kept;
  EXPECT_EQ(store_->GetUserById(u1_.id)->password_changed_time, 77);
}

TEST_F(CredentialLifecycleTest, UnknownUserChangesNothing) {
  Populate(u1_, "A");
  EXPECT_EQ(store_->SetUserEnabled("nobody", false).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->SetUserPassword("nobody", "$h", 1).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->DeleteUser("nobody").code(), Status::Code::kNotFound);
  for (const char* kept : {"AP", "AKT", "ATT"}) EXPECT_TRUE(Exists(kept)) << kept;
}

// ---- one-time keys ----

TEST_F(CredentialLifecycleTest, RememberOncePurgesExpiredEntriesAsItGoes) {
  constexpr int kExpired = 10;
  for (int i = 0; i < kExpired; ++i) {
    ASSERT_TRUE(store_->RememberOnce("old:" + std::to_string(i), 0, 100).value());
  }
  // Enough calls to pass a purge point whatever the call count started at.
  const int64_t calls = sqlite::kOneTimePurgeEvery;
  for (int64_t i = 0; i < calls; ++i) {
    ASSERT_TRUE(store_->RememberOnce("new:" + std::to_string(i), 1000, 1'000'000).value());
  }
  auto c = RawConnection(path_);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM one_time_keys WHERE expires_at <= 1000"), 0);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM one_time_keys"), calls);
  // The purge never takes a live entry.
  EXPECT_FALSE(store_->RememberOnce("new:0", 2000, 1'000'000).value());
}

// ---- schema ----

TEST_F(CredentialLifecycleTest, HotQueriesUseTheirIndexes) {
  auto c = RawConnection(path_);
  ASSERT_NE(c, nullptr);
  EXPECT_NE(Plan(*c, "SELECT access FROM credentials WHERE user_id = 'u' AND temporary = 0"
                     " ORDER BY create_time DESC, access DESC")
                .find("credentials_by_user"),
            std::string::npos);
  EXPECT_NE(Plan(*c, "DELETE FROM credentials WHERE parent_access = 'p'")
                .find("credentials_by_parent"),
            std::string::npos);
  EXPECT_NE(Plan(*c, "DELETE FROM credentials WHERE temporary = 1 AND expires_at <= 5")
                .find("credentials_temporary_by_expiry"),
            std::string::npos);
  EXPECT_NE(Plan(*c, "SELECT key FROM one_time_keys WHERE expires_at <= 5 LIMIT 9")
                .find("one_time_keys_by_expiry"),
            std::string::npos);
}

TEST(CredentialMigrationTest, VersionOneDatabaseUpgradesAndKeepsItsRows) {
  testing::TempDir dir;
  const std::string path = dir.File("v1.db");
  Account a = MakeAccount("default", 5);
  User u = MakeUser(a.id, "admin", 6);
  Token t = MakeToken(u, 7, 8);
  Csr csr = MakeCsr(a.id, "old-csr", 9);
  {
    // A file as the previous release left it: only migration 1 applied.
    { std::ofstream touch(path); }
    auto c = RawConnection(path);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(sqlite::ApplyMigrations(*c, sqlite::SchemaMigrations().first(1), 100).ok());
    const std::string seed =
        "INSERT INTO accounts VALUES ('" + a.id + "', 'default', 5);"
        "INSERT INTO users VALUES ('" + u.id + "', '" + a.id +
        "', 'admin', '$argon2id$h', 7, 1, 6, 6);"
        "INSERT INTO tokens VALUES ('" + t.token_hash + "', '" + u.id + "', '" + a.id +
        "', '', '', 7, 8, 0);"
        "INSERT INTO csrs (id, account_id, name, csr_pem, domain_name, sans, private_key_algo,"
        " usage, company_country, company_province, company_city, company_name, create_time,"
        " update_time, sealed_key, uploaded) VALUES ('" + csr.id + "', '" + a.id +
        "', 'old-csr', 'pem', 'd', '', 'EC_P256', 'ENTERPRISE', 'CN', 'p', 'c', 'n', 9, 9,"
        " x'00ff', 0);"
        "INSERT INTO meta VALUES ('master_key_id', 'mk1');";
    ASSERT_TRUE(c->Exec(seed.c_str(), "seed").ok());
    ASSERT_EQ(QueryInt(*c, "SELECT max(version) FROM schema_migrations"), 1);
  }
  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetAccountByName("default")->id, a.id);
  auto user = store->GetUserById(u.id);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->roles, 7u);
  EXPECT_EQ(store->GetToken(t.token_hash)->expires_at, 8);
  auto got = store->GetCsr(a.id, csr.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "old-csr");
  EXPECT_EQ(*got->sealed_key, std::string("\x00\xff", 2));
  EXPECT_EQ(store->CountCsrs(a.id).value(), 1);
  EXPECT_EQ(store->GetMeta("master_key_id")->value_or(""), "mk1");

  // The new tables work for the old rows.
  ASSERT_TRUE(store->InsertCredential(MakeKey(*user, "OLDUSERKEY", 10), kCap).ok());
  EXPECT_EQ(store->ListCredentials(u.id)->size(), 1u);
  EXPECT_TRUE(store->RememberOnce("sig:1", 10, 20).value());
  ASSERT_TRUE(store->RememberProject(Project{std::string(32, 'a'), a.id, "p", 10}).ok());

  auto c = RawConnection(path);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(sqlite::SchemaMigrations().size()));
  EXPECT_EQ(QueryInt(*c, "SELECT applied_at FROM schema_migrations WHERE version = 1"), 100);
  EXPECT_EQ(QueryInt(*c, "SELECT count(*) FROM users"), 1);
}

TEST(CredentialMigrationTest, KeysSurviveReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  Account a = MakeAccount("default");
  User u = MakeUser(a.id, "admin");
  {
    auto store = testing::MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->BootstrapIfEmpty(a, u).value());
    ASSERT_TRUE(store->InsertCredential(MakeKey(u, "KEPT", 1), kCap).ok());
    ASSERT_TRUE(store->InsertCredential(MakeTemp(u, "KEPTTEMP", 99, "KEPT"), kCap).ok());
    ASSERT_TRUE(store->RememberOnce("sig:x", 1, 1'000'000).value());
    ASSERT_TRUE(store->RememberProject(Project{std::string(32, 'b'), a.id, "p", 1}).ok());
  }
  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetCredential("KEPT")->sealed_secret, MakeKey(u, "KEPT", 1).sealed_secret);
  EXPECT_EQ(store->GetCredential("KEPTTEMP")->parent_access, "KEPT");
  EXPECT_FALSE(store->RememberOnce("sig:x", 2, 1'000'000).value());
  EXPECT_EQ(store->ListProjects(a.id)->size(), 1u);
}

}  // namespace
}  // namespace csrd::store
