#include "identity/principal.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "identity/identity_test_util.h"

namespace csrd::identity {
namespace {

class LoadPrincipalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    account_ = {NewId(), "acme", 1};
    other_ = {NewId(), "globex", 1};
    ASSERT_TRUE(store_->CreateAccount(account_).ok());
    ASSERT_TRUE(store_->CreateAccount(other_).ok());
    user_.id = NewId();
    user_.account_id = account_.id;
    user_.name = "alice";
    user_.password_hash = "x";
    user_.roles = store::kRoleScmReadOnly;
    ASSERT_TRUE(store_->CreateUser(user_).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  store::Account account_, other_;
  store::User user_;
  const Status refused_ = Status::Unauthenticated("refused");
};

TEST_F(LoadPrincipalTest, ReadsRolesFromTheUserRowNow) {
  auto p = LoadPrincipal(*store_, user_.id, account_.id, refused_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->account_name, "acme");
  EXPECT_EQ(p->user_name, "alice");
  EXPECT_EQ(p->roles, store::kRoleScmReadOnly);
  ASSERT_TRUE(store_->SetUserRoles(user_.id, store::kRoleScmFullAccess).ok());
  EXPECT_EQ(LoadPrincipal(*store_, user_.id, account_.id, refused_)->roles,
            store::kRoleScmFullAccess);
}

TEST_F(LoadPrincipalTest, RefusesUnknownDisabledOrMisplacedUsers) {
  EXPECT_EQ(LoadPrincipal(*store_, NewId(), account_.id, refused_).status().message(),
            "refused");
  EXPECT_EQ(LoadPrincipal(*store_, user_.id, other_.id, refused_).status().message(),
            "refused");
  ASSERT_TRUE(store_->SetUserEnabled(user_.id, false).ok());
  EXPECT_EQ(LoadPrincipal(*store_, user_.id, account_.id, refused_).status().message(),
            "refused");
}

// The same rule over rows already read (the one-round-trip paths).
TEST_F(LoadPrincipalTest, FromRowsAppliesTheSameRule) {
  auto p = PrincipalFromRows(user_, account_, account_.id, refused_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_id, user_.id);
  EXPECT_EQ(p->user_name, "alice");
  EXPECT_EQ(p->account_id, account_.id);
  EXPECT_EQ(p->account_name, "acme");
  EXPECT_EQ(p->roles, static_cast<uint32_t>(store::kRoleScmReadOnly));
  auto refused = [&](std::optional<store::User> u, std::optional<store::Account> a,
                     const std::string& account_id) {
    return PrincipalFromRows(std::move(u), std::move(a), account_id, refused_).status().message();
  };
  EXPECT_EQ(refused(std::nullopt, account_, account_.id), "refused");  // user gone
  EXPECT_EQ(refused(user_, std::nullopt, account_.id), "refused");     // account gone
  EXPECT_EQ(refused(user_, other_, other_.id), "refused");             // user elsewhere
  EXPECT_EQ(refused(user_, other_, account_.id), "refused");           // not the named account
  store::User disabled = user_;
  disabled.enabled = false;
  EXPECT_EQ(refused(disabled, account_, account_.id), "refused");
}

}  // namespace
}  // namespace csrd::identity
