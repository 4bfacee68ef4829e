#include "identity/permissions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "store/records.h"

namespace csrd::identity {
namespace {

const std::vector<Action> kAllActions = {
    Action::kCreateCsr, Action::kListCsr,          Action::kGetCsr,    Action::kUpdateCsr,
    Action::kDeleteCsr, Action::kGetCsrPrivateKey, Action::kUploadCsr, Action::kListAuditEvents,
};

TEST(PermissionsTest, ActionNamesAreHuaweis) {
  EXPECT_EQ(ActionName(Action::kCreateCsr), "scm::createCsr");
  EXPECT_EQ(ActionName(Action::kListCsr), "scm::listCsr");
  EXPECT_EQ(ActionName(Action::kGetCsr), "scm::getCsr");
  EXPECT_EQ(ActionName(Action::kUpdateCsr), "scm::updateCsr");
  EXPECT_EQ(ActionName(Action::kDeleteCsr), "scm::deleteCsr");
  EXPECT_EQ(ActionName(Action::kGetCsrPrivateKey), "scm::getCsrPrivateKey");
  EXPECT_EQ(ActionName(Action::kUploadCsr), "scm::uploadCsr");
  EXPECT_EQ(ActionName(Action::kListAuditEvents), "scm::listAuditEvents");
  std::set<std::string_view> distinct;
  for (Action a : kAllActions) distinct.insert(ActionName(a));
  EXPECT_EQ(distinct.size(), kAllActions.size());
}

// The whole table: every combination of the three roles (and a stray bit)
// against every action.
TEST(PermissionsTest, FullTable) {
  constexpr uint32_t kFull = store::kRoleScmFullAccess;
  constexpr uint32_t kRead = store::kRoleScmReadOnly;
  for (uint32_t roles = 0; roles < 16; ++roles) {
    const uint32_t r = (roles & 7) | ((roles & 8) ? (1u << 20) : 0);  // bit 3 -> a stray bit
    for (Action a : kAllActions) {
      bool want;
      if (r & kFull) {
        want = true;
      } else if (r & kRead) {
        want = a == Action::kListCsr || a == Action::kGetCsr;
      } else {
        want = false;  // none, Security Administrator alone, or only a stray bit
      }
      EXPECT_EQ(IsAllowed(r, a), want) << "roles=" << r << " action=" << ActionName(a);
    }
  }
}

TEST(PermissionsTest, SpotChecks) {
  EXPECT_FALSE(IsAllowed(store::kRoleScmReadOnly, Action::kGetCsrPrivateKey));
  EXPECT_FALSE(IsAllowed(store::kRoleScmReadOnly, Action::kListAuditEvents));
  EXPECT_FALSE(IsAllowed(store::kRoleSecurityAdmin, Action::kListCsr));
  EXPECT_TRUE(IsAllowed(store::kRoleScmFullAccess, Action::kListAuditEvents));
  EXPECT_TRUE(IsAllowed(store::kRoleScmFullAccess | store::kRoleScmReadOnly,
                        Action::kGetCsrPrivateKey));
  EXPECT_FALSE(IsAllowed(0, Action::kGetCsr));
}

Principal WithRoles(uint32_t roles) {
  Principal p;
  p.roles = roles;
  return p;
}

std::vector<PolicyStatement> Policy(std::string_view text) {
  auto p = ParsePolicy(text);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : std::vector<PolicyStatement>{};
}

TEST(PermissionsTest, PrincipalWithoutPolicyIsTheRolesTable) {
  for (uint32_t roles : {0u, uint32_t{store::kRoleScmReadOnly}, uint32_t{store::kRoleScmFullAccess},
                         uint32_t{store::kRoleSecurityAdmin}}) {
    for (Action a : kAllActions) EXPECT_EQ(IsAllowed(WithRoles(roles), a), IsAllowed(roles, a));
  }
}

TEST(PermissionsTest, PolicyNarrowsNeverWidens) {
  Principal full = WithRoles(store::kRoleScmFullAccess);
  full.policy = Policy("Allow scm::list*");
  EXPECT_TRUE(IsAllowed(full, Action::kListCsr));
  EXPECT_TRUE(IsAllowed(full, Action::kListAuditEvents));
  EXPECT_FALSE(IsAllowed(full, Action::kCreateCsr));
  EXPECT_FALSE(IsAllowed(full, Action::kGetCsr));

  full.policy = Policy("Allow scm::*\nDeny scm::getCsrPrivateKey");
  EXPECT_TRUE(IsAllowed(full, Action::kGetCsr));
  EXPECT_FALSE(IsAllowed(full, Action::kGetCsrPrivateKey));

  full.policy = std::vector<PolicyStatement>{};  // a policy with nothing allowed
  for (Action a : kAllActions) EXPECT_FALSE(IsAllowed(full, a));

  Principal reader = WithRoles(store::kRoleScmReadOnly);
  reader.policy = Policy("Allow *");
  EXPECT_TRUE(IsAllowed(reader, Action::kGetCsr));
  EXPECT_FALSE(IsAllowed(reader, Action::kCreateCsr));  // the role still rules
  EXPECT_FALSE(IsAllowed(reader, Action::kGetCsrPrivateKey));
}

}  // namespace
}  // namespace csrd::identity
