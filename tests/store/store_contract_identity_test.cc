// The Store contract, part 2: accounts, users, bootstrap, tokens, throttles,
// access keys and their cascades, one-time keys, projects, DeleteUser. Runs on
// SQLite and on PostgreSQL (see store_contract_fixture.h), interface only.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/encoding.h"
#include "store/store_contract_fixture.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MakeKey;
using testing::MakeTemp;
using testing::MakeToken;
using testing::MakeUser;

constexpr int kCap = 2;
constexpr int64_t kWindow = 60'000;
constexpr int64_t kLock = 300'000;

class IdentityContractTest : public testing::TwoAccountsContractBase {
 protected:
  IdentityContractTest() : TwoAccountsContractBase(BobIn::kDefault, kCap) {}
  Token PutToken(const User& u) { return testing::PutToken(*store_, u); }
  bool Exists(const std::string& access) { return testing::KeyExists(*store_, access); }
  bool Revoked(const Token& t) { return store_->GetToken(t.token_hash)->revoked; }
};

// ---- accounts and users ----

TEST_P(IdentityContractTest, AccountsCreateGetListAndErrors) {
  auto by_id = store_->GetAccountById(a_.id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->name, "default");
  EXPECT_EQ(by_id->create_time, 10);
  EXPECT_EQ(store_->GetAccountByName("other")->id, b_.id);
  auto all = store_->ListAccounts();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, a_.id);  // oldest first
  EXPECT_TRUE(store_->GetAccountById("nope").status().IsNotFound());
  EXPECT_TRUE(store_->GetAccountByName("nope").status().IsNotFound());
  EXPECT_TRUE(store_->CreateAccount(MakeAccount("default")).IsAlreadyExists());
}

TEST_P(IdentityContractTest, UsersCreateGetListUpdateAndErrors) {
  auto got = store_->GetUserByName(a_.id, "alice");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, u1_.id);
  EXPECT_EQ(got->password_hash, u1_.password_hash);
  EXPECT_EQ(got->roles, u1_.roles);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(store_->ListUsers(a_.id)->size(), 2u);
  EXPECT_TRUE(store_->ListUsers(b_.id)->empty());
  EXPECT_TRUE(store_->GetUserByName(b_.id, "alice").status().IsNotFound());
  EXPECT_TRUE(store_->CreateUser(MakeUser(a_.id, "alice")).IsAlreadyExists());
  EXPECT_TRUE(store_->CreateUser(MakeUser(b_.id, "alice")).ok());  // unique per account only
  EXPECT_TRUE(store_->CreateUser(MakeUser("no-such-account", "x")).IsNotFound());

  ASSERT_TRUE(store_->SetUserRoles(u1_.id, kRoleScmReadOnly).ok());
  EXPECT_EQ(store_->GetUserById(u1_.id)->roles, static_cast<uint32_t>(kRoleScmReadOnly));
  EXPECT_TRUE(store_->SetUserRoles("nope", 1).IsNotFound());
  EXPECT_TRUE(store_->SetUserPassword("nope", "h", 5).IsNotFound());
  EXPECT_TRUE(store_->SetUserEnabled("nope", false).IsNotFound());
  ASSERT_TRUE(store_->SetUserPassword(u1_.id, "$new$hash", 777).ok());
  EXPECT_EQ(store_->GetUserById(u1_.id)->password_hash, "$new$hash");
  EXPECT_EQ(store_->GetUserById(u1_.id)->password_changed_time, 777);
}

