#include "store/sqlite/sqlite_handle.h"

#include <utility>

namespace csrd::store::sqlite {
namespace {

// sqlite3_bind_*() with a null pointer binds SQL NULL; an empty string_view
// may carry one, and "" must stay "".
const char kEmpty[] = "";

const char* NonNull(std::string_view s) { return s.data() != nullptr ? s.data() : kEmpty; }

}  // namespace

Status ErrorStatus(int rc, std::string_view what, const char* errmsg) {
  std::string msg = "sqlite: ";
  msg += what;
  msg += ": ";
  msg += errmsg != nullptr ? errmsg : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_PERM:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::AlreadyExists(std::move(msg));
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::NotFound(std::move(msg));
      return Status::Internal(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

// ---- Statement ----

Statement::Statement(Statement&& o) noexcept
    : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)), bind_rc_(o.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int i, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, i, NonNull(text), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindBlob(int i, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, i, NonNull(bytes), bytes.size(), SQLITE_STATIC);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindBlob(int i, const std::optional<std::string>& bytes) {
  if (bytes.has_value()) return BindBlob(i, std::string_view(*bytes));
  return BindNull(i);
}

Statement& Statement::BindNull(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::Step(std::string_view what) {
  if (bind_rc_ != SQLITE_OK) return ErrorStatus(bind_rc_, what, nullptr);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(rc, what, sqlite3_errmsg(db_));
}

Status Statement::Run(std::string_view what) {
  for (;;) {
    Result<bool> r = Step(what);
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::Blob(int col) const {
  if (IsNull(col)) return std::nullopt;
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return std::string();
  return std::string(p, static_cast<size_t>(n));
}

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const ConnectionOptions& options) {
  if (options.synchronous != "FULL" && options.synchronous != "NORMAL" &&
      options.synchronous != "EXTRA") {
    return Status::InvalidArgument("sqlite: synchronous must be FULL, NORMAL or EXTRA");
  }
  if (options.cache_kib < 0) return Status::InvalidArgument("sqlite: cache_kib must be >= 0");
  sqlite3* raw = nullptr;
  // NOMUTEX: the store gives a connection to one thread at a time.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    return ErrorStatus(rc, "open", raw != nullptr ? sqlite3_errmsg(raw) : nullptr);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  std::unique_ptr<Connection> conn(new Connection(std::move(db)));
  std::string pragmas = "PRAGMA synchronous=" + options.synchronous +
                        "; PRAGMA foreign_keys=ON; PRAGMA cache_size=-" +
                        std::to_string(options.cache_kib) + ";";
  if (options.read_only) pragmas += " PRAGMA query_only=ON;";
  CSRD_RETURN_IF_ERROR(conn->Exec(pragmas.c_str(), "set pragmas"));
  return conn;
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) return ErrorStatus(rc, "prepare", sqlite3_errmsg(db_.get()));
    if (raw == nullptr) return Status::Internal("sqlite: prepare: empty statement");
    it = cache_.emplace(sql, std::move(stmt)).first;
  }
  return Statement(db_.get(), it->second.get());
}

Status Connection::RunCached(std::string_view sql, std::string_view what) {
  CSRD_ASSIGN_OR_RETURN(Statement s, Prepare(sql));
  return s.Run(what);
}

void Connection::RollBackIfOpen() {
  if (!InTransaction()) return;
  if (RunCached("ROLLBACK", "rollback").ok()) return;
  sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Connection::Exec(const char* sql, std::string_view what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  Status st = ErrorStatus(rc, what, err != nullptr ? err : sqlite3_errmsg(db_.get()));
  sqlite3_free(err);
  return st;
}

// ---- transactions ----
// BEGIN, COMMIT and ROLLBACK run as cached statements: sqlite3_exec would
// compile them again for every transaction (a list, an audit page).

WriteTxn::~WriteTxn() {
  if (open_) conn_.RollBackIfOpen();
}

Status WriteTxn::Begin() {
  CSRD_RETURN_IF_ERROR(conn_.RunCached("BEGIN IMMEDIATE", "begin"));
  open_ = true;
  return Status::Ok();
}

Status WriteTxn::Commit() {
  CSRD_RETURN_IF_ERROR(conn_.RunCached("COMMIT", "commit"));
  open_ = false;
  return Status::Ok();
}

ReadTxn::~ReadTxn() {
  if (open_) conn_.RollBackIfOpen();
}

Status ReadTxn::Begin() {
  CSRD_RETURN_IF_ERROR(conn_.RunCached("BEGIN", "begin read"));
  open_ = true;
  return Status::Ok();
}

}  // namespace csrd::store::sqlite
