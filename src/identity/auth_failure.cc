#include "identity/auth_failure.h"

#include "identity/login_service.h"

namespace csrd::identity {
namespace {

struct Rule {
  std::string_view text;
  bool prefix;  // else the whole message
  AuthFailure reason;
};

// The messages of authenticator.cc, token_service.cc, aksk_verifier.cc,
// sdk_signature.cc and login_service.cc.
constexpr Rule kRules[] = {
    {"missing credentials", false, AuthFailure::kMissing},
    {"unsupported authorization scheme", false, AuthFailure::kMalformed},
    {"AK/SK authentication is not enabled", false, AuthFailure::kMalformed},
    {"malformed ", true, AuthFailure::kMalformed},
    {"signed header '", true, AuthFailure::kMalformed},
    {"X-Sdk-Date header is required", false, AuthFailure::kMalformed},
    {"X-Sdk-Date must be YYYYMMDDTHHMMSSZ", false, AuthFailure::kMalformed},
    {"x-sdk-date must be listed in SignedHeaders", false, AuthFailure::kMalformed},
    {"The token is invalid", false, AuthFailure::kBadToken},
    {"The token must be updated", false, AuthFailure::kExpiredToken},
    {kWrongCredentials, false, AuthFailure::kBadPassword},
    {"The scope names another account", false, AuthFailure::kDomainMismatch},
    {"verify aksk signature fail", false, AuthFailure::kBadSignature},
    {"X-Sdk-Content-Sha256 does not match the body", false, AuthFailure::kBadSignature},
    {"UNSIGNED-PAYLOAD is not accepted", false, AuthFailure::kBadSignature},
    {"Get secretKey failed,ak:", true, AuthFailure::kUnknownAk},
    {"the access key is inactive", false, AuthFailure::kInactiveAk},
    {"the temporary access key has expired", false, AuthFailure::kExpiredAk},
    {"the credential this temporary access key came from is no longer valid", false,
     AuthFailure::kExpiredAk},
    {"X-Security-Token is required with a temporary access key", false,
     AuthFailure::kBadSecurityToken},
    {"the security token does not belong to this access key", false,
     AuthFailure::kBadSecurityToken},
    {"a security token is valid only with its temporary access key", false,
     AuthFailure::kBadSecurityToken},
    {"AK access failed to reach the limit,forbidden", false, AuthFailure::kLocked},
    {"X-Sdk-Date is too far from the server time", false, AuthFailure::kClockSkew},
    {"replayed signature", false, AuthFailure::kReplay},
    {"the access key's user is disabled or gone", false, AuthFailure::kDisabledUser},
};

}  // namespace

std::string_view AuthFailureName(AuthFailure reason) {
  switch (reason) {
    case AuthFailure::kMissing: return "missing";
    case AuthFailure::kMalformed: return "malformed";
    case AuthFailure::kBadToken: return "bad_token";
    case AuthFailure::kExpiredToken: return "expired_token";
    case AuthFailure::kBadPassword: return "bad_password";
    case AuthFailure::kBadSignature: return "bad_signature";
    case AuthFailure::kUnknownAk: return "unknown_ak";
    case AuthFailure::kInactiveAk: return "inactive_ak";
    case AuthFailure::kExpiredAk: return "expired_ak";
    case AuthFailure::kBadSecurityToken: return "bad_security_token";
    case AuthFailure::kLocked: return "locked";
    case AuthFailure::kClockSkew: return "clock_skew";
    case AuthFailure::kReplay: return "replay";
    case AuthFailure::kDisabledUser: return "disabled_user";
    case AuthFailure::kThrottled: return "throttled";
    case AuthFailure::kDomainMismatch: return "domain_mismatch";
    case AuthFailure::kForbidden: return "forbidden";
    case AuthFailure::kOther: return "other";
  }
  return "other";
}

const std::array<AuthFailure, kAuthFailureCount>& AllAuthFailures() {
  static const auto all = [] {
    std::array<AuthFailure, kAuthFailureCount> a{};
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<AuthFailure>(i);
    return a;
  }();
  return all;
}

std::optional<AuthFailure> ClassifyAuthFailure(const Status& status) {
  if (status.IsResourceExhausted()) return AuthFailure::kThrottled;
  if (!status.IsUnauthenticated()) return std::nullopt;
  const std::string_view m = status.message();
  for (const Rule& r : kRules) {
    if (r.prefix ? m.starts_with(r.text) : m == r.text) return r.reason;
  }
  return AuthFailure::kOther;
}

}  // namespace csrd::identity