// A store of its own: bootstrap needs one without accounts.
TEST_P(IdentityContractTest, BootstrapOnlyOnceAndAtomic) {
  testing::TempDir dir;
  std::unique_ptr<testing::FreshPgDatabase> db;
  std::unique_ptr<Store> empty;
  if (GetParam() != "postgres") {  // sqlite, metered
    empty = testing::MustOpen(dir.File("e.db"));
  } else {
    db = std::make_unique<testing::FreshPgDatabase>(testing::PgTestUrl());
    ASSERT_TRUE(db->ok()) << db->error();
    empty = std::move(OpenPostgresStore(db->url()).value());
  }
  ASSERT_NE(empty, nullptr);
  Account a = MakeAccount("default");
  // A user naming another account fails, and the account rolls back with it.
  EXPECT_FALSE(empty->BootstrapIfEmpty(a, MakeUser("no-such-account", "admin")).ok());
  EXPECT_TRUE(empty->ListAccounts()->empty());
  User admin = MakeUser(a.id, "admin");
  EXPECT_TRUE(empty->BootstrapIfEmpty(a, admin).value());
  Account a2 = MakeAccount("second");
  EXPECT_FALSE(empty->BootstrapIfEmpty(a2, MakeUser(a2.id, "admin")).value());
  EXPECT_EQ(empty->ListAccounts()->size(), 1u);
  EXPECT_TRUE(empty->GetUserByName(a.id, "admin").ok());

  // Concurrent: 4 threads on another empty store, exactly one wins.
  testing::TempDir dir2;
  std::unique_ptr<testing::FreshPgDatabase> db2;
  std::unique_ptr<Store> racing;
  if (GetParam() != "postgres") {  // sqlite, metered
    racing = testing::MustOpen(dir2.File("r.db"));
  } else {
    db2 = std::make_unique<testing::FreshPgDatabase>(testing::PgTestUrl());
    ASSERT_TRUE(db2->ok()) << db2->error();
    racing = std::move(OpenPostgresStore(db2->url()).value());
  }
  std::atomic<int> inserted{0};
  RunConcurrently(4, [&](int i) {
    Account acct = MakeAccount("default-" + std::to_string(i));
    auto r = racing->BootstrapIfEmpty(acct, MakeUser(acct.id, "admin"));
    if (!r.ok()) ADD_FAILURE() << r.status().ToString();
    else if (*r) ++inserted;
  });
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(racing->ListAccounts()->size(), 1u);
  empty.reset();
  racing.reset();
}

// ---- tokens ----

TEST_P(IdentityContractTest, TokensInsertGetRevokeExpire) {
  Token t = MakeToken(u1_, 100, 200);
  t.project_id = "p1";
  t.project_name = "cn-north-4";
  ASSERT_TRUE(store_->InsertToken(t).ok());
  auto got = store_->GetToken(t.token_hash);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user_id, u1_.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->project_name, "cn-north-4");
  EXPECT_EQ(got->expires_at, 200);
  EXPECT_FALSE(got->revoked);
  EXPECT_TRUE(store_->InsertToken(t).IsAlreadyExists());
  ASSERT_TRUE(store_->RevokeToken(t.token_hash).ok());
  EXPECT_TRUE(store_->GetToken(t.token_hash)->revoked);  // revoked ones are still returned
  EXPECT_TRUE(store_->RevokeToken("unknown").IsNotFound());
  EXPECT_TRUE(store_->GetToken("unknown").status().IsNotFound());

  Token later = MakeToken(u1_, 100, 300);
  ASSERT_TRUE(store_->InsertToken(later).ok());
  ASSERT_TRUE(store_->DeleteExpiredTokens(200).ok());  // expires_at <= now goes
  EXPECT_TRUE(store_->GetToken(t.token_hash).status().IsNotFound());
  EXPECT_TRUE(store_->GetToken(later.token_hash).ok());
}

TEST_P(IdentityContractTest, PasswordChangeAndDisableRevokeThatUsersTokensAndTempKeys) {
  Token t1 = PutToken(u1_);
  Token t2 = PutToken(u2_);
  Put(MakeKey(u1_, "P1", 1));
  Put(MakeTemp(u1_, "T1", 5000, "P1"));
  Put(MakeTemp(u1_, "T2", 5000, "", t1.token_hash));
  Put(MakeKey(u2_, "BOB", 1));
  Put(MakeTemp(u2_, "BOBT", 5000, "BOB"));

  ASSERT_TRUE(store_->SetUserPassword(u1_.id, "$h2", 50).ok());
  EXPECT_TRUE(Revoked(t1));
  EXPECT_FALSE(Revoked(t2));
  EXPECT_FALSE(Exists("T1"));
  EXPECT_FALSE(Exists("T2"));
  EXPECT_TRUE(Exists("P1"));  // permanent keys stay

  Token t3 = PutToken(u2_);
  ASSERT_TRUE(store_->SetUserEnabled(u2_.id, false).ok());
  EXPECT_TRUE(Revoked(t2));
  EXPECT_TRUE(Revoked(t3));
  EXPECT_FALSE(Exists("BOBT"));
  EXPECT_TRUE(Exists("BOB"));
  EXPECT_FALSE(store_->GetUserById(u2_.id)->enabled);
  ASSERT_TRUE(store_->SetUserEnabled(u2_.id, true).ok());
  EXPECT_TRUE(Revoked(t3));  // enabling restores nothing
  EXPECT_TRUE(store_->GetUserById(u2_.id)->enabled);
}

// ---- throttles ----

