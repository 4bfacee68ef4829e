#include "identity/token_service.h"

#include <utility>

#include "core/encoding.h"

namespace csrd::identity {
namespace {

constexpr std::string_view kTokenPrefix = "csrd_";
constexpr size_t kTokenRandomBytes = 32;

}  // namespace

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

TokenService::TokenService(store::Store* store, const Clock* clock, int64_t lifetime_ms)
    : store_(store), clock_(clock), lifetime_ms_(lifetime_ms) {}

Result<IssuedToken> TokenService::Issue(const store::User& user, std::string project_id,
                                        std::string project_name) {
  std::string raw = RandomBytes(kTokenRandomBytes);
  std::string encoded = Base64UrlEncode(raw);
  SecureWipe(raw);
  IssuedToken out;
  out.token.mutable_str().reserve(kTokenPrefix.size() + encoded.size());
  out.token.mutable_str().append(kTokenPrefix).append(encoded);
  SecureWipe(encoded);

  const int64_t now = clock_->NowMillis();
  store::Token& r = out.record;
  r.token_hash = TokenHash(out.token.view());
  r.user_id = user.id;
  r.account_id = user.account_id;
  r.project_id = std::move(project_id);
  r.project_name = std::move(project_name);
  r.issued_at = now;
  r.expires_at = now + lifetime_ms_;
  r.revoked = false;
  CSRD_RETURN_IF_ERROR(store_->InsertToken(r));
  return out;
}

Status TokenService::CheckUsable(const store::Token& rec) const {
  if (rec.revoked) return Status::Unauthenticated("The token is invalid");
  if (clock_->NowMillis() >= rec.expires_at) {
    return Status::Unauthenticated("The token must be updated");
  }
  return Status::Ok();
}

Result<store::Token> TokenService::Lookup(std::string_view token) const {
  auto rec = store_->GetToken(TokenHash(token));
  if (!rec.ok()) {
    if (rec.status().IsNotFound()) return Status::Unauthenticated("The token is invalid");
    return rec.status();
  }
  CSRD_RETURN_IF_ERROR(CheckUsable(*rec));
  return rec;
}

Result<store::TokenContext> TokenService::LookupWithOwner(std::string_view token) const {
  auto ctx = store_->GetTokenContext(TokenHash(token));
  if (!ctx.ok()) {
    if (ctx.status().IsNotFound()) return Status::Unauthenticated("The token is invalid");
    return ctx.status();
  }
  CSRD_RETURN_IF_ERROR(CheckUsable(ctx->token));
  return ctx;
}

Status TokenService::Revoke(std::string_view token) {
  return store_->RevokeToken(TokenHash(token));
}

}  // namespace csrd::identity
