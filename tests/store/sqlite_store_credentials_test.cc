// SqliteStore: access keys, one-time keys, projects, user deletion, and the
// temporary keys that die with a user's tokens (real database file).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MakeToken;
using testing::MakeKey;
using testing::MakeTemp;
using testing::MakeUser;

constexpr int kCap = 2;

std::vector<std::string> Accesses(const std::vector<Credential>& ks) {
  std::vector<std::string> out;
  for (const auto& k : ks) out.push_back(k.access);
  return out;
}

class CredentialStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MustOpen(path_);
    ASSERT_NE(store_, nullptr);
    a_ = MakeAccount("default");
    ASSERT_TRUE(store_->CreateAccount(a_).ok());
    b_ = MakeAccount("other");
    ASSERT_TRUE(store_->CreateAccount(b_).ok());
    u1_ = AddUser(a_, "alice");
    u2_ = AddUser(a_, "bob");
    v_ = AddUser(b_, "victor");
  }

  User AddUser(const Account& a, const std::string& name) {
    User u = MakeUser(a.id, name);
    EXPECT_TRUE(store_->CreateUser(u).ok());
    return u;
  }
  void Put(const Credential& k) { testing::PutKey(*store_, k, kCap); }
  Token PutToken(const User& u) { return testing::PutToken(*store_, u); }
  bool Exists(const std::string& access) { return testing::KeyExists(*store_, access); }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("csrd.db");
  std::unique_ptr<Store> store_;
  Account a_, b_;
  User u1_, u2_, v_;
};

// ---- insert, get, list ----

TEST_F(CredentialStoreTest, InsertGetRoundTripsEveryField) {
  Credential p = MakeKey(u1_, "AK1PERMANENT", 100);
  p.last_use_time = 7;
  Put(p);
  Credential t = MakeTemp(u1_, "AK2TEMPORARY", 5000, p.access);
  Put(t);
  for (const Credential* want : {&p, &t}) {
    auto got = store_->GetCredential(want->access);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->access, want->access);
    EXPECT_EQ(got->user_id, want->user_id);
    EXPECT_EQ(got->account_id, want->account_id);
    EXPECT_EQ(got->sealed_secret, want->sealed_secret);  // binary, NUL included
    EXPECT_EQ(got->status, want->status);
    EXPECT_EQ(got->description, want->description);
    EXPECT_EQ(got->create_time, want->create_time);
    EXPECT_EQ(got->last_use_time, want->last_use_time);
    EXPECT_EQ(got->temporary, want->temporary);
    EXPECT_EQ(got->security_token_hash, want->security_token_hash);
    EXPECT_EQ(got->expires_at, want->expires_at);
    EXPECT_EQ(got->parent_token_hash, want->parent_token_hash);
    EXPECT_EQ(got->parent_access, want->parent_access);
    EXPECT_EQ(got->policy, want->policy);
  }
  EXPECT_EQ(store_->GetCredential("AKUNKNOWN").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetCredential("ak1permanent").status().code(), Status::Code::kNotFound);
}

TEST_F(CredentialStoreTest, ListIsTheUsersPermanentKeysNewestFirst) {
  Put(MakeKey(u1_, "OLD", 10));
  Put(MakeKey(u1_, "NEW", 30, "inactive"));
  Put(MakeTemp(u1_, "TEMP", 5000, "OLD"));
  Put(MakeKey(u2_, "BOBS", 20));
  Put(MakeKey(v_, "VICTORS", 20));
  auto l1 = store_->ListCredentials(u1_.id);
  ASSERT_TRUE(l1.ok());
  EXPECT_EQ(Accesses(*l1), (std::vector<std::string>{"NEW", "OLD"}));
  EXPECT_EQ((*l1)[0].status, "inactive");
  EXPECT_EQ(Accesses(store_->ListCredentials(u2_.id).value()), std::vector<std::string>{"BOBS"});
  EXPECT_TRUE(store_->ListCredentials("nobody").value().empty());
}

