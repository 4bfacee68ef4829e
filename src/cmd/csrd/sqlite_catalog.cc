#include "cmd/csrd/sqlite_catalog.h"

#include <sqlite3.h>

namespace csrd::cmd {

struct SqliteCatalog::Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close_v2(handle); }
};

namespace {

// Finalizes on every path out of a query.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Status Failed(sqlite3* db, const char* what) {
  return Status::Unavailable(std::string("sqlite source: ") + what + ": " + sqlite3_errmsg(db));
}

std::string TextAt(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

}  // namespace

SqliteCatalog::SqliteCatalog(std::unique_ptr<Db> db) : db_(std::move(db)) {}
SqliteCatalog::~SqliteCatalog() = default;

Result<std::unique_ptr<SqliteCatalog>> SqliteCatalog::Open(const std::string& path) {
  auto db = std::make_unique<Db>();
  int rc = sqlite3_open_v2(path.c_str(), &db->handle, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    return Status::Unavailable("sqlite source: cannot open " + path + ": " +
                               (db->handle ? sqlite3_errmsg(db->handle) : "out of memory"));
  }
  sqlite3_busy_timeout(db->handle, 5000);
  return std::unique_ptr<SqliteCatalog>(new SqliteCatalog(std::move(db)));
}

// The first column of every row, as text.
Result<std::vector<std::string>> SqliteCatalog::Column(const char* sql) {
  Stmt st;
  if (sqlite3_prepare_v2(db_->handle, sql, -1, &st.s, nullptr) != SQLITE_OK) {
    return Failed(db_->handle, "prepare");
  }
  std::vector<std::string> out;
  for (;;) {
    int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return Failed(db_->handle, "read");
    out.push_back(TextAt(st.s, 0));
  }
}

Result<std::vector<std::string>> SqliteCatalog::TokenHashes() {
  return Column("SELECT token_hash FROM tokens ORDER BY issued_at, token_hash");
}

Result<std::vector<std::string>> SqliteCatalog::CredentialAccesses() {
  return Column("SELECT access FROM credentials ORDER BY temporary, create_time, access");
}

Result<std::vector<std::string>> SqliteCatalog::MetaKeys() {
  return Column("SELECT key FROM meta ORDER BY key");
}

Result<std::vector<std::string>> SqliteCatalog::AuditAccountIds() {
  return Column("SELECT DISTINCT account_id FROM audit_events ORDER BY account_id");
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteCatalog::OneTimeKeys(int64_t now) {
  Stmt st;
  if (sqlite3_prepare_v2(db_->handle,
                         "SELECT key, expires_at FROM one_time_keys WHERE expires_at > ?1"
                         " ORDER BY key",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return Failed(db_->handle, "prepare");
  }
  sqlite3_bind_int64(st.s, 1, now);
  std::vector<std::pair<std::string, int64_t>> out;
  for (;;) {
    int rc = sqlite3_step(st.s);
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return Failed(db_->handle, "read");
    out.emplace_back(TextAt(st.s, 0), sqlite3_column_int64(st.s, 1));
  }
}

}  // namespace csrd::cmd
