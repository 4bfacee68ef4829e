// AccountAdmin: the operator's account and user management (`csrd admin`) and
// the start-up bootstrap (contract §7). Not reachable through the API.
//
// Input rules (names.h): account names 1..64 of [A-Za-z0-9_.-] starting with
// a letter or '_'; user names per iam-subset §2.5; passwords 8..128 bytes;
// roles only the three known bits. A break is InvalidArgument and nothing is
// written. Unknown account or user: NotFound. Name taken: AlreadyExists.
// Store errors as they are.
//
// Thread-safe if the Store is. Pointers are borrowed and must outlive it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/status.h"
#include "identity/password_hasher.h"
#include "store/records.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr std::string_view kBootstrapAccountName = "default";
inline constexpr std::string_view kBootstrapUserName = "admin";

class AccountAdmin {
 public:
  AccountAdmin(store::Store* store, const Clock* clock, const PasswordHasher* hasher);

  Result<store::Account> CreateAccount(std::string_view name);
  // The returned user has password_hash cleared.
  Result<store::User> CreateUser(std::string_view account_name, std::string_view user_name,
                                 const Secret& password, uint32_t roles);
  Status SetRoles(std::string_view account_name, std::string_view user_name, uint32_t roles);
  // Also revokes every token of the user (same store transaction).
  Status ResetPassword(std::string_view account_name, std::string_view user_name,
                       const Secret& password);
  // Disabling also revokes every token of the user (same store transaction).
  Status SetEnabled(std::string_view account_name, std::string_view user_name, bool enabled);
  // Users of one account, or of every account for "" (accounts in store
  // order), password_hash cleared.
  Result<std::vector<store::User>> ListUsers(std::string_view account_name);

  // Only while no account exists: creates account "default" and user "admin"
  // holding all three roles, atomically. Returns true if it created them,
  // false if any account already existed (the password is then ignored and
  // nothing changes, even for a password breaking the rules). Otherwise
  // InvalidArgument for a password outside 8..128 bytes.
  Result<bool> Bootstrap(const Secret& password);

 private:
  Result<store::User> FindUser(std::string_view account_name, std::string_view user_name);

  store::Store* store_;
  const Clock* clock_;
  const PasswordHasher* hasher_;
};

}  // namespace csrd::identity
