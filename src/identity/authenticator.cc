#include "identity/authenticator.h"

#include <utility>

#include "identity/sdk_signature.h"

namespace csrd::identity {
namespace {

Status InvalidToken() { return Status::Unauthenticated("The token is invalid"); }

// The scheme is the value's first word.
std::string_view Scheme(std::string_view authorization) {
  return authorization.substr(0, authorization.find_first_of(" \t"));
}

}  // namespace

Authenticator::Authenticator(TokenService* tokens, const AkSkVerifier* aksk)
    : tokens_(tokens), aksk_(aksk) {}

Result<Principal> Authenticator::Authenticate(const AuthInput& in) const {
  if (in.authorization.has_value()) {
    if (Scheme(*in.authorization) == kSdkHmacSha256) {
      if (aksk_ == nullptr) return Status::Unauthenticated("AK/SK authentication is not enabled");
      return aksk_->Verify(in, in.one_time);
    }
    return Status::Unauthenticated("unsupported authorization scheme");
  }
  if (in.auth_token.has_value()) return AuthenticateToken(*in.auth_token);
  return Status::Unauthenticated("missing credentials");
}

Result<Principal> Authenticator::AuthenticateToken(std::string_view token) const {
  if (token.size() < kMinTokenChars || token.size() > kMaxTokenChars) return InvalidToken();
  // One store round trip: the token with its user and account.
  CSRD_ASSIGN_OR_RETURN(store::TokenContext ctx, tokens_->LookupWithOwner(token));
  store::Token& rec = ctx.token;
  CSRD_ASSIGN_OR_RETURN(Principal p, PrincipalFromRows(std::move(ctx.user), std::move(ctx.account),
                                                       rec.account_id, InvalidToken()));
  p.project_id = std::move(rec.project_id);
  p.project_name = std::move(rec.project_name);
  p.method = Principal::Method::kToken;
  p.token_hash = std::move(rec.token_hash);
  p.expires_at = rec.expires_at;
  return p;
}

}  // namespace csrd::identity
