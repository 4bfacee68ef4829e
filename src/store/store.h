// Store: everything csrd persists, behind one interface.
//
// Implementations: sqlite/ (the embedded default) and, later, postgres/. No
// database type leaks through this header.
//
// Contract for every implementation:
//  - Thread-safe: any method may be called from any thread concurrently.
//  - Durable: when a mutating call returns OK, the change survives a process
//    crash (kill -9) the next instant.
//  - Errors: NotFound when the row does not exist *for that account* (another
//    account's row is indistinguishable from a missing one); AlreadyExists on a
//    unique-name clash; Unavailable when the database cannot serve (busy, down,
//    disk full, read-only) — nothing already stored is damaged; Internal or
//    Corruption otherwise. Messages never contain secrets.
//  - Every multi-step write is one transaction.
//  - Audited changes: where a method takes `const AuditEvent* audit`, a
//    non-null event is inserted in the same transaction as the change, so the
//    change never commits without its record nor the record without the change
//    (a refused change — NotFound, quota, clash — leaves no record). nullptr
//    changes nothing else (migrations, admin tools, tests).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "store/records.h"

namespace csrd::store {

class Store {
 public:
  virtual ~Store() = default;

  // ---- meta (master key id and key-check value) ----
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;

  // ---- accounts and users ----
  // Inserts account + user atomically, but only if no account exists at all.
  // Returns true if it inserted, false if an account already existed.
  virtual Result<bool> BootstrapIfEmpty(const Account& account, const User& admin) = 0;
  virtual Status CreateAccount(const Account& account) = 0;
  virtual Result<Account> GetAccountById(std::string_view id) = 0;
  virtual Result<Account> GetAccountByName(std::string_view name) = 0;
  virtual Result<std::vector<Account>> ListAccounts() = 0;

  virtual Status CreateUser(const User& user) = 0;
  virtual Result<User> GetUserById(std::string_view id) = 0;
  virtual Result<User> GetUserByName(std::string_view account_id, std::string_view name) = 0;
  virtual Result<std::vector<User>> ListUsers(std::string_view account_id) = 0;
  virtual Status SetUserRoles(std::string_view user_id, uint32_t roles) = 0;
  // Also revokes every token of the user, in the same transaction.
  virtual Status SetUserPassword(std::string_view user_id, std::string_view password_hash,
                                 int64_t now) = 0;
  // Disabling also revokes every token of the user, in the same transaction.
  virtual Status SetUserEnabled(std::string_view user_id, bool enabled) = 0;

  // ---- tokens (stored by hash only) ----
  virtual Status InsertToken(const Token& token) = 0;
  virtual Result<Token> GetToken(std::string_view token_hash) = 0;  // revoked ones too
  virtual Status RevokeToken(std::string_view token_hash) = 0;      // NotFound if unknown
  virtual Status DeleteExpiredTokens(int64_t now) = 0;

  // ---- throttles (login and AK lockouts; shared by every replica) ----
  virtual Result<Throttle> GetThrottle(std::string_view key) = 0;  // zero state if absent
  // Atomically: if locked (locked_until > now) return the state unchanged;
  // else if the window (window_ms from window_start) has passed, restart it at
  // now with failures = 1; else failures += 1; when failures reaches threshold,
  // set locked_until = now + lock_ms and failures = 0. Returns the new state.
  virtual Result<Throttle> RecordFailure(std::string_view key, int64_t now, int64_t window_ms,
                                         int threshold, int64_t lock_ms) = 0;
  virtual Status ClearThrottle(std::string_view key) = 0;

