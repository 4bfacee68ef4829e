// Authenticator: turns a request's credentials into a Principal (contract
// §2.1). It checks who the caller is, not what it may do (permissions.h) nor
// the X-Domain-Id rule (the api layer, after this).
//
// Thread-safe if the Store is. Pointers are borrowed and must outlive it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "identity/principal.h"
#include "identity/token_service.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr size_t kMinTokenChars = 32;
inline constexpr size_t kMaxTokenChars = 2097152;

// The credentials of one request, borrowed from it for the call.
struct AuthInput {
  std::optional<std::string_view> authorization;  // Authorization header, if present
  std::optional<std::string_view> auth_token;     // X-Auth-Token header, if present
  std::string_view remote_addr;
  // For SDK-HMAC-SHA256 (not verified yet; the next step fills this in):
  // the canonical request is built from these and the signed headers.
  std::string_view method;
  std::string_view path;   // raw, still percent-encoded
  std::string_view query;  // raw, after '?'
  std::string_view body;
  // Case-insensitive header lookup (first value), e.g. wrapping
  // http::Headers::Get. May be empty while AK/SK is not enabled.
  std::function<std::optional<std::string_view>(std::string_view name)> header;
};

class Authenticator {
 public:
  Authenticator(store::Store* store, TokenService* tokens);

  // Order (contract §2.1):
  //  1. Authorization present: it alone decides. For now
  //     "SDK-HMAC-SHA256..." -> Unauthenticated("AK/SK authentication is not
  //     enabled"), any other value -> Unauthenticated("unsupported
  //     authorization scheme").
  //  2. Else X-Auth-Token: outside 32..2,097,152 characters ->
  //     Unauthenticated("The token is invalid"); else TokenService::Lookup;
  //     then the user must exist and be enabled and its account exist (else
  //     Unauthenticated). Roles come from the user row read now.
  //  3. Neither: Unauthenticated("missing credentials").
  // Store failures come back as they are (Unavailable, ...), never as 401.
  Result<Principal> Authenticate(const AuthInput& input) const;

 private:
  Result<Principal> AuthenticateToken(std::string_view token) const;

  store::Store* store_;
  TokenService* tokens_;
};

}  // namespace csrd::identity
