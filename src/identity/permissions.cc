#include "identity/permissions.h"

#include "store/records.h"

namespace csrd::identity {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kCreateCsr: return "scm::createCsr";
    case Action::kListCsr: return "scm::listCsr";
    case Action::kGetCsr: return "scm::getCsr";
    case Action::kUpdateCsr: return "scm::updateCsr";
    case Action::kDeleteCsr: return "scm::deleteCsr";
    case Action::kGetCsrPrivateKey: return "scm::getCsrPrivateKey";
    case Action::kUploadCsr: return "scm::uploadCsr";
    case Action::kListAuditEvents: return "scm::listAuditEvents";
  }
  return "scm::unknown";
}

bool IsAllowed(uint32_t roles, Action action) {
  if ((roles & store::kRoleScmFullAccess) != 0) return true;
  if ((roles & store::kRoleScmReadOnly) != 0) {
    return action == Action::kListCsr || action == Action::kGetCsr;
  }
  return false;
}

bool IsAllowed(const Principal& principal, Action action) {
  if (!IsAllowed(principal.roles, action)) return false;
  return !principal.policy.has_value() || PolicyAllows(*principal.policy, ActionName(action));
}

}  // namespace csrd::identity
