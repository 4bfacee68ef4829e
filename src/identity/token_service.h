// TokenService: issues, looks up and revokes user tokens (contract §2.4).
//
// A token is "csrd_" + base64url (no padding) of 32 CSPRNG bytes: 48
// URL-safe characters carrying 256 random bits. Only its SHA-256 (hex) is
// stored; the text exists only in the IssuedToken handed to the caller.
//
// Thread-safe if the Store is. The Store and Clock are borrowed and must
// outlive the service.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/status.h"
#include "store/records.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr int64_t kDefaultTokenLifetimeMs = 24LL * 60 * 60 * 1000;

struct IssuedToken {
  Secret token;         // the bearer text; goes to the client once (X-Subject-Token)
  store::Token record;  // as stored (token_hash, times, scope)
};

// Hex SHA-256 of a token, the store's key for it.
std::string TokenHash(std::string_view token);

class TokenService {
 public:
  TokenService(store::Store* store, const Clock* clock,
               int64_t lifetime_ms = kDefaultTokenLifetimeMs);

  // Stores and returns a new token for user, valid for lifetime_ms from now.
  // project_id/project_name are "" for an account-scoped token. Store errors
  // are returned as they are.
  Result<IssuedToken> Issue(const store::User& user, std::string project_id,
                            std::string project_name);

  // The stored record of a live token. A token is live while
  // now < expires_at (so it dies at exactly issued_at + lifetime).
  // Unknown or revoked: Unauthenticated("The token is invalid").
  // Expired: Unauthenticated("The token must be updated").
  // Other store errors (Unavailable, ...) are returned as they are.
  Result<store::Token> Lookup(std::string_view token) const;

  // Lookup with the token's user and account read in the same store round
  // trip (Store::GetTokenContext); the same refusals in the same order. The
  // caller still applies the user/account rule (PrincipalFromRows).
  Result<store::TokenContext> LookupWithOwner(std::string_view token) const;

  // Marks the token revoked, expired or not. NotFound if the store never
  // issued it; other store errors as they are.
  Status Revoke(std::string_view token);

  int64_t lifetime_ms() const { return lifetime_ms_; }

 private:
  // The refusals of a stored token (revoked, expired), shared by both lookups.
  Status CheckUsable(const store::Token& rec) const;

  store::Store* store_;
  const Clock* clock_;
  int64_t lifetime_ms_;
};

}  // namespace csrd::identity
