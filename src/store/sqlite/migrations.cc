#include "store/sqlite/migrations.h"

#include <string>

namespace csrd::store::sqlite {
namespace {

// Version 1: the initial schema. Times are epoch milliseconds.
//
// accounts.csr_count is kept by triggers in the same transaction as the insert
// or delete, so the quota check, CountCsrs and an unfiltered ListCsrs total
// are O(1) instead of a scan of the account's rows.
constexpr char kV1[] = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  create_time INTEGER NOT NULL,
  csr_count   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
  id                    TEXT PRIMARY KEY,
  account_id            TEXT NOT NULL REFERENCES accounts(id),
  name                  TEXT NOT NULL,
  password_hash         TEXT NOT NULL,
  roles                 INTEGER NOT NULL,
  enabled               INTEGER NOT NULL,
  create_time           INTEGER NOT NULL,
  password_changed_time INTEGER NOT NULL,
  UNIQUE (account_id, name)
);

CREATE TABLE tokens (
  token_hash   TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id   TEXT NOT NULL,
  project_id   TEXT NOT NULL,
  project_name TEXT NOT NULL,
  issued_at    INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE throttles (
  key          TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
);

CREATE TABLE csrs (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  name             TEXT NOT NULL,
  csr_pem          TEXT NOT NULL,
  domain_name      TEXT NOT NULL,
  sans             TEXT NOT NULL,
  private_key_algo TEXT NOT NULL,
  usage            TEXT NOT NULL,
  company_country  TEXT NOT NULL,
  company_province TEXT NOT NULL,
  company_city     TEXT NOT NULL,
  company_name     TEXT NOT NULL,
  create_time      INTEGER NOT NULL,
  update_time      INTEGER NOT NULL,
  sealed_key       BLOB,
  uploaded         INTEGER NOT NULL,
  export_count     INTEGER NOT NULL DEFAULT 0,
  last_export_time INTEGER NOT NULL DEFAULT 0
);
-- The list order, so a page is an index walk even at a million rows.
CREATE INDEX csrs_by_account_time ON csrs (account_id, create_time DESC, id DESC);
-- The same order under the algorithm filter.
CREATE INDEX csrs_by_account_algo
  ON csrs (account_id, private_key_algo, create_time DESC, id DESC);

CREATE TRIGGER csrs_count_insert AFTER INSERT ON csrs BEGIN
  UPDATE accounts SET csr_count = csr_count + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER csrs_count_delete AFTER DELETE ON csrs BEGIN
  UPDATE accounts SET csr_count = csr_count - 1 WHERE id = OLD.account_id;
END;
-- A CSR never changes account; the counters above rely on it.
CREATE TRIGGER csrs_account_fixed BEFORE UPDATE OF account_id ON csrs
  WHEN NEW.account_id IS NOT OLD.account_id BEGIN
  SELECT RAISE(ABORT, 'csrs.account_id is immutable');
END;

-- No foreign key: the trail outlives what it names, and a failed login may
-- name no account at all.
CREATE TABLE audit_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  time        INTEGER NOT NULL,
  account_id  TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  user_name   TEXT NOT NULL,
  action      TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  remote_addr TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  detail      TEXT NOT NULL
);
CREATE INDEX audit_by_account ON audit_events (account_id, id DESC);
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
};

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

// -1 when the table does not exist yet. Only reads, so a current read-only
// database opens.
Result<int64_t> MaxApplied(Connection& conn) {
  int64_t max_version = -1;
  {
    CSRD_ASSIGN_OR_RETURN(
        Statement q, conn.Prepare("SELECT count(*) FROM sqlite_schema"
                                  " WHERE type = 'table' AND name = 'schema_migrations'"));
    CSRD_ASSIGN_OR_RETURN(bool row, q.Step("read schema"));
    if (!row || q.Int64(0) == 0) return max_version;
  }
  CSRD_ASSIGN_OR_RETURN(Statement q,
                        conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  CSRD_ASSIGN_OR_RETURN(bool row, q.Step("read schema_migrations"));
  if (row) max_version = q.Int64(0);
  return max_version;
}

Result<bool> IsApplied(Connection& conn, int version) {
  CSRD_ASSIGN_OR_RETURN(Statement q,
                        conn.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
  q.Bind(1, int64_t{version});
  return q.Step("read schema_migrations");
}

Status ApplyOne(Connection& conn, const Migration& m, int64_t now_ms) {
  WriteTxn txn(conn);
  CSRD_RETURN_IF_ERROR(txn.Begin());
  CSRD_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable, "create schema_migrations"));
  CSRD_ASSIGN_OR_RETURN(bool applied, IsApplied(conn, m.version));
  if (applied) return Status::Ok();  // another opener got here first
  std::string what = "migration " + std::to_string(m.version);
  CSRD_RETURN_IF_ERROR(conn.Exec(m.sql, what));
  {
    CSRD_ASSIGN_OR_RETURN(
        Statement ins,
        conn.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
    ins.Bind(1, int64_t{m.version}).Bind(2, now_ms);
    CSRD_RETURN_IF_ERROR(ins.Run(what));
  }
  return txn.Commit();
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Status ApplyMigrations(Connection& conn, std::span<const Migration> migrations, int64_t now_ms) {
  CSRD_ASSIGN_OR_RETURN(int64_t max_applied, MaxApplied(conn));
  int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (max_applied > latest) {
    return Status::FailedPrecondition("sqlite: database schema version " +
                                      std::to_string(max_applied) +
                                      " is newer than this build knows (" +
                                      std::to_string(latest) + ")");
  }
  for (const Migration& m : migrations) {
    if (m.version <= max_applied) {
      // Versions are applied in order, so anything at or below the maximum is
      // normally recorded; re-check only to be safe against a gap.
      CSRD_ASSIGN_OR_RETURN(bool applied, IsApplied(conn, m.version));
      if (applied) continue;
    }
    CSRD_RETURN_IF_ERROR(ApplyOne(conn, m, now_ms));
  }
  return Status::Ok();
}

}  // namespace csrd::store::sqlite
