// PostgresStore: the class behind OpenPostgresStore, private to store/postgres.
//
// Every call borrows one pooled connection. Single statements run in
// autocommit; multi-step writes run in one READ COMMITTED transaction that
// takes row locks where the SQLite store relies on its single writer (the
// account row for the CSR quota, the user row for the key cap and for
// temporary-key issuance, the throttle row, a table lock for bootstrap).
// ListCsrs reads its total and page from one REPEATABLE READ snapshot. A
// transaction that fails with serialization_failure or deadlock_detected has
// been rolled back by the server and is run again, up to max_retries times;
// nothing else is retried, and a COMMIT whose outcome is unknown (connection
// lost) is reported as Unavailable, never re-run, so an insert is never
// applied twice.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"
#include "store/store.h"

namespace csrd::store::postgres {

enum class TxnKind {
  kNone,          // autocommit: fn issues one statement
  kWrite,         // READ COMMITTED read-write
  kSnapshotRead,  // REPEATABLE READ READ ONLY: several reads, one snapshot
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<Pool> pool, int max_retries)
      : pool_(std::move(pool)), max_retries_(max_retries) {}

  Result<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status PutMeta(std::string_view key, std::string_view value) override;

  Result<bool> BootstrapIfEmpty(const Account& account, const User& admin) override;
  Status CreateAccount(const Account& account) override;
  Result<Account> GetAccountById(std::string_view id) override;
  Result<Account> GetAccountByName(std::string_view name) override;
  Result<std::vector<Account>> ListAccounts() override;

  Status CreateUser(const User& user) override;
  Result<User> GetUserById(std::string_view id) override;
  Result<User> GetUserByName(std::string_view account_id, std::string_view name) override;
  Result<std::vector<User>> ListUsers(std::string_view account_id) override;
  Status SetUserRoles(std::string_view user_id, uint32_t roles) override;
  Status SetUserPassword(std::string_view user_id, std::string_view password_hash,
                         int64_t now) override;
  Status SetUserEnabled(std::string_view user_id, bool enabled) override;

  Status InsertToken(const Token& token) override;
  Result<Token> GetToken(std::string_view token_hash) override;
  Status RevokeToken(std::string_view token_hash) override;
  Status DeleteExpiredTokens(int64_t now) override;

  Result<Throttle> GetThrottle(std::string_view key) override;
  Result<Throttle> RecordFailure(std::string_view key, int64_t now, int64_t window_ms,
                                 int threshold, int64_t lock_ms) override;
  Status ClearThrottle(std::string_view key) override;

  Status InsertCsr(const Csr& csr, int64_t max_per_account, const AuditEvent* audit) override;
  Result<Csr> GetCsr(std::string_view account_id, std::string_view id) override;
  Result<CsrPage> ListCsrs(std::string_view account_id, const CsrQuery& query) override;
  Result<Csr> RenameCsr(std::string_view account_id, std::string_view id, std::string_view name,
                        int64_t now, const AuditEvent* audit) override;
  Status DeleteCsr(std::string_view account_id, std::string_view id,
                   const AuditEvent* audit) override;
  Result<Csr> RecordKeyExport(std::string_view account_id, std::string_view id,
                              const AuditEvent& event, int64_t now) override;
  Result<int64_t> CountCsrs(std::string_view account_id) override;

  Status InsertAudit(const AuditEvent& event) override;
  Result<AuditPage> ListAudit(std::string_view account_id, const AuditQuery& query) override;

  Status InsertCredential(const Credential& cred, int max_permanent_per_user,
                          const AuditEvent* audit) override;
  Result<Credential> GetCredential(std::string_view access) override;
  Result<std::vector<Credential>> ListCredentials(std::string_view user_id) override;
  Result<Credential> UpdateCredential(std::string_view access, std::optional<std::string> status,
                                      std::optional<std::string> description) override;
  Status DeleteCredential(std::string_view access, const AuditEvent* audit) override;
  Status TouchCredential(std::string_view access, int64_t now, int64_t min_interval_ms) override;
  Status DeleteExpiredCredentials(int64_t now) override;

  Result<bool> RememberOnce(std::string_view key, int64_t now, int64_t expires_at) override;

  // postgres_store_auth.cc
  Result<AkSkContext> GetAkSkContext(std::string_view access,
                                     std::string_view throttle_key) override;
  Result<TokenContext> GetTokenContext(std::string_view token_hash) override;

  Status RememberProject(const Project& project) override;
  Result<std::vector<Project>> ListProjects(std::string_view account_id) override;

  Status DeleteUser(std::string_view user_id) override;

  Status Ping() override;

 private:
  // Runs fn(Conn&) -> Status or Result<T> on a pooled connection, inside a
  // transaction of the given kind; see the file comment for the retry rule.
  template <typename Fn>
  auto Run(TxnKind kind, Fn&& fn) -> std::invoke_result_t<Fn&, Conn&>;

  std::unique_ptr<Pool> pool_;
  const int max_retries_;
  std::atomic<int64_t> remember_calls_{0};  // paces the one_time_keys purge
};

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

// Before running a transaction again: a few milliseconds, growing, so the
// transactions that collided do not collide again in lockstep.
inline void Backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2 << std::min(attempt, 6)));
}

// Ends the transaction on c: COMMIT if st is OK (Internal if the server
// answered ROLLBACK), else ROLLBACK (whose own failure only drops c).
Status FinishTxn(Conn& c, const Status& st);
const char* BeginSql(TxnKind kind);

template <typename Fn>
auto PostgresStore::Run(TxnKind kind, Fn&& fn) -> std::invoke_result_t<Fn&, Conn&> {
  using R = std::invoke_result_t<Fn&, Conn&>;
  for (int attempt = 0;; ++attempt) {
    Result<Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) return R(lease.status());
    Conn& c = **lease;
    if (kind != TxnKind::kNone) {
      Result<Rows> begin = c.Exec(BeginSql(kind), "begin");
      if (!begin.ok()) return R(begin.status());
    }
    R r = fn(c);
    Status st = StatusOf(r);
    bool retryable = !st.ok() && c.last_failure_retryable();
    if (kind != TxnKind::kNone) {
      Status end = FinishTxn(c, st);
      if (st.ok() && !end.ok()) {
        // A COMMIT refused for serialization is rolled back and safe to
        // repeat; a lost connection leaves the outcome unknown: report it.
        if (!c.last_failure_retryable() || attempt >= max_retries_) return R(end);
        Backoff(attempt);
        continue;
      }
    }
    if (retryable && attempt < max_retries_) {
      Backoff(attempt);
      continue;
    }
    return r;
  }
}

// Row decoders: the record in row `row` whose columns start at column
// `first`, in the order of the store's column lists (auth_sql.h for the
// joined reads).
Account ReadAccountAt(const Rows& r, int row, int first);
User ReadUserAt(const Rows& r, int row, int first);
Token ReadTokenAt(const Rows& r, int row, int first);
Credential ReadCredentialAt(const Rows& r, int row, int first);

// Shared by the store's files: the temporary keys of a user die with the
// user's tokens and keys (same transaction as the caller's).
Status DeleteUserTemporaryCredentialsOn(Conn& c, std::string_view user_id);
Status InsertAuditOn(Conn& c, const AuditEvent& event);

// RememberOnce purges up to kOneTimePurgeBatch expired one-time keys on every
// kOneTimePurgeEvery-th call of this store, inside that call's transaction.
inline constexpr int64_t kOneTimePurgeEvery = 256;
inline constexpr int64_t kOneTimePurgeBatch = 4096;

}  // namespace csrd::store::postgres
