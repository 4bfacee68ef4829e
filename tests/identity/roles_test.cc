#include "identity/roles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace csrd::identity {
namespace {

using ::testing::ElementsAre;

TEST(RolesTest, ParsesTheThreeNamesExactly) {
  EXPECT_EQ(ParseRoleName("SCM FullAccess"), store::kRoleScmFullAccess);
  EXPECT_EQ(ParseRoleName("SCM ReadOnlyAccess"), store::kRoleScmReadOnly);
  EXPECT_EQ(ParseRoleName("Security Administrator"), store::kRoleSecurityAdmin);
}

TEST(RolesTest, RejectsNearMisses) {
  for (const char* bad : {"", "scm fullaccess", "SCM FullAccess ", " SCM FullAccess",
                          "SCM_FullAccess", "SCM ReadOnly", "te_admin", "secu_admin"}) {
    EXPECT_FALSE(ParseRoleName(bad).has_value()) << bad;
  }
}

TEST(RolesTest, NamesInFixedOrder) {
  EXPECT_TRUE(RoleNames(0).empty());
  EXPECT_THAT(RoleNames(store::kRoleSecurityAdmin | store::kRoleScmFullAccess),
              ElementsAre("SCM FullAccess", "Security Administrator"));
  EXPECT_THAT(RoleNames(kAllRoles),
              ElementsAre("SCM FullAccess", "SCM ReadOnlyAccess", "Security Administrator"));
}

TEST(RolesTest, UnknownBitsAreIgnored) {
  EXPECT_TRUE(RoleNames(1u << 7).empty());
  EXPECT_THAT(RoleNames((1u << 9) | store::kRoleScmReadOnly), ElementsAre("SCM ReadOnlyAccess"));
}

TEST(RolesTest, RoundTrip) {
  for (uint32_t roles = 0; roles <= kAllRoles; ++roles) {
    uint32_t back = 0;
    for (const std::string& n : RoleNames(roles)) back |= ParseRoleName(n).value();
    EXPECT_EQ(back, roles);
  }
}

}  // namespace
}  // namespace csrd::identity
