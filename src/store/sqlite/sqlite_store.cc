// OpenSqliteStore, the connection pool, and the non-CSR parts of the store
// (meta, accounts, users, tokens, throttles). CSRs and audit live in
// sqlite_store_csrs.cc; keys, one-time keys, projects and DeleteUser in
// sqlite_store_credentials.cc.
#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/throttle.h"

namespace csrd::store {
namespace sqlite {
namespace {

constexpr int kMaxReaders = 64;

Status WithPath(const Status& st, const std::string& path) {
  return Status(st.code(), st.message() + " [" + path + "]");
}

// Setting WAL needs a moment of exclusive access, which another process
// opening the same new file may hold; the busy handler does not cover it, so
// retry until the busy timeout.
Status EnableWal(Connection& conn, int busy_timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(conn.db(), "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
    StmtHandle stmt(raw);
    if (rc == SQLITE_OK) rc = sqlite3_step(raw);
    if (rc == SQLITE_ROW) {
      const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
      if (mode != nullptr && sqlite3_stricmp(mode, "wal") == 0) return Status::Ok();
      return Status::Unavailable(std::string("sqlite: journal_mode=WAL refused, mode is ") +
                                 (mode != nullptr ? mode : "unknown"));
    }
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      return ErrorStatus(rc, "set journal_mode", sqlite3_errmsg(conn.db()));
    }
    stmt.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The database holds password and token hashes and sealed keys: create it
// owner-only. SQLite gives the -wal and -shm files the same mode.
Status CreateIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return Status::Unavailable(std::string("sqlite: cannot create database file: ") +
                             std::strerror(errno) + " [" + path + "]");
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- row decoding ----

constexpr char kAccountCols[] = "id, name, create_time";
constexpr char kUserCols[] =
    "id, account_id, name, password_hash, roles, enabled, create_time, password_changed_time";

Account ReadAccount(const Statement& s) { return ReadAccountAt(s, 0); }
User ReadUser(const Statement& s) { return ReadUserAt(s, 0); }
Token ReadToken(const Statement& s) { return ReadTokenAt(s, 0); }

Status InsertAccountOn(Connection& c, const Account& a) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s, c.Prepare("INSERT INTO accounts (id, name, create_time) VALUES (?, ?, ?)"));
  s.Bind(1, a.id).Bind(2, a.name).Bind(3, a.create_time);
  return s.Run("insert account");
}

Status InsertUserOn(Connection& c, const User& u) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s,
      c.Prepare("INSERT INTO users (id, account_id, name, password_hash, roles, enabled,"
                " create_time, password_changed_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, u.id).Bind(2, u.account_id).Bind(3, u.name).Bind(4, u.password_hash);
  s.Bind(5, int64_t{u.roles}).Bind(6, int64_t{u.enabled ? 1 : 0});
  s.Bind(7, u.create_time).Bind(8, u.password_changed_time);
  return s.Run("insert user");
}

Status RevokeUserTokensOn(Connection& c, std::string_view user_id) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s, c.Prepare("UPDATE tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0"));
  s.Bind(1, user_id);
  return s.Run("revoke user tokens");
}

// Runs a one-row-or-none query and decodes the row with read.
template <typename T, typename ReadFn>
Result<T> QueryOne(Statement& s, std::string_view what, std::string_view not_found,
                   ReadFn read) {
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step(what));
  if (!row) return Status::NotFound(std::string(not_found));
  return read(s);
}

template <typename T, typename ReadFn>
Result<std::vector<T>> QueryAll(Statement& s, std::string_view what, ReadFn read) {
  std::vector<T> out;
  for (;;) {
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step(what));
    if (!row) return out;
    out.push_back(read(s));
  }
}

}  // namespace

// ---- pool ----

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer,
                         std::vector<std::unique_ptr<Connection>> readers)
    : writer_(std::move(writer)), writes_(*writer_), readers_(std::move(readers)) {
  for (auto& r : readers_) free_readers_.push_back(r.get());
}

Connection* SqliteStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  pool_cv_.wait(lock, [this] { return !free_readers_.empty(); });
  Connection* c = free_readers_.back();
  free_readers_.pop_back();
  return c;
}

