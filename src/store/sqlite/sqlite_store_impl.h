// SqliteStore: the class behind OpenSqliteStore, private to store/sqlite.
//
// One writer connection (SQLite admits one writer at a time; more writer
// connections only add lock waits) fed by a WriteQueue, which group-commits
// the writes of concurrent callers (one transaction and one fsync per batch,
// each write in its own savepoint), and a small pool of reader connections,
// which WAL lets run beside the writer. Every connection caches its prepared
// statements.
//
// Every mutating method is one Write() unit: it must not open or commit a
// transaction itself (the batch does), and it may rely on seeing, under the
// write lock, every unit committed or batched before it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_handle.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/write_queue.h"
#include "store/store.h"

namespace csrd::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers);

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

  // sqlite_store_auth.cc
  Result<AkSkContext> GetAkSkContext(std::string_view access,
                                     std::string_view throttle_key) override;
  Result<TokenContext> GetTokenContext(std::string_view token_hash) override;

  Status RememberProject(const Project& project) override;
  Result<std::vector<Project>> ListProjects(std::string_view account_id) override;

  Status DeleteUser(std::string_view user_id) override;

  Status Ping() override;

  // Group-commit counters of the writer (tests, metrics).
  WriteQueue::Stats write_stats() const { return writes_.stats(); }

 private:
  // fn(Connection&) -> Status or Result<T> runs as one unit of the next write
  // batch; returns its result once the batch has committed, or the batch's
  // failure.
  template <typename Fn>
  auto Write(Fn&& fn) {
    using R = std::invoke_result_t<Fn&, Connection&>;
    std::optional<R> out;
    auto unit = [&](Connection& c) -> Status {
      out.emplace(fn(c));
      return StatusOf(*out);
    };
    Status st = writes_.Run(unit);
    if (!st.ok()) return R(std::move(st));
    return std::move(*out);
  }

  // fn(Connection&) runs on a pooled reader (alone on the writer, outside any
  // batch, if there is none).
  template <typename Fn>
  auto Read(Fn&& fn) {
    if (readers_.empty()) return writes_.Exclusive(std::forward<Fn>(fn));
    Connection* conn = AcquireReader();
    struct Release {
      SqliteStore* self;
      Connection* conn;
      ~Release() { self->ReleaseReader(conn); }
    } release{this, conn};
    return fn(*conn);
  }

  static Status StatusOf(const Status& st) { return st; }
  template <typename T>
  static Status StatusOf(const Result<T>& r) {
    return r.status();
  }

  Connection* AcquireReader();
  void ReleaseReader(Connection* conn);

  std::unique_ptr<Connection> writer_;
  WriteQueue writes_;           // over *writer_
  int64_t remember_calls_ = 0;  // touched by write units only; paces the one_time_keys purge

  std::vector<std::unique_ptr<Connection>> readers_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<Connection*> free_readers_;
};

// Row decoders: the record whose columns start at column `first`, in the
// order of the store's column lists (auth_sql.h for the joined reads).
Account ReadAccountAt(const Statement& s, int first);
User ReadUserAt(const Statement& s, int first);
Token ReadTokenAt(const Statement& s, int first);
Credential ReadCredentialAt(const Statement& s, int first);

// Inserts an audit event on conn (inside the caller's transaction, if any).
Status InsertAuditOn(Connection& conn, const AuditEvent& event);

// Deletes every temporary key of the user on conn (inside the caller's
// transaction): what was derived from the user's tokens and keys dies with them.
Status DeleteUserTemporaryCredentialsOn(Connection& conn, std::string_view user_id);

// RememberOnce purges up to kOneTimePurgeBatch expired one-time keys on every
// kOneTimePurgeEvery-th call, inside that call's unit: the table stays
// about one signature window deep without a sweeper thread.
inline constexpr int64_t kOneTimePurgeEvery = 256;
inline constexpr int64_t kOneTimePurgeBatch = 4096;

}  // namespace csrd::store::sqlite
