#include "identity/principal.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "core/encoding.h"

namespace csrd::identity {
namespace {

class PrincipalFromRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    account_ = {NewId(), "acme", 1};
    other_ = {NewId(), "globex", 1};
    user_.id = NewId();
    user_.account_id = account_.id;
    user_.name = "alice";
    user_.password_hash = "x";
    user_.roles = store::kRoleScmReadOnly;
  }

  store::Account account_, other_;
  store::User user_;
  const Status refused_ = Status::Unauthenticated("refused");
};

// The rows as the one-round-trip reads found them.
TEST_F(PrincipalFromRowsTest, AppliesTheUserAndAccountRule) {
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