void SqliteStore::ReleaseReader(Connection* conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    free_readers_.push_back(conn);
  }
  pool_cv_.notify_one();
}

Status SqliteStore::Ping() {
  return Read([](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT 1"));
    return s.Run("ping");
  });
}

// ---- meta ----

Result<std::optional<std::string>> SqliteStore::GetMeta(std::string_view key) {
  return Read([&](Connection& c) -> Result<std::optional<std::string>> {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT value FROM meta WHERE key = ?"));
    s.Bind(1, key);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("get meta"));
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s.Blob(0).value_or(std::string()));
  });
}

Status SqliteStore::PutMeta(std::string_view key, std::string_view value) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("INSERT INTO meta (key, value) VALUES (?, ?)"
                                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    s.Bind(1, key).BindBlob(2, value);
    return s.Run("put meta");
  });
}

// ---- accounts ----

Result<bool> SqliteStore::BootstrapIfEmpty(const Account& account, const User& admin) {
  return Write([&](Connection& c) -> Result<bool> {
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT EXISTS (SELECT 1 FROM accounts)"));
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("bootstrap"));
      if (row && s.Int64(0) != 0) return false;
    }
    CSRD_RETURN_IF_ERROR(InsertAccountOn(c, account));
    CSRD_RETURN_IF_ERROR(InsertUserOn(c, admin));
    return true;
  });
}

Status SqliteStore::CreateAccount(const Account& account) {
  return Write([&](Connection& c) { return InsertAccountOn(c, account); });
}

Result<Account> SqliteStore::GetAccountById(std::string_view id) {
  return Read([&](Connection& c) -> Result<Account> {
    static const std::string sql = std::string("SELECT ") + kAccountCols +
                                   " FROM accounts WHERE id = ?";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, id);
    return QueryOne<Account>(s, "get account", "account not found", ReadAccount);
  });
}

Result<Account> SqliteStore::GetAccountByName(std::string_view name) {
  return Read([&](Connection& c) -> Result<Account> {
    static const std::string sql = std::string("SELECT ") + kAccountCols +
                                   " FROM accounts WHERE name = ?";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, name);
    return QueryOne<Account>(s, "get account", "account not found", ReadAccount);
  });
}

Result<std::vector<Account>> SqliteStore::ListAccounts() {
  return Read([&](Connection& c) -> Result<std::vector<Account>> {
    static const std::string sql = std::string("SELECT ") + kAccountCols +
                                   " FROM accounts ORDER BY create_time, id";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    return QueryAll<Account>(s, "list accounts", ReadAccount);
  });
}

// ---- users ----

Status SqliteStore::CreateUser(const User& user) {
  return Write([&](Connection& c) { return InsertUserOn(c, user); });
}

Result<User> SqliteStore::GetUserById(std::string_view id) {
  return Read([&](Connection& c) -> Result<User> {
    static const std::string sql = std::string("SELECT ") + kUserCols + " FROM users WHERE id = ?";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, id);
    return QueryOne<User>(s, "get user", "user not found", ReadUser);
  });
}

Result<User> SqliteStore::GetUserByName(std::string_view account_id, std::string_view name) {
  return Read([&](Connection& c) -> Result<User> {
    static const std::string sql = std::string("SELECT ") + kUserCols +
                                   " FROM users WHERE account_id = ? AND name = ?";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, account_id).Bind(2, name);
    return QueryOne<User>(s, "get user", "user not found", ReadUser);
  });
}

Result<std::vector<User>> SqliteStore::ListUsers(std::string_view account_id) {
  return Read([&](Connection& c) -> Result<std::vector<User>> {
    static const std::string sql = std::string("SELECT ") + kUserCols +
                                   " FROM users WHERE account_id = ? ORDER BY create_time, id";
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, account_id);
    return QueryAll<User>(s, "list users", ReadUser);
  });
}

Status SqliteStore::SetUserRoles(std::string_view user_id, uint32_t roles) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE users SET roles = ? WHERE id = ?"));
    s.Bind(1, int64_t{roles}).Bind(2, user_id);
    CSRD_RETURN_IF_ERROR(s.Run("set user roles"));
    return c.Changes() == 0 ? Status::NotFound("user not found") : Status::Ok();
  });
}

