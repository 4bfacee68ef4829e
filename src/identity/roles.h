// Role names as they appear on the wire and in `csrd admin`, mapped to the
// store's RoleBits (contract §2.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"

namespace csrd::identity {

inline constexpr std::string_view kRoleNameScmFullAccess = "SCM FullAccess";
inline constexpr std::string_view kRoleNameScmReadOnly = "SCM ReadOnlyAccess";
inline constexpr std::string_view kRoleNameSecurityAdmin = "Security Administrator";

// Every role bit csrd knows; any other bit in a roles value is invalid.
inline constexpr uint32_t kAllRoles =
    store::kRoleScmFullAccess | store::kRoleScmReadOnly | store::kRoleSecurityAdmin;

// The bit for an exact (case-sensitive) role name, or nullopt for anything else.
std::optional<uint32_t> ParseRoleName(std::string_view name);

// Names of the known bits set in roles, in the order FullAccess, ReadOnly,
// Security Administrator. Unknown bits are ignored.
std::vector<std::string> RoleNames(uint32_t roles);

}  // namespace csrd::identity
