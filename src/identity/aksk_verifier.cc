#include "identity/aksk_verifier.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "core/ascii.h"
#include "crypto/hmac.h"
#include "identity/sdk_signature.h"

namespace csrd::identity {
namespace {

constexpr std::string_view kLockedMessage = "AK access failed to reach the limit,forbidden";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

Status Refuse(std::string message) { return Status::Unauthenticated(std::move(message)); }

// Unauthenticated for a client error (NotFound, InvalidArgument), the status
// itself for anything else: the store's failures must not turn into 401s.
Status RefuseOr(const Status& st, std::string message) {
  if (st.IsNotFound() || st.IsInvalidArgument()) return Refuse(std::move(message));
  return st;
}

}  // namespace

AkSkVerifier::AkSkVerifier(store::Store* store, const Clock* clock,
                           const CredentialService* credentials, AkSkPolicy policy,
                           AuditFailureHandler on_audit_failure)
    : store_(store),
      clock_(clock),
      credentials_(credentials),
      policy_(policy),
      on_audit_failure_(std::move(on_audit_failure)) {}

void AkSkVerifier::RecordLock(const store::AkSkContext& ctx, const AuthInput& in,
                              int64_t now) const {
  const store::Credential& cred = ctx.credential;
  store::AuditEvent e;
  e.time = now;
  e.account_id = cred.account_id;
  e.user_id = cred.user_id;
  if (ctx.user.has_value()) e.user_name = ctx.user->name;
  e.action = kAuditAkLocked;
  e.resource_id = cred.access;
  e.remote_addr = in.remote_addr;
  e.request_id = in.request_id;
  e.outcome = kOutcomeFailure;
  e.detail = std::to_string(policy_.lockout_threshold) +
             " wrong signatures in a row from this address; locked for " +
             std::to_string(policy_.lockout_ms / 1000) + " s";
  RecordBestEffort(*store_, e, on_audit_failure_);
}

Status AkSkVerifier::CheckTemporary(const store::AkSkContext& ctx, const AuthInput& in,
                                    int64_t now) const {
  const store::Credential& cred = ctx.credential;
  if (now >= cred.expires_at) return Refuse("the temporary access key has expired");
  std::optional<std::string_view> token;
  if (in.header) token = in.header("x-security-token");
  if (!token.has_value()) return Refuse("X-Security-Token is required with a temporary access key");
  if (!crypto::ConstantTimeEquals(SecurityTokenHash(*token), cred.security_token_hash)) {
    return Refuse("the security token does not belong to this access key");
  }
  const Status parent_gone = Refuse("the credential this temporary access key came from is no "
                                    "longer valid");
  if (!cred.parent_token_hash.empty()) {
    const auto& parent = ctx.parent_token;
    if (!parent.has_value() || parent->revoked || now >= parent->expires_at) return parent_gone;
  }
  if (!cred.parent_access.empty()) {
    if (ctx.parent_access_status.value_or("") != "active") return parent_gone;
  }
  if (cred.parent_token_hash.empty() && cred.parent_access.empty()) return parent_gone;
  return Status::Ok();
}

Result<Principal> AkSkVerifier::Verify(const AuthInput& in, bool one_time) const {
  auto header = [&in](std::string_view name) -> std::optional<std::string_view> {
    if (!in.header) return std::nullopt;
    return in.header(name);
  };

  // 1-2: the shape of the request. Nothing here is counted.
  auto auth = ParseSdkAuthorization(in.authorization.value_or(std::string_view()));
  if (!auth.ok()) return Refuse(auth.status().message());
  const std::optional<std::string_view> date_value = header("x-sdk-date");
  if (!date_value.has_value()) return Refuse("X-Sdk-Date header is required");
  auto date = ParseSdkDate(*date_value);
  if (!date.ok()) return Refuse("X-Sdk-Date must be YYYYMMDDTHHMMSSZ");
  const auto& listed = auth->signed_headers;
  if (std::find(listed.begin(), listed.end(), "x-sdk-date") == listed.end()) {
    return Refuse("x-sdk-date must be listed in SignedHeaders");
  }

  // 3-4: the key and the lock of (AK, address).
  // One read for every stored fact the checks below need.
  const int64_t now = clock_->NowMillis();
  const std::string throttle_key = "aksk:" + auth->access + ":" + std::string(in.remote_addr);
  auto ctx = store_->GetAkSkContext(auth->access, throttle_key);
  if (!ctx.ok()) {
    return RefuseOr(ctx.status(), "Get secretKey failed,ak:" + auth->access + ",err:ak not exist");
  }
  store::Credential* cred = &ctx->credential;
  const store::Throttle throttle = ctx->throttle;
  if (throttle.locked_until > now) return Refuse(std::string(kLockedMessage));

  // 5-7: is the key usable now.
  if (*date < now - policy_.max_skew_ms || *date > now + policy_.max_skew_ms) {
    return Refuse("X-Sdk-Date is too far from the server time");
  }
  if (cred->status != "active") return Refuse("the access key is inactive");
  if (cred->temporary) {
    CSRD_RETURN_IF_ERROR(CheckTemporary(*ctx, in, now));
  } else if (header("x-security-token").has_value()) {
    return Refuse("a security token is valid only with its temporary access key");
  }

  // 8-10: the signature over what was received.
  if (auto claimed = header("x-sdk-content-sha256"); claimed.has_value()) {
    if (*claimed == kUnsignedPayload) return Refuse("UNSIGNED-PAYLOAD is not accepted");
    // PayloadHash is lower-case hex; the client's may be upper-case.
    if (!EqualsIgnoreCase(*claimed, PayloadHash(in.body))) {
      return Refuse("X-Sdk-Content-Sha256 does not match the body");
    }
  }
  CSRD_ASSIGN_OR_RETURN(Secret sk, credentials_->OpenSecret(*cred));
  const SignableRequest req{in.method, in.path, in.query, header, in.body};
  Status sig = VerifySignature(req, *auth, sk.view(), *date_value);
  if (sig.IsInvalidArgument()) return Refuse(sig.message());  // e.g. a signed header missing
  if (sig.IsUnauthenticated()) {
    CSRD_ASSIGN_OR_RETURN(store::Throttle counted,
                          store_->RecordFailure(throttle_key, now, policy_.failure_memory_ms,
                                                policy_.lockout_threshold, policy_.lockout_ms));
    // This failure set the lock (a lock set by a racing request carries that
    // request's time, so the event is recorded once per lock).
    if (counted.locked_until == now + policy_.lockout_ms) RecordLock(*ctx, in, now);
    return sig;
  }
  CSRD_RETURN_IF_ERROR(sig);

  // The user and account are checked before any bookkeeping, so a request
  // refused for them leaves no trace: no touch, no spent one-time signature.
  CSRD_ASSIGN_OR_RETURN(
      Principal p, PrincipalFromRows(std::move(ctx->user), std::move(ctx->account),
                                     cred->account_id,
                                     Refuse("the access key's user is disabled or gone")));

  // Accepted. Bookkeeping costs a write only when there is something to record.
  if (throttle.failures != 0 || throttle.locked_until != 0) {
    CSRD_RETURN_IF_ERROR(store_->ClearThrottle(throttle_key));
  }
  if (one_time) {
    CSRD_ASSIGN_OR_RETURN(bool fresh, store_->RememberOnce("sig:" + auth->signature, now,
                                                           *date + policy_.max_skew_ms));
    if (!fresh) return Refuse("replayed signature");
  }
  if (cred->last_use_time == 0 || now - cred->last_use_time >= policy_.touch_interval_ms) {
    CSRD_RETURN_IF_ERROR(store_->TouchCredential(cred->access, now, policy_.touch_interval_ms));
  }

  p.method = Principal::Method::kAkSk;
  p.access_key = std::move(cred->access);
  p.temporary = cred->temporary;
  p.expires_at = cred->temporary ? cred->expires_at : 0;
  if (!cred->policy.empty()) {
    auto statements = ParsePolicy(cred->policy);
    if (!statements.ok()) return Status::Corruption("a stored access key policy does not parse");
    p.policy = std::move(statements).value();
  }
  return p;
}

}  // namespace csrd::identity
