#include "identity/account_admin.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "identity/roles.h"
#include "identity/token_service.h"
#include "identity_test_util.h"

namespace csrd::identity {
namespace {

using testing::CheapParams;
using testing::OpenTestStore;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

Secret Pw(std::string s) { return Secret(std::move(s)); }

class AccountAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    admin_ = std::make_unique<AccountAdmin>(store_.get(), &clock_, &hasher_);
  }

  store::User Row(std::string_view account, std::string_view user) {
    auto a = store_->GetAccountByName(account);
    EXPECT_TRUE(a.ok());
    auto u = store_->GetUserByName(a.ok() ? a->id : "", user);
    EXPECT_TRUE(u.ok());
    return u.ok() ? *u : store::User{};
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{kT0};
  PasswordHasher hasher_{CheapParams()};
  std::unique_ptr<AccountAdmin> admin_;
};

TEST_F(AccountAdminTest, BootstrapOnlyOnce) {
  auto first = admin_->Bootstrap(Pw("first bootstrap pw"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  store::User admin = Row("default", "admin");
  EXPECT_EQ(admin.roles, kAllRoles);
  EXPECT_TRUE(admin.enabled);
  EXPECT_EQ(admin.create_time, kT0);
  EXPECT_TRUE(hasher_.Verify("first bootstrap pw", admin.password_hash));
  EXPECT_EQ(admin.password_hash.rfind("$argon2id$", 0), 0u);

  auto second = admin_->Bootstrap(Pw("second bootstrap pw"));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  // It never resets a password, even one breaking the rules is just ignored.
  EXPECT_TRUE(hasher_.Verify("first bootstrap pw", Row("default", "admin").password_hash));
  auto short_pw = admin_->Bootstrap(Pw("short"));
  ASSERT_TRUE(short_pw.ok());
  EXPECT_FALSE(*short_pw);
  EXPECT_EQ(store_->ListAccounts()->size(), 1u);
}

TEST_F(AccountAdminTest, BootstrapSkippedWhenAnAccountExists) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  auto r = admin_->Bootstrap(Pw("bootstrap password"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_TRUE(store_->GetAccountByName("default").status().IsNotFound());
}

TEST_F(AccountAdminTest, BootstrapPasswordRules) {
  EXPECT_TRUE(admin_->Bootstrap(Pw("1234567")).status().IsInvalidArgument());
  EXPECT_TRUE(admin_->Bootstrap(Pw(std::string(129, 'p'))).status().IsInvalidArgument());
  EXPECT_TRUE(store_->ListAccounts()->empty());  // nothing written
  EXPECT_TRUE(*admin_->Bootstrap(Pw("12345678")));
}

TEST_F(AccountAdminTest, CreateAccount) {
  auto a = admin_->CreateAccount("acme");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "acme");
  EXPECT_EQ(a->id.size(), 32u);
  EXPECT_EQ(a->create_time, kT0);
  auto stored = store_->GetAccountByName("acme");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->id, a->id);
  EXPECT_TRUE(admin_->CreateAccount("acme").status().IsAlreadyExists());
  for (const char* bad : {"", "1acme", "-acme", "ac me", "acme/x"}) {
    EXPECT_TRUE(admin_->CreateAccount(bad).status().IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(admin_->CreateAccount(std::string(65, 'a')).status().IsInvalidArgument());
  EXPECT_TRUE(admin_->CreateAccount(std::string(64, 'a')).ok());
  EXPECT_EQ(store_->ListAccounts()->size(), 2u);
}

TEST_F(AccountAdminTest, CreateUser) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  auto u = admin_->CreateUser("acme", "Alice Smith", Pw("alice password"),
                              store::kRoleScmFullAccess);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->name, "Alice Smith");
  EXPECT_EQ(u->id.size(), 32u);
  EXPECT_TRUE(u->password_hash.empty());  // not handed back
  store::User row = Row("acme", "Alice Smith");
  EXPECT_EQ(row.id, u->id);
  EXPECT_EQ(row.roles, store::kRoleScmFullAccess);
  EXPECT_TRUE(row.enabled);
  EXPECT_TRUE(hasher_.Verify("alice password", row.password_hash));
  EXPECT_EQ(row.password_hash.find("alice password"), std::string::npos);

  EXPECT_TRUE(admin_->CreateUser("acme", "Alice Smith", Pw("alice password"), 0)
                  .status()
                  .IsAlreadyExists());
  EXPECT_TRUE(admin_->CreateUser("nosuch", "bob", Pw("bob password"), 0).status().IsNotFound());
}

TEST_F(AccountAdminTest, CreateUserRules) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  for (const std::string& bad : {std::string(), std::string("1bob"), std::string("bob/x"),
                                 std::string(65, 'b')}) {
    EXPECT_TRUE(admin_->CreateUser("acme", bad, Pw("bob password"), 0).status().IsInvalidArgument())
        << bad;
  }
  EXPECT_TRUE(admin_->CreateUser("acme", "bob", Pw("1234567"), 0).status().IsInvalidArgument());
  EXPECT_TRUE(admin_->CreateUser("acme", "bob", Pw(std::string(129, 'x')), 0)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(admin_->CreateUser("acme", "bob", Pw("bob password"), 1u << 5)
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(store_->ListUsers(store_->GetAccountByName("acme")->id)->empty());
  EXPECT_TRUE(admin_->CreateUser("acme", "bob", Pw("12345678"), 0).ok());
  EXPECT_TRUE(admin_->CreateUser("acme", "carol", Pw(std::string(128, 'x')), kAllRoles).ok());
  EXPECT_TRUE(admin_->CreateUser("acme", std::string(64, 'd'), Pw("12345678"), 0).ok());
}

TEST_F(AccountAdminTest, SetRoles) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  ASSERT_TRUE(admin_->CreateUser("acme", "bob", Pw("bob password"), 0).ok());
  ASSERT_TRUE(admin_->SetRoles("acme", "bob", store::kRoleScmReadOnly).ok());
  EXPECT_EQ(Row("acme", "bob").roles, store::kRoleScmReadOnly);
  EXPECT_TRUE(admin_->SetRoles("acme", "bob", 1u << 8).IsInvalidArgument());
  EXPECT_EQ(Row("acme", "bob").roles, store::kRoleScmReadOnly);
  EXPECT_TRUE(admin_->SetRoles("acme", "nobody", 0).IsNotFound());
  EXPECT_TRUE(admin_->SetRoles("nosuch", "bob", 0).IsNotFound());
}

TEST_F(AccountAdminTest, ResetPasswordRevokesTokens) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  ASSERT_TRUE(admin_->CreateUser("acme", "bob", Pw("old password"), 0).ok());
  TokenService tokens(store_.get(), &clock_);
  auto t = tokens.Issue(Row("acme", "bob"), "", "");
  ASSERT_TRUE(t.ok());
  clock_.Advance(1000);
  EXPECT_TRUE(admin_->ResetPassword("acme", "bob", Pw("short")).IsInvalidArgument());
  EXPECT_TRUE(tokens.Lookup(t->token.view()).ok());  // a refused reset changes nothing
  ASSERT_TRUE(admin_->ResetPassword("acme", "bob", Pw("new password")).ok());
  store::User row = Row("acme", "bob");
  EXPECT_TRUE(hasher_.Verify("new password", row.password_hash));
  EXPECT_FALSE(hasher_.Verify("old password", row.password_hash));
  EXPECT_EQ(row.password_changed_time, kT0 + 1000);
  EXPECT_TRUE(tokens.Lookup(t->token.view()).status().IsUnauthenticated());
  EXPECT_TRUE(admin_->ResetPassword("acme", "nobody", Pw("new password")).IsNotFound());
}

TEST_F(AccountAdminTest, DisableRevokesTokens) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  ASSERT_TRUE(admin_->CreateUser("acme", "bob", Pw("bob password"), 0).ok());
  TokenService tokens(store_.get(), &clock_);
  auto t = tokens.Issue(Row("acme", "bob"), "", "");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(admin_->SetEnabled("acme", "bob", false).ok());
  EXPECT_FALSE(Row("acme", "bob").enabled);
  EXPECT_TRUE(tokens.Lookup(t->token.view()).status().IsUnauthenticated());
  ASSERT_TRUE(admin_->SetEnabled("acme", "bob", true).ok());
  EXPECT_TRUE(Row("acme", "bob").enabled);
  EXPECT_TRUE(admin_->SetEnabled("acme", "nobody", false).IsNotFound());
}

TEST_F(AccountAdminTest, ListUsers) {
  ASSERT_TRUE(admin_->CreateAccount("acme").ok());
  ASSERT_TRUE(admin_->CreateAccount("other").ok());
  ASSERT_TRUE(admin_->CreateUser("acme", "alice", Pw("alice password"), kAllRoles).ok());
  ASSERT_TRUE(admin_->CreateUser("acme", "bob", Pw("bob password"), 0).ok());
  ASSERT_TRUE(admin_->CreateUser("other", "carol", Pw("carol password"), 0).ok());

  auto acme = admin_->ListUsers("acme");
  ASSERT_TRUE(acme.ok());
  ASSERT_EQ(acme->size(), 2u);
  auto all = admin_->ListUsers("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  for (const store::User& u : *all) EXPECT_TRUE(u.password_hash.empty()) << u.name;
  auto other = admin_->ListUsers("other");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].name, "carol");
  EXPECT_TRUE(admin_->ListUsers("nosuch").status().IsNotFound());
}

}  // namespace
}  // namespace csrd::identity
