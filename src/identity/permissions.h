// What each role may do (contract §1 action column, §2.3).
//
// Roles are checked on every request from the user row, never from a token.
#pragma once

#include <cstdint>
#include <string_view>

#include "identity/principal.h"

namespace csrd::identity {

enum class Action {
  kCreateCsr,
  kListCsr,
  kGetCsr,
  kUpdateCsr,
  kDeleteCsr,
  kGetCsrPrivateKey,
  kUploadCsr,
  kListAuditEvents,
};

// Huawei's action name verbatim, e.g. "scm::getCsrPrivateKey".
std::string_view ActionName(Action action);

// SCM FullAccess: every scm action. SCM ReadOnlyAccess: listCsr and getCsr
// only (deliberately not getCsrPrivateKey). Security Administrator grants no
// scm action by itself. Unknown role bits grant nothing.
bool IsAllowed(uint32_t roles, Action action);

// The roles check above AND, for a principal carrying a temporary key's
// policy, PolicyAllows(policy, ActionName(action)): the policy only narrows.
bool IsAllowed(const Principal& principal, Action action);

}  // namespace csrd::identity
