#include "store/sqlite/migrations.h"

#include <string>

namespace csrd::store::sqlite {
namespace {

// Version 1: the initial schema. Times are epoch milliseconds.
//
// csr_counts holds the number of CSRs per (account, algorithm), kept by
// triggers in the same transaction as each insert or delete, so the quota
// check, CountCsrs and an unfiltered or algorithm-filtered ListCsrs total cost
// a handful of row reads instead of a scan of the account's CSRs.
constexpr char kV1[] = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  create_time INTEGER NOT NULL
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
-- The list order, so a page is an index walk even at a million rows. name is
-- carried in the index so that the substring filter is tested on index
-- entries and only matching rows are read from the (wide) table.
CREATE INDEX csrs_by_account_time
  ON csrs (account_id, create_time DESC, id DESC, name);
-- The same under the algorithm filter.
CREATE INDEX csrs_by_account_algo
  ON csrs (account_id, private_key_algo, create_time DESC, id DESC, name);

CREATE TABLE csr_counts (
  account_id       TEXT NOT NULL,
  private_key_algo TEXT NOT NULL,
  n                INTEGER NOT NULL,
  PRIMARY KEY (account_id, private_key_algo)
) WITHOUT ROWID;
CREATE TRIGGER csrs_count_insert AFTER INSERT ON csrs BEGIN
  INSERT INTO csr_counts (account_id, private_key_algo, n)
    VALUES (NEW.account_id, NEW.private_key_algo, 1)
    ON CONFLICT (account_id, private_key_algo) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER csrs_count_delete AFTER DELETE ON csrs BEGIN
  UPDATE csr_counts SET n = n - 1
    WHERE account_id = OLD.account_id AND private_key_algo = OLD.private_key_algo;
END;
-- A CSR never changes account or algorithm; the counts above rely on it.
CREATE TRIGGER csrs_count_keys_fixed
  BEFORE UPDATE OF account_id, private_key_algo ON csrs
  WHEN NEW.account_id IS NOT OLD.account_id
    OR NEW.private_key_algo IS NOT OLD.private_key_algo BEGIN
  SELECT RAISE(ABORT, 'csrs.account_id and csrs.private_key_algo are immutable');
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

// Version 2 (issue 3): access keys, one-time signatures, projects seen.
//
// credentials holds permanent keys (temporary = 0; expires_at and the parent
// columns 0 / '') and temporary ones. Deleting a user cascades to its keys;
// deleting a key takes its temporary children explicitly (parent_access), in
// the store's own transaction. credentials_by_user serves the list (newest
// first), the per-user cap count and the per-user deletes.
constexpr char kV2[] = R"sql(
CREATE TABLE credentials (
  access              TEXT PRIMARY KEY,
  user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id          TEXT NOT NULL,
  sealed_secret       BLOB NOT NULL,
  status              TEXT NOT NULL,
  description         TEXT NOT NULL,
  create_time         INTEGER NOT NULL,
  last_use_time       INTEGER NOT NULL DEFAULT 0,
  temporary           INTEGER NOT NULL,
  security_token_hash TEXT NOT NULL,
  expires_at          INTEGER NOT NULL,
  parent_token_hash   TEXT NOT NULL,
  parent_access       TEXT NOT NULL,
  policy              TEXT NOT NULL
);
CREATE INDEX credentials_by_user
  ON credentials (user_id, temporary, create_time DESC, access DESC);
CREATE INDEX credentials_by_parent ON credentials (parent_access);
-- Only temporary keys expire; the partial index keeps the sweep off the rest.
CREATE INDEX credentials_temporary_by_expiry ON credentials (expires_at) WHERE temporary = 1;

CREATE TABLE one_time_keys (
  key        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX one_time_keys_by_expiry ON one_time_keys (expires_at);

CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  name        TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  UNIQUE (account_id, name)
);
)sql";

// Version 3 (issue 6): the audit trail is listed newest first by time, with
// filters. audit_by_account_time serves the unfiltered list, its time window
// and the user and action filters (tested on index entries' rows in order);
// audit_by_account_resource the "what happened to this CSR / AK" question.
// The old (account_id, id DESC) index served only the former id order.
constexpr char kV3[] = R"sql(
DROP INDEX audit_by_account;
CREATE INDEX audit_by_account_time ON audit_events (account_id, time DESC, id DESC);
CREATE INDEX audit_by_account_resource
  ON audit_events (account_id, resource_id, time DESC, id DESC);
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
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