TEST_P(IdentityContractTest, ThrottleCountsLocksAndResets) {
  auto zero = store_->GetThrottle("k");
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ(zero->failures, 0);
  EXPECT_EQ(zero->locked_until, 0);
  const int64_t now = 1'000'000;
  for (int i = 1; i <= 2; ++i) {
    auto t = store_->RecordFailure("k", now + i, kWindow, 3, kLock);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->failures, i);
    EXPECT_EQ(t->window_start, now + 1);
  }
  auto locked = store_->RecordFailure("k", now + 3, kWindow, 3, kLock);
  EXPECT_EQ(locked->failures, 0);
  EXPECT_EQ(locked->locked_until, now + 3 + kLock);
  auto during = store_->RecordFailure("k", now + 10, kWindow, 3, kLock);
  EXPECT_EQ(during->locked_until, now + 3 + kLock);  // neither counts nor extends
  EXPECT_EQ(during->failures, 0);
  auto after = store_->RecordFailure("k", now + 3 + kLock, kWindow, 3, kLock);
  EXPECT_EQ(after->failures, 1);
  EXPECT_EQ(after->window_start, now + 3 + kLock);
  auto next_window = store_->RecordFailure("k", now + 3 + kLock + kWindow, kWindow, 3, kLock);
  EXPECT_EQ(next_window->failures, 1);  // the window passed: restarted

  ASSERT_TRUE(store_->RecordFailure("k2", 5, kWindow, 3, kLock).ok());
  ASSERT_TRUE(store_->ClearThrottle("k").ok());
  EXPECT_EQ(store_->GetThrottle("k")->failures, 0);
  EXPECT_EQ(store_->GetThrottle("k2")->failures, 1);
  EXPECT_TRUE(store_->ClearThrottle("never-seen").ok());
}

TEST_P(IdentityContractTest, ConcurrentFailuresAreNeverLost) {
  RunConcurrently(8, [&](int) {
    for (int j = 0; j < 3; ++j) {
      auto r = store_->RecordFailure("hot", 50, kWindow, 100, kLock);
      if (!r.ok()) ADD_FAILURE() << r.status().ToString();
    }
  });
  EXPECT_EQ(store_->GetThrottle("hot")->failures, 24);
}

// ---- access keys ----

TEST_P(IdentityContractTest, CredentialsRoundTripListUpdateAndCap) {
  Credential k = MakeKey(u1_, "AK1", 100);
  k.sealed_secret = std::string("\x00\xff\x00sk", 5);
  Put(k);
  Put(MakeKey(u1_, "AK2", 200, "inactive"));
  Put(MakeTemp(u1_, "TMP", 5000, "AK1"));  // temporary keys do not count
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u1_, "AK3", 300), kCap).IsResourceExhausted());
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u1_, "AK3", 300), 0).ok());  // 0 = no cap
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u2_, "AK1", 1), kCap).IsAlreadyExists());

  auto got = store_->GetCredential("AK1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->sealed_secret, k.sealed_secret);
  EXPECT_EQ(got->user_id, u1_.id);
  EXPECT_FALSE(got->temporary);
  auto tmp = store_->GetCredential("TMP");
  ASSERT_TRUE(tmp.ok());
  EXPECT_TRUE(tmp->temporary);
  EXPECT_EQ(tmp->parent_access, "AK1");
  EXPECT_EQ(tmp->policy, "Allow scm::get*\nDeny scm::getCsrPrivateKey");

  auto list = store_->ListCredentials(u1_.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);  // permanent only, newest first
  EXPECT_EQ((*list)[0].access, "AK3");
  EXPECT_EQ((*list)[2].access, "AK1");

  auto upd = store_->UpdateCredential("AK1", "inactive", std::nullopt);
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->status, "inactive");
  EXPECT_EQ(upd->description, "key AK1");
  upd = store_->UpdateCredential("AK1", std::nullopt, "");
  EXPECT_EQ(upd->status, "inactive");
  EXPECT_EQ(upd->description, "");
  EXPECT_TRUE(store_->UpdateCredential("NONE", "active", std::nullopt).status().IsNotFound());
  EXPECT_TRUE(store_->UpdateCredential("AK1", "ACTIVE", std::nullopt).status().IsInvalidArgument());
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u1_, "", 1), 0).IsInvalidArgument());
}

