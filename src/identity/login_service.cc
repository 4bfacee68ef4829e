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

// The user and account the request names. NotFound when they do not exist or
// the given names and ids disagree; other store errors as they are.
Result<Found> FindUser(store::Store& store, const LoginRequest& r) {
  Found f;
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
  return f;
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
                           KdfLimiter* limiter, TokenService* tokens, LoginPolicy policy)
    : store_(store),
      clock_(clock),
      hasher_(hasher),
      limiter_(limiter),
      tokens_(tokens),
      policy_(policy) {}

Result<LoginResult> LoginService::Login(const LoginRequest& r) {
  CSRD_RETURN_IF_ERROR(CheckShape(r));
  auto permit = limiter_->TryAcquire();
  if (!permit) return Status::ResourceExhausted("too many concurrent logins");
  const std::string_view password = r.password->view();
  const int64_t now = clock_->NowMillis();

  auto found = FindUser(*store_, r);
  if (!found.ok()) {
    if (!found.status().IsNotFound()) return found.status();
    hasher_->VerifyDummy(password);
    return Wrong();
  }
  store::User& user = found->user;
  if (!user.enabled) {
    hasher_->VerifyDummy(password);
    return Wrong();
  }

  const std::string key = "login:" + user.id + ":" + r.remote_addr;
  CSRD_ASSIGN_OR_RETURN(store::Throttle throttle, store_->GetThrottle(key));
  if (throttle.locked_until > now) {
    // Locked: neither verified nor counted, but the same cost as a check.
    hasher_->VerifyDummy(password);
    return Wrong();
  }
  if (!hasher_->Verify(password, user.password_hash)) {
    auto counted = store_->RecordFailure(key, now, policy_.window_ms, policy_.threshold,
                                         policy_.lock_ms);
    if (!counted.ok()) return counted.status();  // uncounted must not look like a plain 401
    return Wrong();
  }
  permit.reset();  // the KDF is done; free the slot before the writes

  if (throttle.failures != 0 || throttle.locked_until != 0) {
    CSRD_RETURN_IF_ERROR(store_->ClearThrottle(key));
  }
  CSRD_ASSIGN_OR_RETURN(auto scope, ResolveScope(r, found->account));
  CSRD_ASSIGN_OR_RETURN(IssuedToken token,
                        tokens_->Issue(user, std::move(scope.first), std::move(scope.second)));
  user.password_hash.clear();
  return LoginResult{std::move(token), std::move(user), std::move(found->account)};
}

}  // namespace csrd::identity
