// Principal: who is calling, as the Authenticator established it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "identity/policy.h"
#include "store/store.h"

namespace csrd::identity {

struct Principal {
  std::string account_id;
  std::string account_name;
  std::string user_id;
  std::string user_name;
  uint32_t roles = 0;  // store::RoleBits, read from the user row for this request
  std::string project_id;    // "" unless the token is project-scoped
  std::string project_name;  // "" unless scoped by name
  enum class Method { kToken, kAkSk } method = Method::kToken;
  std::string token_hash;  // kToken: SHA-256 hex of the token (never the token)
  // When the credential stops working, epoch ms: the token's or the temporary
  // key's expiry; 0 for a permanent key (it does not expire).
  int64_t expires_at = 0;
  // kAkSk only:
  std::string access_key;  // the AK that signed (not secret)
  bool temporary = false;  // signed with a temporary key (+ its security token)
  // The temporary key's policy, narrowing the roles; nullopt = none.
  std::optional<std::vector<PolicyStatement>> policy;
};

// The live user and account behind a credential, as a Principal with the
// roles of the user row (contract §2.3: read for this request, never cached),
// from rows already read (Store::GetAkSkContext, GetTokenContext): user and
// account as the store found them (nullopt = gone), account_id the one the
// credential names. A missing user or account, a disabled user, or a user or
// account other than account_id gives `refused` (a 401). Consumes the rows.
Result<Principal> PrincipalFromRows(std::optional<store::User> user,
                                    std::optional<store::Account> account,
                                    std::string_view account_id, const Status& refused);

}  // namespace csrd::identity
