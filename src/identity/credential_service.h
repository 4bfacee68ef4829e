// CredentialService: issues access keys (AK/SK) and opens their sealed SKs
// (contract §1, §2.4; iam-subset §6-§7).
//
// Permanent keys: AK = 20 characters [A-Z0-9], SK = 40 characters
// [A-Za-z0-9], both from the CSPRNG; at most kMaxPermanentKeysPerUser per
// user (active and inactive alike). Temporary keys have the same shapes plus
// a security token (256 CSPRNG bits, base64url, no padding) that is stored
// only as its SHA-256 hex. The SK is stored only sealed by the KeySealer,
// bound to ("credential", access, account_id); the plain SK and security
// token exist only in the values returned here, which wipe themselves.
//
// Authorization (who may create a key for whom) is the caller's job, except
// the one rule only this service can see: a temporary key cannot mint more.
//
// Thread-safe if the Store is (every method is const). Pointers are borrowed and must outlive it.
// Store errors come back as they are; messages never contain a secret.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "crypto/sealer.h"
#include "identity/principal.h"
#include "store/records.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr int kMaxPermanentKeysPerUser = 2;
inline constexpr size_t kAccessKeyChars = 20;
inline constexpr size_t kSecretKeyChars = 40;
inline constexpr int64_t kMinTemporaryDurationS = 900;
inline constexpr int64_t kMaxTemporaryDurationS = 86400;
inline constexpr int64_t kDefaultTemporaryDurationS = 900;

struct NewCredential {
  store::Credential record;  // as stored (sealed_secret included)
  Secret secret;             // the SK, shown to the owner once
};

struct NewTemporaryCredential {
  store::Credential record;  // as stored (security_token_hash, expires_at, parents, policy)
  Secret secret;             // the SK
  Secret security_token;     // goes with every request signed by this key
};

// Hex SHA-256 of a security token, as stored in Credential::security_token_hash.
std::string SecurityTokenHash(std::string_view security_token);

class CredentialService {
 public:
  CredentialService(store::Store* store, const Clock* clock, const crypto::KeySealer* sealer);

  // A new active permanent key for user. ResourceExhausted("akSkNumExceed")
  // when the user already holds kMaxPermanentKeysPerUser keys. The
  // description is stored as given (the api layer validates it).
  //
  // audit (both Create methods): when non-null, this event is stored in the
  // key's own insert transaction, with resource_id set to the new AK.
  Result<NewCredential> CreatePermanent(const store::User& user, std::string description,
                                        const store::AuditEvent* audit = nullptr) const;

  // A temporary key for the caller's user, valid for duration_s seconds
  // (kMinTemporaryDurationS..kMaxTemporaryDurationS, else InvalidArgument)
  // but never past the caller's own credential (caller.expires_at when
  // non-zero). A temporary caller gets PermissionDenied. policy_text is ""
  // (no policy) or the policy.h form, else InvalidArgument; it is stored
  // normalised. The parent is recorded so that revoking it kills the key:
  // parent_token_hash for a token caller, parent_access for a permanent AK.
  Result<NewTemporaryCredential> CreateTemporary(const Principal& caller, int64_t duration_s,
                                                 std::string policy_text,
                                                 const store::AuditEvent* audit = nullptr) const;

  // The plain SK of cred. Corruption when the seal does not open (tampered
  // row, wrong master key).
  Result<Secret> OpenSecret(const store::Credential& cred) const;

 private:
  // Fills access and sealed_secret with a fresh AK/SK and inserts cred (and
  // audit, naming the AK), drawing a new AK on the (astronomically rare)
  // AlreadyExists.
  Result<Secret> InsertWithFreshKeys(store::Credential& cred,
                                     const store::AuditEvent* audit) const;

  store::Store* store_;
  const Clock* clock_;
  const crypto::KeySealer* sealer_;
};

}  // namespace csrd::identity
