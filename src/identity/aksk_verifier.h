// AkSkVerifier: authenticates an SDK-HMAC-SHA256 signed request (contract
// §2.2, sdk-wire §6.2) against the stored access keys, with the date window,
// the per-(AK, client address) lockout, one-time signatures and temporary
// keys' security tokens.
//
// Every refusal is Unauthenticated with a short message the api layer appends
// to "Incorrect IAM authentication information: " (sdk-wire §7.2): e.g.
// "verify aksk signature fail", "Get secretKey failed,ak:<AK>,err:ak not
// exist", "AK access failed to reach the limit,forbidden", "replayed
// signature". Messages never contain the SK, the signature or the security
// token. Store failures (Unavailable, ...) and an SK that does not unseal
// (Corruption) come back as they are, never as 401.
//
// The failure that locks a pair is recorded as an audit event (action
// "iam::akLocked", outcome "failure", resource the AK, in the key's account,
// naming its user), best-effort: a store that cannot take it leaves the 401
// as it is.
//
// Thread-safe if the Store is. Pointers are borrowed and must outlive it.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "core/result.h"
#include "identity/audit_events.h"
#include "identity/auth_input.h"
#include "identity/credential_service.h"
#include "identity/principal.h"
#include "store/store.h"

namespace csrd::identity {

struct AkSkPolicy {
  int64_t max_skew_ms = 15 * 60 * 1000;  // |X-Sdk-Date - now| allowed
  int lockout_threshold = 5;             // wrong signatures in a row lock the pair ...
  int64_t lockout_ms = 5 * 60 * 1000;    // ... for this long.
  // "In a row" (contract §2.2) has no time limit; the counter still forgets a
  // failure after a day so that stale rows do not lock a key months later.
  int64_t failure_memory_ms = 24LL * 3600 * 1000;
  int64_t touch_interval_ms = 60 * 1000; // last_use_time written at most this often
};

class AkSkVerifier {
 public:
  // on_audit_failure (optional) hears of lockout events the store refused.
  AkSkVerifier(store::Store* store, const Clock* clock, const CredentialService* credentials,
               AkSkPolicy policy = {}, AuditFailureHandler on_audit_failure = nullptr);

  // Checks, in this order (the first failure answers):
  //  1. Authorization parses (ParseSdkAuthorization).
  //  2. X-Sdk-Date is present, well-formed and listed in SignedHeaders.
  //  3. The AK exists.
  //  4. (AK, in.remote_addr) is not locked; a locked request is neither
  //     verified nor counted and does not extend the lock.
  //  5. X-Sdk-Date is within max_skew_ms of now (either way).
  //  6. The key is active.
  //  7. A temporary key: unexpired; X-Security-Token present and its SHA-256
  //     equal to the stored hash (constant time); its parent token still
  //     live (exists, unrevoked, unexpired) or its parent AK still existing
  //     and active. A permanent key with an X-Security-Token is refused.
  //  8. X-Sdk-Content-Sha256, when present, equals the body's hash
  //     ("UNSIGNED-PAYLOAD" is refused).
  //  9. The canonical request can be built (every signed header present).
  // 10. The signature matches (constant time), with the payload hash always
  //     computed over in.body. A mismatch counts one failure for (AK,
  //     address): lockout_threshold in a row (within failure_memory_ms) lock the pair
  //     for lockout_ms. Steps 1-9 never count.
  // Then: a success clears the pair's failure count; with one_time the
  // signature is remembered until date + max_skew_ms and a second use is
  // refused; last_use_time is touched (at most once per touch_interval_ms);
  // the key's user must exist, be enabled and belong to the key's account.
  // The Principal has method kAkSk, the user's roles read now, access_key,
  // temporary, the key's policy and (temporary keys) expires_at.
  // Everything stored that these checks read (key, throttle, user, account,
  // parents) comes from one Store::GetAkSkContext call made for this request:
  // one round trip, no cache, so a change is seen by the next request.
  Result<Principal> Verify(const AuthInput& in, bool one_time) const;

 private:
  Status CheckTemporary(const store::AkSkContext& ctx, const AuthInput& in, int64_t now) const;
  void RecordLock(const store::AkSkContext& ctx, const AuthInput& in, int64_t now) const;

  store::Store* store_;
  const Clock* clock_;
  const CredentialService* credentials_;
  AkSkPolicy policy_;
  AuditFailureHandler on_audit_failure_;
};

}  // namespace csrd::identity