TEST_F(CredentialStoreTest, ListBreaksCreateTimeTiesByAccessDescending) {
  Put(MakeKey(u1_, "AAA", 10));
  Put(MakeKey(u1_, "BBB", 10));
  EXPECT_EQ(Accesses(store_->ListCredentials(u1_.id).value()),
            (std::vector<std::string>{"BBB", "AAA"}));
}

TEST_F(CredentialStoreTest, CapCountsActiveAndInactiveButNotTemporary) {
  Put(MakeKey(u1_, "K1", 1));
  Put(MakeKey(u1_, "K2", 2, "inactive"));
  Status st = store_->InsertCredential(MakeKey(u1_, "K3", 3, "inactive"), kCap);
  EXPECT_EQ(st.code(), Status::Code::kResourceExhausted) << st.ToString();
  EXPECT_FALSE(Exists("K3"));
  // Temporary keys neither count nor are capped.
  for (int i = 0; i < 3; ++i) Put(MakeTemp(u1_, "T" + std::to_string(i), 5000, "K1"));
  // Another user's cap is its own.
  Put(MakeKey(u2_, "B1", 1));
  Put(MakeKey(u2_, "B2", 2));
  // A deleted key frees its slot.
  ASSERT_TRUE(store_->DeleteCredential("K2").ok());
  Put(MakeKey(u1_, "K3", 3));
  EXPECT_EQ(store_->ListCredentials(u1_.id)->size(), 2u);
  // A cap <= 0 means none (the operator's `csrd admin` path may use it).
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u1_, "K4", 4), 0).ok());
}

