// SqliteStore: meta, accounts, users, tokens, throttles (real database file).
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MakeToken;
using testing::MakeUser;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MustOpen(dir_.File("csrd.db"));
    ASSERT_NE(store_, nullptr);
  }

  Account AddAccount(const std::string& name) {
    Account a = MakeAccount(name);
    EXPECT_TRUE(store_->CreateAccount(a).ok());
    return a;
  }
  User AddUser(const Account& a, const std::string& name) {
    User u = MakeUser(a.id, name);
    EXPECT_TRUE(store_->CreateUser(u).ok());
    return u;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// ---- meta ----

TEST_F(SqliteStoreTest, MetaGetPut) {
  auto missing = store_->GetMeta("master_key_id");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store_->PutMeta("master_key_id", "k1").ok());
  auto got = store_->GetMeta("master_key_id");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value_or(""), "k1");

  ASSERT_TRUE(store_->PutMeta("master_key_id", "k2").ok());  // overwrites
  EXPECT_EQ(store_->GetMeta("master_key_id")->value_or(""), "k2");
}

TEST_F(SqliteStoreTest, MetaKeepsBinaryAndEmptyValuesExactly) {
  const std::string binary("\x00\xff\x01kcv\x00", 7);
  ASSERT_TRUE(store_->PutMeta("kcv", binary).ok());
  ASSERT_TRUE(store_->PutMeta("empty", "").ok());
  EXPECT_EQ(store_->GetMeta("kcv")->value_or("?"), binary);
  auto empty = store_->GetMeta("empty");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->has_value());  // present, not absent
  EXPECT_EQ(**empty, "");
}

// ---- accounts ----

TEST_F(SqliteStoreTest, AccountCreateGetList) {
  Account a = MakeAccount("default", 5);
  ASSERT_TRUE(store_->CreateAccount(a).ok());
  Account b = MakeAccount("other", 6);
  ASSERT_TRUE(store_->CreateAccount(b).ok());

  auto by_id = store_->GetAccountById(a.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "default");
  EXPECT_EQ(by_id->create_time, 5);
  auto by_name = store_->GetAccountByName("other");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, b.id);

  auto all = store_->ListAccounts();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, a.id);
  EXPECT_EQ((*all)[1].id, b.id);
}

TEST_F(SqliteStoreTest, AccountNotFoundAndAlreadyExists) {
  EXPECT_TRUE(store_->GetAccountById("nope").status().IsNotFound());
  EXPECT_TRUE(store_->GetAccountByName("nope").status().IsNotFound());
  Account a = AddAccount("default");
  Account same_name = MakeAccount("default");
  EXPECT_TRUE(store_->CreateAccount(same_name).IsAlreadyExists());
  Account same_id = MakeAccount("another");
  same_id.id = a.id;
  EXPECT_TRUE(store_->CreateAccount(same_id).IsAlreadyExists());
  EXPECT_EQ(store_->ListAccounts()->size(), 1u);
}

TEST_F(SqliteStoreTest, BootstrapOnlyOnce) {
  Account a = MakeAccount("default");
  User admin = MakeUser(a.id, "admin");
  auto first = store_->BootstrapIfEmpty(a, admin);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);

  Account a2 = MakeAccount("second");
  User admin2 = MakeUser(a2.id, "admin");
  auto second = store_->BootstrapIfEmpty(a2, admin2);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_EQ(store_->ListAccounts()->size(), 1u);
  EXPECT_TRUE(store_->GetUserById(admin2.id).status().IsNotFound());
  EXPECT_TRUE(store_->GetUserByName(a.id, "admin").ok());
}

TEST_F(SqliteStoreTest, BootstrapIsAtomic) {
  // The user names an account that is not the one inserted: the user insert
  // fails, and the account insert must roll back with it.
  Account a = MakeAccount("default");
  User admin = MakeUser("no-such-account", "admin");
  auto r = store_->BootstrapIfEmpty(a, admin);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(store_->ListAccounts()->empty());
  // And a correct bootstrap still works afterwards.
  admin.account_id = a.id;
  EXPECT_TRUE(store_->BootstrapIfEmpty(a, admin).value());
}

