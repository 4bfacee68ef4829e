// LoginService: password login for POST /v3/auth/tokens (contract §2.4,
// iam-subset §3).
//
// Every refusal caused by the credentials — unknown account, unknown user,
// wrong password, disabled user, locked (user, address) pair — is the same
// Unauthenticated("The username or password is wrong.") after the same KDF
// cost, so neither the answer nor its timing tells which it was.
//
// Every such refusal, and a right password whose scope names another account,
// is recorded as an audit event (action "iam::login", outcome "failure"),
// best-effort: a store that cannot take it does not change the answer. The
// event names the account and the user only when they exist (an unknown
// user's name is not recorded: users do type passwords into the name field),
// and never the password.
//
// Thread-safe if the Store is. Every pointer is borrowed and must outlive the
// service.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "identity/audit_events.h"
#include "identity/kdf_limiter.h"
#include "identity/password_hasher.h"
#include "identity/token_service.h"
#include "store/records.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr char kWrongCredentials[] = "The username or password is wrong.";

// The fields of a Keystone password-auth body the api layer extracted. An
// empty string means "not given" (JSON null included).
struct LoginRequest {
  // auth.identity.password.user: the user by name (then the domain is
  // required) or by id (then a domain, if given, must be the user's).
  std::string user_name;
  std::string user_id;
  std::string domain_name;  // the user's account, by name ...
  std::string domain_id;    // ... or id; if both are given both must match
  const Secret* password = nullptr;  // borrowed; required
  // auth.scope. Any domain given must be the user's account (else
  // Unauthenticated). A project (name or id) makes the token carry it:
  //  - by name: project_id = ProjectIdFor(account id, name); an id given as
  //    well must equal it;
  //  - by id only: that id (32 lower-case hex) with an empty name — csrd has
  //    no project table to look the name up in.
  std::string scope_domain_name;
  std::string scope_domain_id;
  std::string scope_project_name;
  std::string scope_project_id;
  std::string remote_addr;  // client address; half of the lockout key
  std::string request_id;   // recorded with a failure's audit event
};

struct LoginResult {
  IssuedToken token;
  store::User user;  // password_hash cleared
  store::Account account;
};

struct LoginPolicy {
  int threshold = 5;                     // wrong passwords within window_ms ...
  int64_t window_ms = 15 * 60 * 1000;
  int64_t lock_ms = 15 * 60 * 1000;      // ... lock the (user, address) pair this long
};

class LoginService {
 public:
  // on_audit_failure (optional) hears of failure events the store refused.
  LoginService(store::Store* store, const Clock* clock, const PasswordHasher* hasher,
               KdfLimiter* limiter, TokenService* tokens, LoginPolicy policy = {},
               AuditFailureHandler on_audit_failure = nullptr);

  // Errors, first match wins:
  //  - InvalidArgument: no password, no user name/id, user by name without a
  //    domain, malformed project scope (nothing is looked up or counted);
  //  - ResourceExhausted("too many concurrent logins"): no KDF permit (429);
  //  - Unauthenticated(kWrongCredentials): see the file comment. A wrong
  //    password for an existing, enabled, unlocked user is counted under the
  //    throttle key "login:<user_id>:<remote_addr>"; a success clears it;
  //  - Unauthenticated("The scope names another account"): right password,
  //    but the scope's domain is not the user's account, or its project id
  //    does not match its project name;
  //  - store errors (Unavailable, ...) as they are — never turned into 401.
  Result<LoginResult> Login(const LoginRequest& request);


 private:
  store::Store* store_;
  const Clock* clock_;
  const PasswordHasher* hasher_;
  KdfLimiter* limiter_;
  TokenService* tokens_;
  LoginPolicy policy_;
  AuditFailureHandler on_audit_failure_;
};

}  // namespace csrd::identity
