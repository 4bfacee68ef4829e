#include "identity/principal.h"

#include <utility>

namespace csrd::identity {

Result<Principal> PrincipalFromRows(std::optional<store::User> user,
                                    std::optional<store::Account> account,
                                    std::string_view account_id, const Status& refused) {
  if (!user.has_value() || !user->enabled || user->account_id != account_id) return refused;
  if (!account.has_value() || account->id != account_id) return refused;
  Principal p;
  p.account_id = std::move(account->id);
  p.account_name = std::move(account->name);
  p.user_id = std::move(user->id);
  p.user_name = std::move(user->name);
  p.roles = user->roles;
  return p;
}

}  // namespace csrd::identity
