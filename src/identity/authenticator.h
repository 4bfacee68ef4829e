// Authenticator: turns a request's credentials into a Principal (contract
// §2.1). It checks who the caller is, not what it may do (permissions.h) nor
// the X-Domain-Id rule (the api layer, after this).
//
// Thread-safe if the token service and verifier are (they are if their Store
// is). Pointers are borrowed and must outlive it.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "identity/aksk_verifier.h"
#include "identity/auth_input.h"
#include "identity/principal.h"
#include "identity/token_service.h"

namespace csrd::identity {

inline constexpr size_t kMinTokenChars = 32;
inline constexpr size_t kMaxTokenChars = 2097152;

class Authenticator {
 public:
  // aksk may be nullptr: AK/SK signatures are then refused as not enabled.
  explicit Authenticator(TokenService* tokens, const AkSkVerifier* aksk = nullptr);

  // Order (contract §2.1):
  //  1. Authorization present: it alone decides (X-Auth-Token is ignored).
  //     Scheme "SDK-HMAC-SHA256" -> AkSkVerifier::Verify(input,
  //     input.one_time), or Unauthenticated("AK/SK authentication is not
  //     enabled") without a verifier; any other value ->
  //     Unauthenticated("unsupported authorization scheme").
  //  2. Else X-Auth-Token: outside 32..2,097,152 characters ->
  //     Unauthenticated("The token is invalid"); else TokenService::Lookup;
  //     then the user must exist and be enabled and its account exist (else
  //     Unauthenticated). Roles come from the user row read now.
  //  3. Neither: Unauthenticated("missing credentials").
  // Store failures come back as they are (Unavailable, ...), never as 401.
  Result<Principal> Authenticate(const AuthInput& input) const;

 private:
  Result<Principal> AuthenticateToken(std::string_view token) const;

  TokenService* tokens_;
  const AkSkVerifier* aksk_;
};

}  // namespace csrd::identity
