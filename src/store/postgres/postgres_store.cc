// OpenPostgresStore, the transaction helper, and the non-CSR parts of the
// store (meta, accounts, users, tokens, throttles). CSRs and audit live in
// postgres_store_csrs.cc; keys, one-time keys, projects and DeleteUser in
// postgres_store_credentials.cc.
#include "store/postgres/postgres_store.h"

#include <chrono>

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/throttle.h"

namespace csrd::store {
namespace postgres {
namespace {

constexpr int kMaxPoolSize = 1024;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- row decoding ----

#define CSRD_ACCOUNT_COLS "id, name, create_time"
#define CSRD_USER_COLS \
  "id, account_id, name, password_hash, roles, enabled, create_time, password_changed_time"
#define CSRD_TOKEN_COLS \
  "token_hash, user_id, account_id, project_id, project_name, issued_at, expires_at, revoked"

Account ReadAccount(const Rows& r, int row) { return ReadAccountAt(r, row, 0); }
User ReadUser(const Rows& r, int row) { return ReadUserAt(r, row, 0); }
Token ReadToken(const Rows& r, int row) { return ReadTokenAt(r, row, 0); }

template <typename T, typename ReadFn>
Result<T> One(Result<Rows> rows, const char* not_found, ReadFn read) {
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return Status::NotFound(not_found);
  return read(*rows, 0);
}

template <typename T, typename ReadFn>
Result<std::vector<T>> All(Result<Rows> rows, ReadFn read) {
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(read(*rows, i));
  return out;
}

// OK if the statement changed a row, else NotFound(what_missing).
Status Changed(Result<Rows> rows, const char* not_found) {
  if (!rows.ok()) return rows.status();
  return rows->affected() == 0 ? Status::NotFound(not_found) : Status::Ok();
}

Status InsertAccountOn(Conn& c, const Account& a) {
  return c.Query("INSERT INTO accounts (id, name, create_time) VALUES ($1, $2, $3)",
                 Params().Text(a.id).Text(a.name).Int(a.create_time), "insert account")
      .status();
}

Status InsertUserOn(Conn& c, const User& u) {
  return c
      .Query("INSERT INTO users (" CSRD_USER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
             Params()
                 .Text(u.id)
                 .Text(u.account_id)
                 .Text(u.name)
                 .Text(u.password_hash)
                 .Int(u.roles)
                 .Bool(u.enabled)
                 .Int(u.create_time)
                 .Int(u.password_changed_time),
             "insert user")
      .status();
}

Status RevokeUserTokensOn(Conn& c, std::string_view user_id) {
  return c
      .Query("UPDATE tokens SET revoked = true WHERE user_id = $1 AND NOT revoked",
             Params().Text(user_id), "revoke user tokens")
      .status();
}

Result<Throttle> ReadThrottleOn(Conn& c, std::string_view key, bool lock) {
  CSRD_ASSIGN_OR_RETURN(
      Rows r, c.Query(lock ? "SELECT failures, window_start, locked_until FROM throttles"
                             " WHERE key = $1 FOR UPDATE"
                           : "SELECT failures, window_start, locked_until FROM throttles"
                             " WHERE key = $1",
                      Params().Text(key), "get throttle"));
  Throttle t;
  if (r.size() > 0) {
    t.failures = static_cast<int>(r.Int(0, 0));
    t.window_start = r.Int(0, 1);
    t.locked_until = r.Int(0, 2);
  }
  return t;
}

}  // namespace

// ---- transactions ----

const char* BeginSql(TxnKind kind) {
  return kind == TxnKind::kSnapshotRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                        : "BEGIN ISOLATION LEVEL READ COMMITTED";
}

Status FinishTxn(Conn& c, const Status& st) {
  if (!st.ok()) {
    // A failed ROLLBACK leaves the session unusable; the pool then drops it.
    (void)c.Exec("ROLLBACK", "rollback");
    return Status::Ok();
  }
  CSRD_ASSIGN_OR_RETURN(Rows r, c.Exec("COMMIT", "commit"));
  // The server answers ROLLBACK to a COMMIT of a transaction that had failed.
  if (r.command() != "COMMIT") return Status::Internal("postgres: transaction was rolled back");
  return Status::Ok();
}

Status PostgresStore::Ping() {
  return Run(TxnKind::kNone, [](Conn& c) { return c.Query("SELECT 1", "ping").status(); });
}

// ---- meta ----

Result<std::optional<std::string>> PostgresStore::GetMeta(std::string_view key) {
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<std::optional<std::string>> {
    CSRD_ASSIGN_OR_RETURN(
        Rows r, c.Query("SELECT value FROM meta WHERE key = $1", Params().Text(key), "get meta"));
    if (r.size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(r.Bytes(0, 0).value_or(std::string()));
  });
}

Status PostgresStore::PutMeta(std::string_view key, std::string_view value) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c
        .Query("INSERT INTO meta (key, value) VALUES ($1, $2)"
               " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               Params().Text(key).Bytes(value), "put meta")
        .status();
  });
}

