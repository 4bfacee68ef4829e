#include "identity/roles.h"

#include <array>
#include <utility>

namespace csrd::identity {
namespace {

constexpr std::array<std::pair<std::string_view, uint32_t>, 3> kRoles = {{
    {kRoleNameScmFullAccess, store::kRoleScmFullAccess},
    {kRoleNameScmReadOnly, store::kRoleScmReadOnly},
    {kRoleNameSecurityAdmin, store::kRoleSecurityAdmin},
}};

}  // namespace

std::optional<uint32_t> ParseRoleName(std::string_view name) {
  for (const auto& [n, bit] : kRoles) {
    if (n == name) return bit;
  }
  return std::nullopt;
}

std::vector<std::string> RoleNames(uint32_t roles) {
  std::vector<std::string> out;
  for (const auto& [n, bit] : kRoles) {
    if ((roles & bit) != 0) out.emplace_back(n);
  }
  return out;
}

}  // namespace csrd::identity