TEST_P(IdentityContractTest, CapHoldsUnderConcurrentInserts) {
  std::atomic<int> ok{0};
  std::atomic<int> exhausted{0};
  RunConcurrently(4, [&](int i) {
    Status st = store_->InsertCredential(MakeKey(u1_, "C" + std::to_string(i), i), kCap);
    if (st.ok()) ++ok;
    else if (st.IsResourceExhausted()) ++exhausted;
    else ADD_FAILURE() << st.ToString();
  });
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(exhausted.load(), 2);
  EXPECT_EQ(store_->ListCredentials(u1_.id)->size(), 2u);
}

TEST_P(IdentityContractTest, InsertRefusesBadOwnersAndParents) {
  auto code = [&](const Credential& k) { return store_->InsertCredential(k, kCap).code(); };
  EXPECT_EQ(code(MakeKey(MakeUser(a_.id, "ghost"), "G1", 1)), Status::Code::kNotFound);
  Credential wrong = MakeKey(u1_, "W1", 1);
  wrong.account_id = b_.id;
  EXPECT_EQ(code(wrong), Status::Code::kInvalidArgument);
  Put(MakeKey(u1_, "P1", 1));
  Put(MakeKey(u2_, "BOBS", 1));
  Put(MakeTemp(u1_, "T1", 5000, "P1"));
  EXPECT_EQ(code(MakeTemp(u1_, "X1", 9, "NOPARENT")), Status::Code::kNotFound);
  EXPECT_EQ(code(MakeTemp(u1_, "X2", 9, "BOBS")), Status::Code::kInvalidArgument);
  EXPECT_EQ(code(MakeTemp(u1_, "X3", 9, "T1")), Status::Code::kInvalidArgument);
  Token tok = PutToken(u1_);
  ASSERT_TRUE(store_->RevokeToken(tok.token_hash).ok());
  EXPECT_EQ(code(MakeTemp(u1_, "X4", 9, "", tok.token_hash)), Status::Code::kFailedPrecondition);
  EXPECT_EQ(code(MakeTemp(u1_, "X5", 9, "", Sha256Hex("unknown"))), Status::Code::kNotFound);
  ASSERT_TRUE(store_->SetUserEnabled(u1_.id, false).ok());
  EXPECT_EQ(code(MakeTemp(u1_, "X6", 9, "P1")), Status::Code::kFailedPrecondition);
  for (const char* ak : {"G1", "W1", "X1", "X2", "X3", "X4", "X5", "X6"}) {
    EXPECT_FALSE(Exists(ak)) << ak;
  }
}

TEST_P(IdentityContractTest, DeletesCascade) {
  Token tok = PutToken(u1_);
  Put(MakeKey(u1_, "P1", 1));
  Put(MakeKey(u1_, "P2", 2));
  Put(MakeTemp(u1_, "P1C", 5000, "P1"));
  Put(MakeTemp(u1_, "P2C", 5000, "P2"));
  Put(MakeTemp(u1_, "TOKC", 5000, "", tok.token_hash));
  Put(MakeKey(u2_, "BOBS", 1));
  Token bob_tok = PutToken(u2_);

  ASSERT_TRUE(store_->DeleteCredential("P1").ok());
  EXPECT_FALSE(Exists("P1"));
  EXPECT_FALSE(Exists("P1C"));
  for (const char* kept : {"P2", "P2C", "TOKC", "BOBS"}) EXPECT_TRUE(Exists(kept)) << kept;
  EXPECT_TRUE(store_->DeleteCredential("P1").IsNotFound());
  EXPECT_TRUE(store_->DeleteCredential("").IsNotFound());

  ASSERT_TRUE(store_->DeleteUser(u1_.id).ok());
  EXPECT_TRUE(store_->GetUserById(u1_.id).status().IsNotFound());
  EXPECT_TRUE(store_->GetToken(tok.token_hash).status().IsNotFound());
  for (const char* gone : {"P2", "P2C", "TOKC"}) EXPECT_FALSE(Exists(gone)) << gone;
  EXPECT_TRUE(Exists("BOBS"));
  EXPECT_TRUE(store_->GetToken(bob_tok.token_hash).ok());
  EXPECT_TRUE(store_->DeleteUser(u1_.id).IsNotFound());
}