  // ---- CSRs ----
  // ResourceExhausted if the account already holds max_per_account CSRs
  // (checked in the same transaction); max_per_account <= 0 means no cap.
  virtual Status InsertCsr(const Csr& csr, int64_t max_per_account,
                           const AuditEvent* audit = nullptr) = 0;
  virtual Result<Csr> GetCsr(std::string_view account_id, std::string_view id) = 0;
  virtual Result<CsrPage> ListCsrs(std::string_view account_id, const CsrQuery& query) = 0;
  // Sets name and update_time; returns the updated row.
  virtual Result<Csr> RenameCsr(std::string_view account_id, std::string_view id,
                                std::string_view name, int64_t now,
                                const AuditEvent* audit = nullptr) = 0;
  virtual Status DeleteCsr(std::string_view account_id, std::string_view id,
                           const AuditEvent* audit = nullptr) = 0;
  // One transaction: re-reads the row (NotFound if gone), inserts the audit
  // event, increments export_count and sets last_export_time = now (update_time
  // does not move). Returns the row as updated, sealed_key included. The key
  // may be released only after this returns OK.
  virtual Result<Csr> RecordKeyExport(std::string_view account_id, std::string_view id,
                                      const AuditEvent& event, int64_t now) = 0;
  virtual Result<int64_t> CountCsrs(std::string_view account_id) = 0;

  // ---- audit ----
  // The trail has no foreign keys: it outlives what it names, and account_id
  // may be "" (a failed login naming no known account).
  virtual Status InsertAudit(const AuditEvent& event) = 0;
  // The account's events matching the query, newest first (time DESC, id
  // DESC), and their total, from one snapshot. InvalidArgument if limit or
  // offset is negative; since > until matches nothing.
  virtual Result<AuditPage> ListAudit(std::string_view account_id, const AuditQuery& query) = 0;

  // ---- access keys (AK/SK) ----
  // ResourceExhausted if the credential is permanent and its user already
  // holds max_permanent_per_user permanent keys (active or inactive), checked
  // in the same transaction. AlreadyExists if the AK is taken.
  virtual Status InsertCredential(const Credential& cred, int max_permanent_per_user,
                                  const AuditEvent* audit = nullptr) = 0;
  virtual Result<Credential> GetCredential(std::string_view access) = 0;  // NotFound
  // The user's permanent keys, newest first.
  virtual Result<std::vector<Credential>> ListCredentials(std::string_view user_id) = 0;
  // Sets status and/or description (nullopt = unchanged); returns the row.
  virtual Result<Credential> UpdateCredential(std::string_view access,
                                              std::optional<std::string> status,
                                              std::optional<std::string> description) = 0;
  // Deletes the key and, in the same transaction, every temporary key issued
  // from it (parent_access). NotFound if absent.
  virtual Status DeleteCredential(std::string_view access, const AuditEvent* audit = nullptr) = 0;
  // Sets last_use_time = now unless it was set less than min_interval_ms ago
  // (so a busy key costs one write a minute, not one per request).
  virtual Status TouchCredential(std::string_view access, int64_t now,
                                 int64_t min_interval_ms) = 0;
  virtual Status DeleteExpiredCredentials(int64_t now) = 0;

  // ---- authentication reads (one round trip per request) ----
  // The access key with its user, account, the state of throttle_key and
  // (temporary keys) their parents, all from one snapshot, in one query where
  // the backend allows. NotFound if the key does not exist. Never cached: a
  // change committed before the call is seen by it, on every replica.
  virtual Result<AkSkContext> GetAkSkContext(std::string_view access,
                                             std::string_view throttle_key) = 0;
  // The token (revoked or expired ones too) with its user and account, from
  // one snapshot. NotFound if the store never issued it.
  virtual Result<TokenContext> GetTokenContext(std::string_view token_hash) = 0;

  // ---- one-time signatures (replay protection) ----
  // Records key (e.g. "sig:<hex>") until expires_at. Returns true if it was
  // new, false if it was already recorded and unexpired. Expired entries may
  // be purged at any time.
  virtual Result<bool> RememberOnce(std::string_view key, int64_t now, int64_t expires_at) = 0;

  // ---- projects seen (GET /v3/projects, contract §2.5) ----
  // Inserts the project unless its id exists already (then OK).
  virtual Status RememberProject(const Project& project) = 0;
  virtual Result<std::vector<Project>> ListProjects(std::string_view account_id) = 0;

  // Deletes the user, its tokens and its keys (temporary ones included).
  virtual Status DeleteUser(std::string_view user_id) = 0;

  // True if the database answers a trivial query.
  virtual Status Ping() = 0;
};

}  // namespace csrd::store
