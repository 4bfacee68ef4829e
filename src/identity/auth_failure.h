// AuthFailure: why a caller was refused, as a small fixed set for metrics
// (csrd_auth_failures_total{reason}). Never carries the caller's identity.
//
// The refusal messages of the Authenticator, the AK/SK verifier and the
// login service are part of the wire contract (sdk-wire §7.2, iam-subset §3),
// so they are stable; ClassifyAuthFailure maps them to a reason without
// touching the code that produces them. auth_failure_test drives every
// refusal through the real services, so a reworded message that would fall
// out of its class fails there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace csrd::identity {

enum class AuthFailure : uint8_t {
  kMissing,           // no credentials at all
  kMalformed,         // unparsable Authorization / X-Sdk-Date, unsupported scheme
  kBadToken,          // unknown, revoked or mis-sized X-Auth-Token
  kExpiredToken,      // a token past its expiry
  kBadPassword,       // password login refused (wrong password, unknown user, locked pair)
  kBadSignature,      // signature or payload hash mismatch
  kUnknownAk,         // the AK does not exist
  kInactiveAk,        // the AK is deactivated
  kExpiredAk,         // a temporary AK expired, or the credential it came from is gone
  kBadSecurityToken,  // X-Security-Token missing, wrong, or on a permanent key
  kLocked,            // (AK, address) locked after wrong signatures
  kClockSkew,         // X-Sdk-Date outside the window
  kReplay,            // a one-time signature used again
  kDisabledUser,      // the key's user is disabled or gone
  kThrottled,         // too many concurrent logins (429)
  kDomainMismatch,    // X-Domain-Id or a login scope names another account
  kForbidden,         // authenticated, but the role or key policy does not allow it
  kOther,
};

inline constexpr size_t kAuthFailureCount = static_cast<size_t>(AuthFailure::kOther) + 1;

// The label value, e.g. "bad_signature".
std::string_view AuthFailureName(AuthFailure reason);

// Every reason, in enum order (to pre-register metric children).
const std::array<AuthFailure, kAuthFailureCount>& AllAuthFailures();

// The reason of a refusal from Authenticator::Authenticate or
// LoginService::Login: Unauthenticated by its message (kOther for a message
// not listed), ResourceExhausted as kThrottled; nullopt for any other status
// (a store failure is not a refusal, so it is not counted as one).
std::optional<AuthFailure> ClassifyAuthFailure(const Status& status);

}  // namespace csrd::identity