TEST_F(SqliteStoreTest, ConcurrentBootstrapInsertsExactlyOneAccount) {
  std::atomic<int> inserted{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Account a = MakeAccount("default-" + std::to_string(i));
      User u = MakeUser(a.id, "admin");
      auto r = store_->BootstrapIfEmpty(a, u);
      if (!r.ok()) {
        errors++;
      } else if (*r) {
        inserted++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(store_->ListAccounts()->size(), 1u);
}

TEST_F(SqliteStoreTest, ConcurrentBootstrapFromSeparateStoresOnOneFile) {
  // Separate connections (as separate processes would have) racing on one file.
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(testing::MustOpen(dir_.File("csrd.db")));
  std::atomic<int> inserted{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Account a = MakeAccount("default-" + std::to_string(i));
      auto r = stores[i]->BootstrapIfEmpty(a, MakeUser(a.id, "admin"));
      if (!r.ok()) {
        errors++;
      } else if (*r) {
        inserted++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(store_->ListAccounts()->size(), 1u);
}

// ---- users ----

TEST_F(SqliteStoreTest, UserCreateGetList) {
  Account a = AddAccount("default");
  User u = MakeUser(a.id, "alice", 10);
  u.roles = kRoleScmReadOnly;
  u.enabled = false;
  u.password_changed_time = 11;
  ASSERT_TRUE(store_->CreateUser(u).ok());
  User v = AddUser(a, "bob");

  auto got = store_->GetUserById(u.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->account_id, a.id);
  EXPECT_EQ(got->name, "alice");
  EXPECT_EQ(got->password_hash, u.password_hash);
  EXPECT_EQ(got->roles, static_cast<uint32_t>(kRoleScmReadOnly));
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->create_time, 10);
  EXPECT_EQ(got->password_changed_time, 11);

  auto by_name = store_->GetUserByName(a.id, "bob");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, v.id);

  auto list = store_->ListUsers(a.id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST_F(SqliteStoreTest, UserNamesAreUniquePerAccountOnly) {
  Account a = AddAccount("a");
  Account b = AddAccount("b");
  AddUser(a, "admin");
  EXPECT_TRUE(store_->CreateUser(MakeUser(a.id, "admin")).IsAlreadyExists());
  EXPECT_TRUE(store_->CreateUser(MakeUser(b.id, "admin")).ok());
  // A user looked up in the wrong account does not exist.
  EXPECT_TRUE(store_->GetUserByName(b.id, "admin").ok());
  EXPECT_TRUE(store_->GetUserByName("zzz", "admin").status().IsNotFound());
  EXPECT_EQ(store_->ListUsers(a.id)->size(), 1u);
  EXPECT_TRUE(store_->ListUsers("zzz")->empty());
}

TEST_F(SqliteStoreTest, UserInMissingAccountIsRejected) {
  Status st = store_->CreateUser(MakeUser("no-such-account", "x"));
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
}

TEST_F(SqliteStoreTest, UserUpdatesAndNotFound) {
  Account a = AddAccount("a");
  User u = AddUser(a, "alice");
  ASSERT_TRUE(store_->SetUserRoles(u.id, kRoleScmReadOnly).ok());
  EXPECT_EQ(store_->GetUserById(u.id)->roles, static_cast<uint32_t>(kRoleScmReadOnly));
  ASSERT_TRUE(store_->SetUserPassword(u.id, "newhash", 777).ok());
  auto got = store_->GetUserById(u.id);
  EXPECT_EQ(got->password_hash, "newhash");
  EXPECT_EQ(got->password_changed_time, 777);
  ASSERT_TRUE(store_->SetUserEnabled(u.id, false).ok());
  EXPECT_FALSE(store_->GetUserById(u.id)->enabled);
  ASSERT_TRUE(store_->SetUserEnabled(u.id, true).ok());
  EXPECT_TRUE(store_->GetUserById(u.id)->enabled);

  EXPECT_TRUE(store_->GetUserById("nope").status().IsNotFound());
  EXPECT_TRUE(store_->SetUserRoles("nope", 1).IsNotFound());
  EXPECT_TRUE(store_->SetUserPassword("nope", "h", 1).IsNotFound());
  EXPECT_TRUE(store_->SetUserEnabled("nope", false).IsNotFound());
}

// ---- tokens ----

TEST_F(SqliteStoreTest, TokenInsertGetRevoke) {
  Account a = AddAccount("a");
  User u = AddUser(a, "alice");
  Token t = MakeToken(u, 100, 200);
  t.project_id = "p1";
  t.project_name = "cn-north-4";
  ASSERT_TRUE(store_->InsertToken(t).ok());
  EXPECT_TRUE(store_->InsertToken(t).IsAlreadyExists());

  auto got = store_->GetToken(t.token_hash);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user_id, u.id);
  EXPECT_EQ(got->account_id, a.id);
  EXPECT_EQ(got->project_id, "p1");
  EXPECT_EQ(got->project_name, "cn-north-4");
  EXPECT_EQ(got->issued_at, 100);
  EXPECT_EQ(got->expires_at, 200);
  EXPECT_FALSE(got->revoked);

  ASSERT_TRUE(store_->RevokeToken(t.token_hash).ok());
  auto revoked = store_->GetToken(t.token_hash);
  ASSERT_TRUE(revoked.ok());  // revoked tokens are still returned
  EXPECT_TRUE(revoked->revoked);
  EXPECT_TRUE(store_->RevokeToken(t.token_hash).ok());  // idempotent

  EXPECT_TRUE(store_->GetToken("unknown").status().IsNotFound());
  EXPECT_TRUE(store_->RevokeToken("unknown").IsNotFound());
  EXPECT_TRUE(store_->InsertToken(MakeToken(MakeUser(a.id, "ghost"), 1, 2)).IsNotFound());
}

TEST_F(SqliteStoreTest, DeleteExpiredTokens) {
  Account a = AddAccount("a");
  User u = AddUser(a, "alice");
  Token old_token = MakeToken(u, 0, 100);
  Token edge = MakeToken(u, 0, 200);
  Token live = MakeToken(u, 0, 201);
  for (const Token* t : {&old_token, &edge, &live}) ASSERT_TRUE(store_->InsertToken(*t).ok());
  ASSERT_TRUE(store_->DeleteExpiredTokens(200).ok());
  EXPECT_TRUE(store_->GetToken(old_token.token_hash).status().IsNotFound());
  EXPECT_TRUE(store_->GetToken(edge.token_hash).status().IsNotFound());
  EXPECT_TRUE(store_->GetToken(live.token_hash).ok());
}

TEST_F(SqliteStoreTest, PasswordChangeRevokesOnlyThatUsersTokens) {
  Account a = AddAccount("a");
  User alice = AddUser(a, "alice");
  User bob = AddUser(a, "bob");
  Token t1 = MakeToken(alice, 0, 1000), t2 = MakeToken(alice, 0, 1000);
  Token tb = MakeToken(bob, 0, 1000);
  for (const Token* t : {&t1, &t2, &tb}) ASSERT_TRUE(store_->InsertToken(*t).ok());
  ASSERT_TRUE(store_->SetUserPassword(alice.id, "h2", 5).ok());
  EXPECT_TRUE(store_->GetToken(t1.token_hash)->revoked);
  EXPECT_TRUE(store_->GetToken(t2.token_hash)->revoked);
  EXPECT_FALSE(store_->GetToken(tb.token_hash)->revoked);
}

TEST_F(SqliteStoreTest, DisableRevokesTokensEnableDoesNotRestore) {
  Account a = AddAccount("a");
  User alice = AddUser(a, "alice");
  Token t = MakeToken(alice, 0, 1000);
  ASSERT_TRUE(store_->InsertToken(t).ok());
  ASSERT_TRUE(store_->SetUserEnabled(alice.id, true).ok());  // enabling revokes nothing
  EXPECT_FALSE(store_->GetToken(t.token_hash)->revoked);
  ASSERT_TRUE(store_->SetUserEnabled(alice.id, false).ok());
  EXPECT_TRUE(store_->GetToken(t.token_hash)->revoked);
  ASSERT_TRUE(store_->SetUserEnabled(alice.id, true).ok());
  EXPECT_TRUE(store_->GetToken(t.token_hash)->revoked);
}

// ---- throttles ----

constexpr int64_t kWindow = 15 * 60 * 1000;
constexpr int64_t kLock = 15 * 60 * 1000;

TEST_F(SqliteStoreTest, ThrottleAbsentIsZero) {
  auto t = store_->GetThrottle("login:u:1.2.3.4");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->failures, 0);
  EXPECT_EQ(t->window_start, 0);
  EXPECT_EQ(t->locked_until, 0);
}

TEST_F(SqliteStoreTest, ThrottleLocksAtThreshold) {
  const std::string key = "login:u:addr";
  int64_t now = 1'000'000;
  for (int i = 1; i <= 4; ++i) {
    auto t = store_->RecordFailure(key, now + i, kWindow, 5, kLock);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->failures, i);
    EXPECT_EQ(t->window_start, now + 1);
    EXPECT_EQ(t->locked_until, 0);
  }
  auto locked = store_->RecordFailure(key, now + 5, kWindow, 5, kLock);
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(locked->failures, 0);
  EXPECT_EQ(locked->locked_until, now + 5 + kLock);
  auto stored = store_->GetThrottle(key);
  EXPECT_EQ(stored->locked_until, now + 5 + kLock);
}

TEST_F(SqliteStoreTest, ThrottleFailuresDuringLockNeitherCountNorExtend) {
  const std::string key = "ak:AK1:addr";
  int64_t now = 5'000;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->RecordFailure(key, now, kWindow, 5, kLock).ok());
  const int64_t until = now + kLock;
  ASSERT_EQ(store_->GetThrottle(key)->locked_until, until);
  for (int i = 0; i < 10; ++i) {
    auto t = store_->RecordFailure(key, now + 1000 + i, kWindow, 5, kLock);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->locked_until, until);
    EXPECT_EQ(t->failures, 0);
  }
  // At the instant the lock ends it is over: this failure counts as the first.
  auto after = store_->RecordFailure(key, until, kWindow, 5, kLock);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->failures, 1);
  EXPECT_EQ(after->window_start, until);
  EXPECT_EQ(store_->GetThrottle(key)->failures, 1);
}