Status SqliteStore::SetUserPassword(std::string_view user_id, std::string_view password_hash,
                                    int64_t now) {
  return Write([&](Connection& c) -> Status {
    {
      CSRD_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("UPDATE users SET password_hash = ?, password_changed_time = ? WHERE id = ?"));
      s.Bind(1, password_hash).Bind(2, now).Bind(3, user_id);
      CSRD_RETURN_IF_ERROR(s.Run("set user password"));
    }
    if (c.Changes() == 0) return Status::NotFound("user not found");
    CSRD_RETURN_IF_ERROR(RevokeUserTokensOn(c, user_id));
    CSRD_RETURN_IF_ERROR(DeleteUserTemporaryCredentialsOn(c, user_id));
    return Status::Ok();
  });
}

Status SqliteStore::SetUserEnabled(std::string_view user_id, bool enabled) {
  return Write([&](Connection& c) -> Status {
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE users SET enabled = ? WHERE id = ?"));
      s.Bind(1, int64_t{enabled ? 1 : 0}).Bind(2, user_id);
      CSRD_RETURN_IF_ERROR(s.Run("set user enabled"));
    }
    if (c.Changes() == 0) return Status::NotFound("user not found");
    if (!enabled) {
      CSRD_RETURN_IF_ERROR(RevokeUserTokensOn(c, user_id));
      CSRD_RETURN_IF_ERROR(DeleteUserTemporaryCredentialsOn(c, user_id));
    }
    return Status::Ok();
  });
}

// ---- tokens ----

Status SqliteStore::InsertToken(const Token& t) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("INSERT INTO tokens (token_hash, user_id, account_id, project_id, project_name,"
                  " issued_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    s.Bind(1, t.token_hash).Bind(2, t.user_id).Bind(3, t.account_id).Bind(4, t.project_id);
    s.Bind(5, t.project_name).Bind(6, t.issued_at).Bind(7, t.expires_at);
    s.Bind(8, int64_t{t.revoked ? 1 : 0});
    return s.Run("insert token");
  });
}

Result<Token> SqliteStore::GetToken(std::string_view token_hash) {
  return Read([&](Connection& c) -> Result<Token> {
    CSRD_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("SELECT token_hash, user_id, account_id, project_id, project_name, issued_at,"
                  " expires_at, revoked FROM tokens WHERE token_hash = ?"));
    s.Bind(1, token_hash);
    return QueryOne<Token>(s, "get token", "token not found", ReadToken);
  });
}

Status SqliteStore::RevokeToken(std::string_view token_hash) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("UPDATE tokens SET revoked = 1 WHERE token_hash = ?"));
    s.Bind(1, token_hash);
    CSRD_RETURN_IF_ERROR(s.Run("revoke token"));
    return c.Changes() == 0 ? Status::NotFound("token not found") : Status::Ok();
  });
}

Status SqliteStore::DeleteExpiredTokens(int64_t now) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM tokens WHERE expires_at <= ?"));
    s.Bind(1, now);
    return s.Run("delete expired tokens");
  });
}

// ---- throttles ----

namespace {

Result<Throttle> ReadThrottleOn(Connection& c, std::string_view key) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s,
      c.Prepare("SELECT failures, window_start, locked_until FROM throttles WHERE key = ?"));
  s.Bind(1, key);
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step("get throttle"));
  Throttle t;
  if (row) {
    t.failures = static_cast<int>(s.Int64(0));
    t.window_start = s.Int64(1);
    t.locked_until = s.Int64(2);
  }
  return t;
}

}  // namespace

Result<Throttle> SqliteStore::GetThrottle(std::string_view key) {
  return Read([&](Connection& c) { return ReadThrottleOn(c, key); });
}