// ---- accounts ----

Result<bool> PostgresStore::BootstrapIfEmpty(const Account& account, const User& admin) {
  // Accounts are never deleted: once one exists, no lock is needed to answer.
  auto any = [](Conn& c) -> Result<bool> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT EXISTS (SELECT 1 FROM accounts)", "bootstrap"));
    return r.Bool(0, 0);
  };
  CSRD_ASSIGN_OR_RETURN(bool exists, Run(TxnKind::kNone, any));
  if (exists) return false;
  return Run(TxnKind::kWrite, [&](Conn& c) -> Result<bool> {
    // Blocks every other writer of accounts (bootstraps and CreateAccount)
    // until commit, so "no account at all" holds until ours is in.
    CSRD_RETURN_IF_ERROR(
        c.Exec("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE", "bootstrap").status());
    CSRD_ASSIGN_OR_RETURN(bool taken, any(c));
    if (taken) return false;
    CSRD_RETURN_IF_ERROR(InsertAccountOn(c, account));
    CSRD_RETURN_IF_ERROR(InsertUserOn(c, admin));
    return true;
  });
}

Status PostgresStore::CreateAccount(const Account& account) {
  return Run(TxnKind::kNone, [&](Conn& c) { return InsertAccountOn(c, account); });
}

Result<Account> PostgresStore::GetAccountById(std::string_view id) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return One<Account>(c.Query("SELECT " CSRD_ACCOUNT_COLS " FROM accounts WHERE id = $1",
                                Params().Text(id), "get account"),
                        "account not found", ReadAccount);
  });
}

Result<Account> PostgresStore::GetAccountByName(std::string_view name) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return One<Account>(c.Query("SELECT " CSRD_ACCOUNT_COLS " FROM accounts WHERE name = $1",
                                Params().Text(name), "get account"),
                        "account not found", ReadAccount);
  });
}

Result<std::vector<Account>> PostgresStore::ListAccounts() {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return All<Account>(
        c.Query("SELECT " CSRD_ACCOUNT_COLS " FROM accounts ORDER BY create_time, id",
                "list accounts"),
        ReadAccount);
  });
}

// ---- users ----

Status PostgresStore::CreateUser(const User& user) {
  return Run(TxnKind::kNone, [&](Conn& c) { return InsertUserOn(c, user); });
}

Result<User> PostgresStore::GetUserById(std::string_view id) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return One<User>(c.Query("SELECT " CSRD_USER_COLS " FROM users WHERE id = $1",
                             Params().Text(id), "get user"),
                     "user not found", ReadUser);
  });
}

Result<User> PostgresStore::GetUserByName(std::string_view account_id, std::string_view name) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return One<User>(
        c.Query("SELECT " CSRD_USER_COLS " FROM users WHERE account_id = $1 AND name = $2",
                Params().Text(account_id).Text(name), "get user"),
        "user not found", ReadUser);
  });
}