TEST_F(SqliteStoreTest, ThrottleWindowResets) {
  const std::string key = "login:u:addr";
  ASSERT_TRUE(store_->RecordFailure(key, 0 + 100, kWindow, 5, kLock).ok());
  ASSERT_TRUE(store_->RecordFailure(key, 200, kWindow, 5, kLock).ok());
  auto three = store_->RecordFailure(key, 100 + kWindow - 1, kWindow, 5, kLock);
  EXPECT_EQ(three->failures, 3);  // still inside the window
  auto restarted = store_->RecordFailure(key, 100 + kWindow, kWindow, 5, kLock);
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ(restarted->failures, 1);
  EXPECT_EQ(restarted->window_start, 100 + kWindow);
  EXPECT_EQ(restarted->locked_until, 0);
}

TEST_F(SqliteStoreTest, ThrottleClearAndKeysAreIndependent) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->RecordFailure("k1", 10, kWindow, 5, kLock).ok());
  }
  ASSERT_TRUE(store_->RecordFailure("k2", 10, kWindow, 5, kLock).ok());
  ASSERT_TRUE(store_->ClearThrottle("k1").ok());
  EXPECT_EQ(store_->GetThrottle("k1")->failures, 0);
  EXPECT_EQ(store_->GetThrottle("k2")->failures, 1);
  EXPECT_TRUE(store_->ClearThrottle("never-seen").ok());
  EXPECT_EQ(store_->RecordFailure("k1", 11, kWindow, 5, kLock)->failures, 1);
}

TEST_F(SqliteStoreTest, ThrottleIsAtomicUnderConcurrency) {
  // 4 threads x 3 failures = 12 failures with threshold 100: none may be lost.
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 3; ++j) {
        if (!store_->RecordFailure("k", 50, kWindow, 100, kLock).ok()) errors++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(store_->GetThrottle("k")->failures, 12);
}

TEST_F(SqliteStoreTest, Ping) { EXPECT_TRUE(store_->Ping().ok()); }

}  // namespace
}  // namespace csrd::store