Result<Throttle> SqliteStore::RecordFailure(std::string_view key, int64_t now, int64_t window_ms,
                                            int threshold, int64_t lock_ms) {
  return Write([&](Connection& c) -> Result<Throttle> {
    CSRD_ASSIGN_OR_RETURN(Throttle t, ReadThrottleOn(c, key));
    if (t.locked_until > now) return t;  // unchanged: no write
    t = NextThrottle(t, now, window_ms, threshold, lock_ms);
    {
      CSRD_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("INSERT INTO throttles (key, failures, window_start, locked_until)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                    " failures = excluded.failures, window_start = excluded.window_start,"
                    " locked_until = excluded.locked_until"));
      s.Bind(1, key).Bind(2, int64_t{t.failures}).Bind(3, t.window_start).Bind(4, t.locked_until);
      CSRD_RETURN_IF_ERROR(s.Run("record failure"));
    }
    return t;
  });
}

Status SqliteStore::ClearThrottle(std::string_view key) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM throttles WHERE key = ?"));
    s.Bind(1, key);
    return s.Run("clear throttle");
  });
}

Account ReadAccountAt(const Statement& s, int first) {
  Account a;
  a.id = s.Text(first + 0);
  a.name = s.Text(first + 1);
  a.create_time = s.Int64(first + 2);
  return a;
}

User ReadUserAt(const Statement& s, int first) {
  User u;
  u.id = s.Text(first + 0);
  u.account_id = s.Text(first + 1);
  u.name = s.Text(first + 2);
  u.password_hash = s.Text(first + 3);
  u.roles = static_cast<uint32_t>(s.Int64(first + 4));
  u.enabled = s.Int64(first + 5) != 0;
  u.create_time = s.Int64(first + 6);
  u.password_changed_time = s.Int64(first + 7);
  return u;
}

Token ReadTokenAt(const Statement& s, int first) {
  Token t;
  t.token_hash = s.Text(first + 0);
  t.user_id = s.Text(first + 1);
  t.account_id = s.Text(first + 2);
  t.project_id = s.Text(first + 3);
  t.project_name = s.Text(first + 4);
  t.issued_at = s.Int64(first + 5);
  t.expires_at = s.Int64(first + 6);
  t.revoked = s.Int64(first + 7) != 0;
  return t;
}


}  // namespace sqlite

// ---- open ----

std::optional<SqliteWriteStats> SqliteWriteStatsOf(const Store& store) {
  const auto* sq = dynamic_cast<const sqlite::SqliteStore*>(&store);
  if (sq == nullptr) return std::nullopt;
  const sqlite::WriteQueue::Stats st = sq->write_stats();
  return SqliteWriteStats{st.transactions, st.units};
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options) {
  using sqlite::Connection;
  using sqlite::ConnectionOptions;
  if (path.empty()) return Status::InvalidArgument("sqlite: empty database path");
  if (options.reader_connections < 0 || options.reader_connections > sqlite::kMaxReaders) {
    return Status::InvalidArgument("sqlite: reader_connections must be 0..64");
  }
  if (options.busy_timeout_ms < 0 || options.cache_kib < 0) {
    return Status::InvalidArgument("sqlite: busy_timeout_ms and cache_kib must be >= 0");
  }
  CSRD_RETURN_IF_ERROR(sqlite::CreateIfMissing(path));

  ConnectionOptions co;
  co.synchronous = options.synchronous;
  co.busy_timeout_ms = options.busy_timeout_ms;
  co.cache_kib = options.cache_kib;
  auto writer = Connection::Open(path, co);
  if (!writer.ok()) return sqlite::WithPath(writer.status(), path);
  Status st = sqlite::EnableWal(**writer, options.busy_timeout_ms);
  if (st.ok()) {
    st = sqlite::ApplyMigrations(**writer, sqlite::SchemaMigrations(), sqlite::NowMillis());
  }
  if (!st.ok()) return sqlite::WithPath(st, path);

  std::vector<std::unique_ptr<Connection>> readers;
  co.read_only = true;
  for (int i = 0; i < options.reader_connections; ++i) {
    auto r = Connection::Open(path, co);
    if (!r.ok()) return sqlite::WithPath(r.status(), path);
    readers.push_back(std::move(r).value());
  }
  return std::unique_ptr<Store>(
      new sqlite::SqliteStore(std::move(writer).value(), std::move(readers)));
}

}  // namespace csrd::store