void RaceForCap(std::vector<Store*> stores, const User& u, int threads_per_store) {
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> threads;
  int n = 0;
  for (Store* s : stores) {
    for (int i = 0; i < threads_per_store; ++i, ++n) {
      threads.emplace_back([&, s, n] {
        Status st = s->InsertCredential(MakeKey(u, "RACE" + std::to_string(n), n), kCap);
        if (st.ok()) {
          ok++;
        } else if (st.code() == Status::Code::kResourceExhausted) {
          exhausted++;
        } else {
          ADD_FAILURE() << st.ToString();
          other++;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kCap);
  EXPECT_EQ(exhausted.load(), n - kCap);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(CredentialStoreTest, CapHoldsUnderConcurrentInsertsThroughOneStore) {
  for (int round = 0; round < 5; ++round) {
    User u = AddUser(a_, "racer" + std::to_string(round));
    RaceForCap({store_.get()}, u, 4);
    EXPECT_EQ(store_->ListCredentials(u.id)->size(), static_cast<size_t>(kCap));
    const std::vector<Credential> keys = store_->ListCredentials(u.id).value();
    for (const auto& k : keys) {
      ASSERT_TRUE(store_->DeleteCredential(k.access).ok());  // RACE<n> is reused next round
    }
  }
}

TEST_F(CredentialStoreTest, CapHoldsAcrossSeparateStoresOnOneFile) {
  // Separate writer connections, as separate replicas would have: the count
  // and the insert must share one database write lock.
  std::vector<std::unique_ptr<Store>> owned;
  std::vector<Store*> stores;
  for (int i = 0; i < 4; ++i) {
    owned.push_back(testing::MustOpen(path_));
    ASSERT_NE(owned.back(), nullptr);
    stores.push_back(owned.back().get());
  }
  RaceForCap(stores, u1_, 1);
  EXPECT_EQ(store_->ListCredentials(u1_.id)->size(), static_cast<size_t>(kCap));
}

TEST_F(CredentialStoreTest, DuplicateAccessKeyIsAlreadyExists) {
  Put(MakeKey(u1_, "DUP", 1));
  Credential again = MakeKey(u2_, "DUP", 2);  // even for another user
  EXPECT_EQ(store_->InsertCredential(again, kCap).code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(store_->InsertCredential(MakeTemp(u1_, "DUP", 9, ""), kCap).code(),
            Status::Code::kAlreadyExists);
  EXPECT_EQ(store_->GetCredential("DUP")->user_id, u1_.id);
}

TEST_F(CredentialStoreTest, InsertRefusesBadOwnersAndParents) {
  auto code = [&](const Credential& k) { return store_->InsertCredential(k, kCap).code(); };
  User ghost = MakeUser(a_.id, "ghost");  // never stored
  EXPECT_EQ(code(MakeKey(ghost, "G1", 1)), Status::Code::kNotFound);
  Credential wrong_account = MakeKey(u1_, "W1", 1);
  wrong_account.account_id = b_.id;
  EXPECT_EQ(code(wrong_account), Status::Code::kInvalidArgument);
  EXPECT_EQ(code(MakeKey(u1_, "", 1)), Status::Code::kInvalidArgument);
  EXPECT_EQ(code(MakeKey(u1_, "S1", 1, "revoked")), Status::Code::kInvalidArgument);

  Put(MakeKey(u1_, "P1", 1));
  Put(MakeKey(u2_, "BOBS", 1));
  Put(MakeTemp(u1_, "T1", 5000, "P1"));
  EXPECT_EQ(code(MakeTemp(u1_, "X1", 9, "NOPARENT")), Status::Code::kNotFound);
  EXPECT_EQ(code(MakeTemp(u1_, "X2", 9, "BOBS")), Status::Code::kInvalidArgument);
  EXPECT_EQ(code(MakeTemp(u1_, "X3", 9, "T1")), Status::Code::kInvalidArgument);  // no chains

  Token tok = PutToken(u1_);
  Token bobs = PutToken(u2_);
  EXPECT_EQ(code(MakeTemp(u1_, "X4", 9, "", Sha256Hex("unknown"))), Status::Code::kNotFound);
  EXPECT_EQ(code(MakeTemp(u1_, "X5", 9, "", bobs.token_hash)), Status::Code::kInvalidArgument);
  Put(MakeTemp(u1_, "T2", 9, "", tok.token_hash));
  ASSERT_TRUE(store_->RevokeToken(tok.token_hash).ok());
  EXPECT_EQ(code(MakeTemp(u1_, "X6", 9, "", tok.token_hash)),
            Status::Code::kFailedPrecondition);

  // A disabled user gets no temporary key; the operator may still give it a
  // permanent one.
  ASSERT_TRUE(store_->SetUserEnabled(u1_.id, false).ok());
  EXPECT_EQ(code(MakeTemp(u1_, "X7", 9, "P1")), Status::Code::kFailedPrecondition);
  Put(MakeKey(u1_, "P2", 2));
  for (const char* ak : {"G1", "W1", "S1", "X1", "X2", "X3", "X4", "X5", "X6", "X7"}) {
    EXPECT_FALSE(Exists(ak)) << ak;
  }
}

// ---- update ----

TEST_F(CredentialStoreTest, UpdateSetsStatusDescriptionBothOrNothing) {
  Put(MakeKey(u1_, "UPD", 1));
  auto r = store_->UpdateCredential("UPD", "inactive", std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, "inactive");
  EXPECT_EQ(r->description, "key UPD");

  r = store_->UpdateCredential("UPD", std::nullopt, "renamed");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "inactive");
  EXPECT_EQ(r->description, "renamed");

  r = store_->UpdateCredential("UPD", std::nullopt, std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "inactive");
  EXPECT_EQ(r->description, "renamed");
  EXPECT_EQ(r->sealed_secret, MakeKey(u1_, "UPD", 1).sealed_secret);

  r = store_->UpdateCredential("UPD", "active", "");  // "" clears, nullopt keeps
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "active");
  EXPECT_EQ(r->description, "");

  auto stored = store_->GetCredential("UPD");
  EXPECT_EQ(stored->status, "active");
  EXPECT_EQ(stored->description, "");
  EXPECT_EQ(stored->create_time, 1);
}

TEST_F(CredentialStoreTest, UpdateUnknownIsNotFoundAndBadStatusIsRefused) {
  Put(MakeKey(u1_, "UPD", 1));
  EXPECT_EQ(store_->UpdateCredential("NONE", "inactive", std::nullopt).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(store_->UpdateCredential("NONE", std::nullopt, std::nullopt).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(store_->UpdateCredential("UPD", "ACTIVE", std::nullopt).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->GetCredential("UPD")->status, "active");
}

// ---- delete ----

TEST_F(CredentialStoreTest, DeleteCascadesToItsTemporaryKeysOnly) {
  Token tok = PutToken(u1_);
  Put(MakeKey(u1_, "P1", 1));
  Put(MakeKey(u1_, "P2", 2));
  Put(MakeTemp(u1_, "P1CHILD1", 5000, "P1"));
  Put(MakeTemp(u1_, "P1CHILD2", 5000, "P1"));
  Put(MakeTemp(u1_, "P2CHILD", 5000, "P2"));
  Put(MakeTemp(u1_, "TOKCHILD", 5000, "", tok.token_hash));
  Put(MakeKey(u2_, "BOBS", 1));

  ASSERT_TRUE(store_->DeleteCredential("P1").ok());
  for (const char* gone : {"P1", "P1CHILD1", "P1CHILD2"}) EXPECT_FALSE(Exists(gone)) << gone;
  for (const char* kept : {"P2", "P2CHILD", "TOKCHILD", "BOBS"}) EXPECT_TRUE(Exists(kept)) << kept;
  EXPECT_EQ(store_->DeleteCredential("P1").code(), Status::Code::kNotFound);

  // Deleting a temporary key takes nothing else with it.
  ASSERT_TRUE(store_->DeleteCredential("P2CHILD").ok());
  EXPECT_TRUE(Exists("P2"));
  // '' is every permanent key's parent_access, never a key.
  EXPECT_EQ(store_->DeleteCredential("").code(), Status::Code::kNotFound);
  for (const char* kept : {"P2", "TOKCHILD", "BOBS"}) EXPECT_TRUE(Exists(kept)) << kept;
}

// ---- touch ----

TEST_F(CredentialStoreTest, TouchWritesAtMostOncePerInterval) {
  constexpr int64_t kMinute = 60'000;
  Put(MakeKey(u1_, "BUSY", 1));
  Put(MakeKey(u1_, "IDLE", 1));
  auto last = [&] { return store_->GetCredential("BUSY")->last_use_time; };

  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000, kMinute).ok());
  EXPECT_EQ(last(), 1000);  // the first use is written even early in time
  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000 + kMinute - 1, kMinute).ok());
  EXPECT_EQ(last(), 1000);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 1000 + kMinute, kMinute).ok());
  EXPECT_EQ(last(), 1000 + kMinute);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 500, kMinute).ok());  // clock stepped back
  EXPECT_EQ(last(), 1000 + kMinute);
  ASSERT_TRUE(store_->TouchCredential("BUSY", 5 * kMinute, 0).ok());  // no interval
  EXPECT_EQ(last(), 5 * kMinute);
  EXPECT_EQ(store_->GetCredential("IDLE")->last_use_time, 0);
  EXPECT_TRUE(store_->TouchCredential("UNKNOWN", 1000, kMinute).ok());
}

