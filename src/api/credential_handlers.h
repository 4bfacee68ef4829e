// The IAM access-key routes (contract §1, §2.4; iam-subset.md §6–§7):
// permanent keys under /v3.0/OS-CREDENTIAL/credentials and temporary keys
// from /v3.0/OS-CREDENTIAL/securitytokens. Errors use the Keystone shape.
//
// Who may do what: a user manages its own permanent keys; a Security
// Administrator may list, deactivate and delete other users' keys of its
// account but never create them. Temporary credentials cannot create keys of
// either kind. Another account's key or user behaves as one that does not exist.
#pragma once

#include "api/call.h"
#include "api/deps.h"

namespace csrd::api {

class CredentialHandlers {
 public:
  explicit CredentialHandlers(const AppDeps& deps) : deps_(deps) {}

  http::Response Create(Call& call);
  http::Response List(Call& call);
  http::Response Show(Call& call);
  http::Response Update(Call& call);
  http::Response Delete(Call& call);
  // Authenticates by itself: Authorization, else X-Auth-Token, else the
  // body's auth.identity.token.id (iam-subset §7.1).
  http::Response CreateTemporary(Call& call, const identity::AuthInput& auth);

 private:
  // Loads {access} if the caller may act on it; else the response to send.
  std::optional<http::Response> ResolveKey(Call& call, store::Credential* out);

  AppDeps deps_;
};

}  // namespace csrd::api
