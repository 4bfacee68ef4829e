#include "identity/account_admin.h"

#include <string>
#include <utility>

#include "core/encoding.h"
#include "identity/names.h"
#include "identity/roles.h"

namespace csrd::identity {
namespace {

Status CheckRoles(uint32_t roles) {
  if ((roles & ~kAllRoles) != 0) return Status::InvalidArgument("unknown role bits");
  return Status::Ok();
}

}  // namespace

AccountAdmin::AccountAdmin(store::Store* store, const Clock* clock, const PasswordHasher* hasher)
    : store_(store), clock_(clock), hasher_(hasher) {}

Result<store::Account> AccountAdmin::CreateAccount(std::string_view name) {
  CSRD_RETURN_IF_ERROR(ValidateAccountName(name));
  store::Account a;
  a.id = NewId();
  a.name = std::string(name);
  a.create_time = clock_->NowMillis();
  CSRD_RETURN_IF_ERROR(store_->CreateAccount(a));
  return a;
}

Result<store::User> AccountAdmin::CreateUser(std::string_view account_name,
                                             std::string_view user_name, const Secret& password,
                                             uint32_t roles) {
  CSRD_RETURN_IF_ERROR(ValidateAccountName(account_name));
  CSRD_RETURN_IF_ERROR(ValidateUserName(user_name));
  CSRD_RETURN_IF_ERROR(ValidatePassword(password.view()));
  CSRD_RETURN_IF_ERROR(CheckRoles(roles));
  CSRD_ASSIGN_OR_RETURN(store::Account account, store_->GetAccountByName(account_name));
  store::User u;
  u.id = NewId();
  u.account_id = account.id;
  u.name = std::string(user_name);
  CSRD_ASSIGN_OR_RETURN(u.password_hash, hasher_->Hash(password.view()));
  u.roles = roles;
  u.enabled = true;
  u.create_time = clock_->NowMillis();
  u.password_changed_time = u.create_time;
  CSRD_RETURN_IF_ERROR(store_->CreateUser(u));
  u.password_hash.clear();
  return u;
}

Result<store::User> AccountAdmin::FindUser(std::string_view account_name,
                                           std::string_view user_name) {
  CSRD_ASSIGN_OR_RETURN(store::Account account, store_->GetAccountByName(account_name));
  return store_->GetUserByName(account.id, user_name);
}

Status AccountAdmin::SetRoles(std::string_view account_name, std::string_view user_name,
                              uint32_t roles) {
  CSRD_RETURN_IF_ERROR(CheckRoles(roles));
  CSRD_ASSIGN_OR_RETURN(store::User u, FindUser(account_name, user_name));
  return store_->SetUserRoles(u.id, roles);
}

Status AccountAdmin::ResetPassword(std::string_view account_name, std::string_view user_name,
                                   const Secret& password) {
  CSRD_RETURN_IF_ERROR(ValidatePassword(password.view()));
  CSRD_ASSIGN_OR_RETURN(store::User u, FindUser(account_name, user_name));
  CSRD_ASSIGN_OR_RETURN(std::string hash, hasher_->Hash(password.view()));
  return store_->SetUserPassword(u.id, hash, clock_->NowMillis());
}

Status AccountAdmin::SetEnabled(std::string_view account_name, std::string_view user_name,
                                bool enabled) {
  CSRD_ASSIGN_OR_RETURN(store::User u, FindUser(account_name, user_name));
  return store_->SetUserEnabled(u.id, enabled);
}

Result<std::vector<store::User>> AccountAdmin::ListUsers(std::string_view account_name) {
  std::vector<store::Account> accounts;
  if (account_name.empty()) {
    CSRD_ASSIGN_OR_RETURN(accounts, store_->ListAccounts());
  } else {
    CSRD_ASSIGN_OR_RETURN(store::Account a, store_->GetAccountByName(account_name));
    accounts.push_back(std::move(a));
  }
  std::vector<store::User> out;
  for (const store::Account& a : accounts) {
    CSRD_ASSIGN_OR_RETURN(std::vector<store::User> users, store_->ListUsers(a.id));
    for (store::User& u : users) {
      u.password_hash.clear();
      out.push_back(std::move(u));
    }
  }
  return out;
}

Result<bool> AccountAdmin::Bootstrap(const Secret& password) {
  // Pre-check so a running system neither pays a KDF on every start nor
  // refuses to start over a stale variable; BootstrapIfEmpty decides
  // atomically anyway.
  CSRD_ASSIGN_OR_RETURN(std::vector<store::Account> existing, store_->ListAccounts());
  if (!existing.empty()) return false;
  CSRD_RETURN_IF_ERROR(ValidatePassword(password.view()));

  const int64_t now = clock_->NowMillis();
  store::Account a;
  a.id = NewId();
  a.name = std::string(kBootstrapAccountName);
  a.create_time = now;
  store::User u;
  u.id = NewId();
  u.account_id = a.id;
  u.name = std::string(kBootstrapUserName);
  CSRD_ASSIGN_OR_RETURN(u.password_hash, hasher_->Hash(password.view()));
  u.roles = kAllRoles;
  u.enabled = true;
  u.create_time = now;
  u.password_changed_time = now;
  return store_->BootstrapIfEmpty(a, u);
}

}  // namespace csrd::identity