Result<std::vector<User>> PostgresStore::ListUsers(std::string_view account_id) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return All<User>(c.Query("SELECT " CSRD_USER_COLS " FROM users WHERE account_id = $1"
                             " ORDER BY create_time, id",
                             Params().Text(account_id), "list users"),
                     ReadUser);
  });
}

Status PostgresStore::SetUserRoles(std::string_view user_id, uint32_t roles) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return Changed(c.Query("UPDATE users SET roles = $1 WHERE id = $2",
                           Params().Int(roles).Text(user_id), "set user roles"),
                   "user not found");
  });
}

Status PostgresStore::SetUserPassword(std::string_view user_id, std::string_view password_hash,
                                      int64_t now) {
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    CSRD_RETURN_IF_ERROR(Changed(
        c.Query("UPDATE users SET password_hash = $1, password_changed_time = $2 WHERE id = $3",
                Params().Text(password_hash).Int(now).Text(user_id), "set user password"),
        "user not found"));
    CSRD_RETURN_IF_ERROR(RevokeUserTokensOn(c, user_id));
    return DeleteUserTemporaryCredentialsOn(c, user_id);
  });
}

Status PostgresStore::SetUserEnabled(std::string_view user_id, bool enabled) {
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    CSRD_RETURN_IF_ERROR(Changed(c.Query("UPDATE users SET enabled = $1 WHERE id = $2",
                                         Params().Bool(enabled).Text(user_id),
                                         "set user enabled"),
                                 "user not found"));
    if (enabled) return Status::Ok();
    CSRD_RETURN_IF_ERROR(RevokeUserTokensOn(c, user_id));
    return DeleteUserTemporaryCredentialsOn(c, user_id);
  });
}

// ---- tokens ----

Status PostgresStore::InsertToken(const Token& t) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c
        .Query("INSERT INTO tokens (" CSRD_TOKEN_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               Params()
                   .Text(t.token_hash)
                   .Text(t.user_id)
                   .Text(t.account_id)
                   .Text(t.project_id)
                   .Text(t.project_name)
                   .Int(t.issued_at)
                   .Int(t.expires_at)
                   .Bool(t.revoked),
               "insert token")
        .status();
  });
}

Result<Token> PostgresStore::GetToken(std::string_view token_hash) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return One<Token>(c.Query("SELECT " CSRD_TOKEN_COLS " FROM tokens WHERE token_hash = $1",
                              Params().Text(token_hash), "get token"),
                      "token not found", ReadToken);
  });
}

Status PostgresStore::RevokeToken(std::string_view token_hash) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return Changed(c.Query("UPDATE tokens SET revoked = true WHERE token_hash = $1",
                           Params().Text(token_hash), "revoke token"),
                   "token not found");
  });
}

Status PostgresStore::DeleteExpiredTokens(int64_t now) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c.Query("DELETE FROM tokens WHERE expires_at <= $1", Params().Int(now),
                   "delete expired tokens")
        .status();
  });
}

// ---- throttles ----

Result<Throttle> PostgresStore::GetThrottle(std::string_view key) {
  return Run(TxnKind::kNone, [&](Conn& c) { return ReadThrottleOn(c, key, /*lock=*/false); });
}

Result<Throttle> PostgresStore::RecordFailure(std::string_view key, int64_t now,
                                              int64_t window_ms, int threshold, int64_t lock_ms) {
  return Run(TxnKind::kWrite, [&](Conn& c) -> Result<Throttle> {
    // Make sure the row exists, then lock it: two first failures at once
    // must count twice, not overwrite each other.
    CSRD_RETURN_IF_ERROR(c.Query("INSERT INTO throttles (key, failures, window_start,"
                                 " locked_until) VALUES ($1, 0, 0, 0)"
                                 " ON CONFLICT (key) DO NOTHING",
                                 Params().Text(key), "record failure")
                             .status());
    CSRD_ASSIGN_OR_RETURN(Throttle t, ReadThrottleOn(c, key, /*lock=*/true));
    if (t.locked_until > now) return t;  // unchanged: no write
    t = NextThrottle(t, now, window_ms, threshold, lock_ms);
    CSRD_RETURN_IF_ERROR(c.Query("UPDATE throttles SET failures = $2, window_start = $3,"
                                 " locked_until = $4 WHERE key = $1",
                                 Params().Text(key).Int(t.failures).Int(t.window_start).Int(
                                     t.locked_until),
                                 "record failure")
                             .status());
    return t;
  });
}

