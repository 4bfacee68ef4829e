#include "identity/credential_service.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/encoding.h"

namespace csrd::identity {
namespace {

constexpr std::string_view kAccessAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kSecurityTokenBytes = 32;
constexpr int kInsertAttempts = 4;


std::string CredentialAad(const store::Credential& cred) {
  return crypto::SealAad("credential", cred.access, cred.account_id);
}

}  // namespace

std::string SecurityTokenHash(std::string_view security_token) {
  return Sha256Hex(security_token);
}

CredentialService::CredentialService(store::Store* store, const Clock* clock,
                                     const crypto::KeySealer* sealer)
    : store_(store), clock_(clock), sealer_(sealer) {}

Result<Secret> CredentialService::InsertWithFreshKeys(store::Credential& cred,
                                                     const store::AuditEvent* audit) const {
  Secret sk(RandomString(kSecretKeyChars, kSecretAlphabet));
  std::optional<store::AuditEvent> event;
  if (audit != nullptr) event = *audit;
  for (int attempt = 0;; ++attempt) {
    cred.access = RandomString(kAccessKeyChars, kAccessAlphabet);
    CSRD_ASSIGN_OR_RETURN(cred.sealed_secret, sealer_->Seal(sk.view(), CredentialAad(cred)));
    if (event) event->resource_id = cred.access;
    Status st = store_->InsertCredential(cred, kMaxPermanentKeysPerUser, event ? &*event : nullptr);
    if (st.ok()) return sk;
    if (st.IsResourceExhausted()) return Status::ResourceExhausted("akSkNumExceed");
    if (!st.IsAlreadyExists() || attempt + 1 >= kInsertAttempts) return st;
  }
}

Result<NewCredential> CredentialService::CreatePermanent(const store::User& user,
                                                         std::string description,
                                                         const store::AuditEvent* audit) const {
  NewCredential out;
  store::Credential& c = out.record;
  c.user_id = user.id;
  c.account_id = user.account_id;
  c.status = "active";
  c.description = std::move(description);
  c.create_time = clock_->NowMillis();
  c.temporary = false;
  CSRD_ASSIGN_OR_RETURN(out.secret, InsertWithFreshKeys(c, audit));
  return out;
}

Result<NewTemporaryCredential> CredentialService::CreateTemporary(const Principal& caller,
                                                                  int64_t duration_s,
                                                                  std::string policy_text,
                                                                  const store::AuditEvent* audit) const {
  if (caller.temporary) {
    return Status::PermissionDenied("temporary credentials cannot create temporary credentials");
  }
  if (duration_s < kMinTemporaryDurationS || duration_s > kMaxTemporaryDurationS) {
    return Status::InvalidArgument("duration_seconds must be between 900 and 86400");
  }
  std::string policy;
  if (!policy_text.empty()) {
    CSRD_ASSIGN_OR_RETURN(auto statements, ParsePolicy(policy_text));
    if (statements.empty()) return Status::InvalidArgument("the policy has no statement");
    policy = FormatPolicy(statements);
  }

  const int64_t now = clock_->NowMillis();
  int64_t expires_at = now + duration_s * 1000;
  if (caller.expires_at > 0) expires_at = std::min(expires_at, caller.expires_at);
  if (expires_at <= now) return Status::Unauthenticated("the caller's credential has expired");

  std::string raw = RandomBytes(kSecurityTokenBytes);
  NewTemporaryCredential out;
  out.security_token = Secret(Base64UrlEncode(raw));
  SecureWipe(raw);

  store::Credential& c = out.record;
  c.user_id = caller.user_id;
  c.account_id = caller.account_id;
  c.status = "active";
  c.create_time = now;
  c.temporary = true;
  c.security_token_hash = SecurityTokenHash(out.security_token.view());
  c.expires_at = expires_at;
  if (caller.method == Principal::Method::kToken) {
    c.parent_token_hash = caller.token_hash;
  } else {
    c.parent_access = caller.access_key;
  }
  if (c.parent_token_hash.empty() && c.parent_access.empty()) {
    return Status::InvalidArgument("the caller's credential is not identified");
  }
  c.policy = std::move(policy);
  CSRD_ASSIGN_OR_RETURN(out.secret, InsertWithFreshKeys(c, audit));
  return out;
}

Result<Secret> CredentialService::OpenSecret(const store::Credential& cred) const {
  return sealer_->Open(cred.sealed_secret, CredentialAad(cred));
}

}  // namespace csrd::identity