// ---- expiry ----

TEST_F(CredentialStoreTest, DeleteExpiredRemovesOnlyExpiredTemporaryKeys) {
  Put(MakeKey(u1_, "PERM", 1));  // expires_at 0, but a permanent key never expires
  Put(MakeTemp(u1_, "T100", 100, "PERM"));
  Put(MakeTemp(u1_, "T200", 200, "PERM"));
  ASSERT_TRUE(store_->DeleteExpiredCredentials(150).ok());
  EXPECT_FALSE(Exists("T100"));
  EXPECT_TRUE(Exists("T200"));
  EXPECT_TRUE(Exists("PERM"));
  ASSERT_TRUE(store_->DeleteExpiredCredentials(200).ok());  // expires_at <= now is expired
  EXPECT_FALSE(Exists("T200"));
  EXPECT_TRUE(Exists("PERM"));
}

// ---- one-time keys ----

TEST_F(CredentialStoreTest, RememberOnceNewDuplicateAndExpiredReuse) {
  EXPECT_TRUE(store_->RememberOnce("sig:aa", 1000, 2000).value());
  EXPECT_FALSE(store_->RememberOnce("sig:aa", 1500, 9000).value());
  EXPECT_FALSE(store_->RememberOnce("sig:aa", 1999, 2999).value());
  EXPECT_TRUE(store_->RememberOnce("sig:bb", 1999, 2999).value());  // keys are independent
  // At expires_at the entry is spent: the key is new again, with a new expiry.
  EXPECT_TRUE(store_->RememberOnce("sig:aa", 2000, 3000).value());
  EXPECT_FALSE(store_->RememberOnce("sig:aa", 2999, 4000).value());
  EXPECT_TRUE(store_->RememberOnce("sig:aa", 3000, 4000).value());
}