Status PostgresStore::ClearThrottle(std::string_view key) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c.Query("DELETE FROM throttles WHERE key = $1", Params().Text(key), "clear throttle")
        .status();
  });
}

Account ReadAccountAt(const Rows& r, int row, int first) {
  Account a;
  a.id = r.Text(row, first + 0);
  a.name = r.Text(row, first + 1);
  a.create_time = r.Int(row, first + 2);
  return a;
}

User ReadUserAt(const Rows& r, int row, int first) {
  User u;
  u.id = r.Text(row, first + 0);
  u.account_id = r.Text(row, first + 1);
  u.name = r.Text(row, first + 2);
  u.password_hash = r.Text(row, first + 3);
  u.roles = static_cast<uint32_t>(r.Int(row, first + 4));
  u.enabled = r.Bool(row, first + 5);
  u.create_time = r.Int(row, first + 6);
  u.password_changed_time = r.Int(row, first + 7);
  return u;
}

Token ReadTokenAt(const Rows& r, int row, int first) {
  Token t;
  t.token_hash = r.Text(row, first + 0);
  t.user_id = r.Text(row, first + 1);
  t.account_id = r.Text(row, first + 2);
  t.project_id = r.Text(row, first + 3);
  t.project_name = r.Text(row, first + 4);
  t.issued_at = r.Int(row, first + 5);
  t.expires_at = r.Int(row, first + 6);
  t.revoked = r.Bool(row, first + 7);
  return t;
}

}  // namespace postgres

// ---- open ----

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const PostgresOptions& options) {
  using postgres::Conn;
  using postgres::ConnectSpec;
  if (options.pool_size < 1 || options.pool_size > postgres::kMaxPoolSize) {
    return Status::InvalidArgument("postgres: pool_size must be 1..1024");
  }
  if (options.connect_timeout_s < 1 || options.statement_timeout_ms < 1 ||
      options.acquire_timeout_ms < 0 || options.max_retries < 0 ||
      options.migration_timeout_ms < 1) {
    return Status::InvalidArgument("postgres: timeouts must be positive, max_retries >= 0");
  }
  CSRD_ASSIGN_OR_RETURN(ConnectSpec spec,
                        postgres::MakeConnectSpec(url, options.connect_timeout_s,
                                                  options.statement_timeout_ms));
  {
    // Migrations get their own session with a longer cap: waiting for another
    // replica's migration, or building an index, can outlast a statement.
    CSRD_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Conn::Connect(spec));
    conn->set_io_timeout_ms(options.migration_timeout_ms + 2000);
    const std::string set = "SET statement_timeout = " +
                            std::to_string(options.migration_timeout_ms);
    CSRD_RETURN_IF_ERROR(conn->Exec(set.c_str(), "set migration timeout").status());
    CSRD_RETURN_IF_ERROR(postgres::ApplyMigrations(*conn, postgres::SchemaMigrations(),
                                                   postgres::NowMillis()));
  }  // closing the session releases the migration lock whatever happened
  auto pool = std::make_unique<postgres::Pool>([spec] { return Conn::Connect(spec); },
                                               options.pool_size, options.acquire_timeout_ms);
  return std::unique_ptr<Store>(
      new postgres::PostgresStore(std::move(pool), options.max_retries));
}

}  // namespace csrd::store