TEST_P(IdentityContractTest, TouchAndExpiry) {
  constexpr int64_t kMinute = 60'000;
  Put(MakeKey(u1_, "BUSY", 1));
  auto last = [&] { return store_->GetCredential("BUSY")->last_use_time; };
  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000, kMinute).ok());
  EXPECT_EQ(last(), 1000);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000 + kMinute - 1, kMinute).ok());
  EXPECT_EQ(last(), 1000);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000 + kMinute, kMinute).ok());
  EXPECT_EQ(last(), 1000 + kMinute);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 500, kMinute).ok());  // clock stepped back
  EXPECT_EQ(last(), 1000 + kMinute);
  EXPECT_TRUE(store_->TouchCredential("UNKNOWN", 1000, kMinute).ok());

  Put(MakeTemp(u1_, "T100", 100, "BUSY"));
  Put(MakeTemp(u1_, "T200", 200, "BUSY"));
  ASSERT_TRUE(store_->DeleteExpiredCredentials(150).ok());
  EXPECT_FALSE(Exists("T100"));
  EXPECT_TRUE(Exists("T200"));
  ASSERT_TRUE(store_->DeleteExpiredCredentials(200).ok());
  EXPECT_FALSE(Exists("T200"));
  EXPECT_TRUE(Exists("BUSY"));  // permanent keys never expire
}

// ---- one-time keys ----

TEST_P(IdentityContractTest, RememberOnceNewDuplicateExpired) {
  EXPECT_TRUE(store_->RememberOnce("sig:aa", 1000, 2000).value());
  EXPECT_FALSE(store_->RememberOnce("sig:aa", 1500, 9000).value());
  EXPECT_TRUE(store_->RememberOnce("sig:bb", 1999, 2999).value());
  EXPECT_TRUE(store_->RememberOnce("sig:aa", 2000, 3000).value());  // spent at expires_at
  EXPECT_FALSE(store_->RememberOnce("sig:aa", 2999, 4000).value());
}

TEST_P(IdentityContractTest, RememberOnceAdmitsExactlyOneOfEightThreads) {
  for (int round = 0; round < 5; ++round) {
    const std::string key = "sig:" + std::to_string(round);
    std::atomic<int> fresh{0};
    RunConcurrently(8, [&](int) {
      auto r = store_->RememberOnce(key, 1000, 2000);
      if (!r.ok()) ADD_FAILURE() << r.status().ToString();
      else if (*r) ++fresh;
    });
    EXPECT_EQ(fresh.load(), 1) << key;
  }
}

TEST_P(IdentityContractTest, RememberOnceKeepsWorkingAcrossPurges) {
  // Enough calls (900) to pass purge points; expired keys are reusable.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->RememberOnce("old:" + std::to_string(i), 10, 20).value());
  }
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->RememberOnce("old:" + std::to_string(i), 30, 40).value()) << i;
    ASSERT_FALSE(store_->RememberOnce("old:" + std::to_string(i), 31, 40).value()) << i;
  }
}

// ---- projects ----

Project MakeProject(const Account& a, const std::string& name, int64_t t = 1) {
  return Project{Sha256Hex(a.id + "/" + name).substr(0, 32), a.id, name, t};
}

TEST_P(IdentityContractTest, ProjectsIdempotentPerAccountOrderedByName) {
  Project p = MakeProject(a_, "cn-north-4", 10);
  ASSERT_TRUE(store_->RememberProject(p).ok());
  Project again = p;
  again.create_time = 99;
  ASSERT_TRUE(store_->RememberProject(again).ok());
  ASSERT_TRUE(store_->RememberProject(MakeProject(a_, "ap-southeast-1", 20)).ok());
  ASSERT_TRUE(store_->RememberProject(MakeProject(a_, "Zz-upper", 20)).ok());
  ASSERT_TRUE(store_->RememberProject(MakeProject(b_, "cn-north-4", 30)).ok());
  auto la = store_->ListProjects(a_.id);
  ASSERT_TRUE(la.ok()) << la.status().ToString();
  ASSERT_EQ(la->size(), 3u);
  EXPECT_EQ((*la)[0].name, "Zz-upper");  // byte order, whatever the locale
  EXPECT_EQ((*la)[1].name, "ap-southeast-1");
  EXPECT_EQ((*la)[2].name, "cn-north-4");
  EXPECT_EQ((*la)[2].create_time, 10);  // the first sighting stays
  EXPECT_EQ(store_->ListProjects(b_.id)->size(), 1u);
  Project clash = MakeProject(a_, "cn-north-4");
  clash.id = std::string(32, 'f');
  EXPECT_TRUE(store_->RememberProject(clash).IsAlreadyExists());
  EXPECT_TRUE(store_->RememberProject(MakeProject(MakeAccount("ghost"), "x")).IsNotFound());
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityContractTest,
                         ::testing::ValuesIn(testing::ContractBackends()), testing::BackendName);

}  // namespace
}  // namespace csrd::store