TEST_F(CredentialStoreTest, RememberOnceAdmitsExactlyOneOfConcurrentCallers) {
  std::vector<std::unique_ptr<Store>> owned;
  owned.push_back(testing::MustOpen(path_));
  owned.push_back(testing::MustOpen(path_));
  std::vector<Store*> stores = {store_.get(), owned[0].get(), owned[1].get()};
  for (int round = 0; round < 10; ++round) {
    const std::string key = "sig:" + std::to_string(round);
    std::atomic<int> fresh{0}, errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      Store* s = stores[static_cast<size_t>(i) % stores.size()];
      threads.emplace_back([&, s] {
        auto r = s->RememberOnce(key, 1000, 2000);
        if (!r.ok()) {
          errors++;
        } else if (*r) {
          fresh++;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(fresh.load(), 1) << key;
  }
}


// ---- projects ----

Project MakeProject(const Account& a, const std::string& name, int64_t t = 1) {
  return Project{Sha256Hex(a.id + "/" + name).substr(0, 32), a.id, name, t};
}

TEST_F(CredentialStoreTest, RememberProjectIsIdempotentAndListsPerAccount) {
  Project p = MakeProject(a_, "cn-north-4", 10);
  ASSERT_TRUE(store_->RememberProject(p).ok());
  Project again = p;
  again.create_time = 99;  // the first sighting stays
  ASSERT_TRUE(store_->RememberProject(again).ok());
  ASSERT_TRUE(store_->RememberProject(MakeProject(a_, "ap-southeast-1", 20)).ok());
  ASSERT_TRUE(store_->RememberProject(MakeProject(b_, "cn-north-4", 30)).ok());

  auto la = store_->ListProjects(a_.id);
  ASSERT_TRUE(la.ok());
  ASSERT_EQ(la->size(), 2u);
  EXPECT_EQ((*la)[0].name, "ap-southeast-1");
  EXPECT_EQ((*la)[1].name, "cn-north-4");
  EXPECT_EQ((*la)[1].id, p.id);
  EXPECT_EQ((*la)[1].account_id, a_.id);
  EXPECT_EQ((*la)[1].create_time, 10);

  auto lb = store_->ListProjects(b_.id);
  ASSERT_TRUE(lb.ok());
  ASSERT_EQ(lb->size(), 1u);
  EXPECT_EQ((*lb)[0].account_id, b_.id);
  EXPECT_NE((*lb)[0].id, p.id);
  EXPECT_TRUE(store_->ListProjects("no-such-account").value().empty());
}

TEST_F(CredentialStoreTest, RememberProjectRefusesANameUnderAnotherIdAndUnknownAccounts) {
  ASSERT_TRUE(store_->RememberProject(MakeProject(a_, "cn-north-4")).ok());
  Project clash = MakeProject(a_, "cn-north-4");
  clash.id = std::string(32, 'f');
  EXPECT_EQ(store_->RememberProject(clash).code(), Status::Code::kAlreadyExists);
  Account ghost = MakeAccount("ghost");  // never stored
  EXPECT_EQ(store_->RememberProject(MakeProject(ghost, "x")).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->ListProjects(a_.id)->size(), 1u);
}

}  // namespace
}  // namespace csrd::store
