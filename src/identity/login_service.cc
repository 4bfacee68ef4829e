#include "identity/login_service.h"

#include <utility>

#include "identity/names.h"
#include "identity/project.h"

namespace csrd::identity {
namespace {

struct Found {
  store::User user;
  store::Account account;
};

Status Wrong() { return Status::Unauthenticated(kWrongCredentials); }

Status CheckShape(const LoginRequest& r) {
  if (r.password == nullptr) return Status::InvalidArgument("password is required");
  if (r.user_id.empty() && r.user_name.empty()) {
    return Status::InvalidArgument("user name or id is required");
  }
  if (r.user_id.empty() && r.domain_name.empty() && r.domain_id.empty()) {
    return Status::InvalidArgument("the user's domain is required");
  }
  if (!r.scope_project_name.empty()) {
    CSRD_RETURN_IF_ERROR(ValidateProjectName(r.scope_project_name));
  }
  if (!r.scope_project_id.empty() && !IsProjectId(r.scope_project_id)) {
    return Status::InvalidArgument("project id must be 32 lower-case hex characters");
  }
  return Status::Ok();
}

// Fills f with the user and account the request names. NotFound when they do
// not exist or the given names and ids disagree, with f holding what was
// found before that (the audit event names it); other store errors as they are.
Status FindUser(store::Store& store, const LoginRequest& r, Found& f) {
  if (!r.user_id.empty()) {
    CSRD_ASSIGN_OR_RETURN(f.user, store.GetUserById(r.user_id));
    CSRD_ASSIGN_OR_RETURN(f.account, store.GetAccountById(f.user.account_id));
    if (!r.user_name.empty() && r.user_name != f.user.name) return Status::NotFound("user");
  } else {
    if (!r.domain_id.empty()) {
      CSRD_ASSIGN_OR_RETURN(f.account, store.GetAccountById(r.domain_id));
    } else {
      CSRD_ASSIGN_OR_RETURN(f.account, store.GetAccountByName(r.domain_name));
    }
    CSRD_ASSIGN_OR_RETURN(f.user, store.GetUserByName(f.account.id, r.user_name));
  }
  if (!r.domain_id.empty() && r.domain_id != f.account.id) return Status::NotFound("account");
  if (!r.domain_name.empty() && r.domain_name != f.account.name) {
    return Status::NotFound("account");
  }
  return Status::Ok();
}

// Records a refused login (best-effort), naming what exists of what r named.
void RecordFailure(store::Store& store, const AuditFailureHandler& on_failure,
                   const LoginRequest& r, const Found& f, int64_t now, std::string detail) {
  store::AuditEvent e;
  e.time = now;
  e.account_id = f.account.id;
  e.user_id = f.user.id;
  e.user_name = f.user.name;
  e.action = kAuditLogin;
  e.remote_addr = r.remote_addr;
  e.request_id = r.request_id;
  e.outcome = kOutcomeFailure;
  e.detail = std::move(detail);
  RecordBestEffort(store, e, on_failure);
}

// Why a lookup failed, for the audit detail.
const char* NotFoundDetail(const Found& f) {
  if (f.account.id.empty()) return "unknown account";
  if (f.user.id.empty()) return "unknown user";
  return "the user and the domain given do not match";
}

// The (project_id, project_name) the token carries, or Unauthenticated.
Result<std::pair<std::string, std::string>> ResolveScope(const LoginRequest& r,
                                                         const store::Account& account) {
  const Status other = Status::Unauthenticated("The scope names another account");
  if (!r.scope_domain_id.empty() && r.scope_domain_id != account.id) return other;
  if (!r.scope_domain_name.empty() && r.scope_domain_name != account.name) return other;
  if (!r.scope_project_name.empty()) {
    std::string id = ProjectIdFor(account.id, r.scope_project_name);
    if (!r.scope_project_id.empty() && r.scope_project_id != id) return other;
    return std::make_pair(std::move(id), r.scope_project_name);
  }
  return std::make_pair(r.scope_project_id, std::string());
}

}  // namespace

LoginService::LoginService(store::Store* store, const Clock* clock, const PasswordHasher* hasher,
                           KdfLimiter* limiter, TokenService* tokens, LoginPolicy policy,
                           AuditFailureHandler on_audit_failure)
    : store_(store),
      clock_(clock),
      hasher_(hasher),
      limiter_(limiter),
      tokens_(tokens),
      policy_(policy),
      on_audit_failure_(std::move(on_audit_failure)) {}

Result<LoginResult> LoginService::Login(const LoginRequest& r) {
  CSRD_RETURN_IF_ERROR(CheckShape(r));
  auto permit = limiter_->TryAcquire();
  if (!permit) return Status::ResourceExhausted("too many concurrent logins");
  const std::string_view password = r.password->view();
  const int64_t now = clock_->NowMillis();

  Found found;
  if (Status st = FindUser(*store_, r, found); !st.ok()) {
    if (!st.IsNotFound()) return st;
    hasher_->VerifyDummy(password);
    // found holds only rows that exist: an unknown user's name, which could
    // be a password typed into the wrong field, is not recorded.
    permit.reset();  // the KDF is done: a record need not hold a slot
    RecordFailure(*store_, on_audit_failure_, r, found, now, NotFoundDetail(found));
    return Wrong();
  }
  store::User& user = found.user;
  if (!user.enabled) {
    hasher_->VerifyDummy(password);
    permit.reset();
    RecordFailure(*store_, on_audit_failure_, r, found, now, "the user is disabled");
    return Wrong();
  }

  const std::string key = "login:" + user.id + ":" + r.remote_addr;
  CSRD_ASSIGN_OR_RETURN(store::Throttle throttle, store_->GetThrottle(key));
  if (throttle.locked_until > now) {
    // Locked: neither verified nor counted, but the same cost as a check.
    hasher_->VerifyDummy(password);
    permit.reset();
    RecordFailure(*store_, on_audit_failure_, r, found, now,
                  "locked out from this address after wrong passwords");
    return Wrong();
  }
  if (!hasher_->Verify(password, user.password_hash)) {
    auto counted = store_->RecordFailure(key, now, policy_.window_ms, policy_.threshold,
                                         policy_.lock_ms);
    if (!counted.ok()) return counted.status();  // uncounted must not look like a plain 401
    std::string detail = "wrong password";
    if (counted->locked_until > now) {
      detail += "; the user is now locked out from this address for " +
                std::to_string(policy_.lock_ms / 1000) + " s";
    }
    permit.reset();
    RecordFailure(*store_, on_audit_failure_, r, found, now, std::move(detail));
    return Wrong();
  }
  permit.reset();  // the KDF is done; free the slot before the writes

  if (throttle.failures != 0 || throttle.locked_until != 0) {
    CSRD_RETURN_IF_ERROR(store_->ClearThrottle(key));
  }
  auto scope = ResolveScope(r, found.account);
  if (!scope.ok()) {
    if (scope.status().IsUnauthenticated()) {
      RecordFailure(*store_, on_audit_failure_, r, found, now,
                    "right password, but the scope names another account");
    }
    return scope.status();
  }
  CSRD_ASSIGN_OR_RETURN(IssuedToken token,
                        tokens_->Issue(user, std::move(scope->first), std::move(scope->second)));
  user.password_hash.clear();
  return LoginResult{std::move(token), std::move(user), std::move(found.account)};
}

}  // namespace csrd::identity
