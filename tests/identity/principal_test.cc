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

}  // namespace
}  // namespace csrd::identity
