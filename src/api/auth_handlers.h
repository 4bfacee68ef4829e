// The Keystone token routes (contract §1, iam-subset.md §3–§5): issue with a
// password, validate and revoke. Errors use the Keystone shape.
#pragma once

#include "api/call.h"
#include "api/deps.h"

namespace csrd::api {

class AuthHandlers {
 public:
  explicit AuthHandlers(const AppDeps& deps) : deps_(deps) {}

  // Unauthenticated route: the body alone decides (any signature or token on
  // the request is ignored).
  http::Response Issue(Call& call);
  // Authenticated routes: the target token travels in X-Subject-Token.
  http::Response Validate(Call& call);
  http::Response Revoke(Call& call);

 private:
  // Finds the X-Subject-Token's record if the caller may see it; else the
  // response to send.
  std::optional<http::Response> ResolveSubject(Call& call, bool allow_expired, store::Token* out);

  AppDeps deps_;
};

}  // namespace csrd::api
