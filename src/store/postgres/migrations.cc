#include "store/postgres/migrations.h"

#include <string>

namespace csrd::store::postgres {
namespace {

// Version 1: the whole schema of SQLite versions 1 and 2, in PostgreSQL terms.
// Times are BIGINT epoch milliseconds, ids TEXT, flags BOOLEAN, binary values
// BYTEA. Text columns that are compared or ordered use the "C" collation, so
// that equality and order are byte-wise whatever the database's locale (as in
// SQLite) and the indexes serve the ORDER BY clauses.
//
// csr_counts holds the number of CSRs per (account, algorithm), kept by a
// trigger in the same transaction as each insert or delete, so the quota
// check, CountCsrs and an unfiltered or algorithm-filtered ListCsrs total read
// a handful of rows instead of counting the account's CSRs.
constexpr char kV1[] = R"sql(
CREATE TABLE meta (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value BYTEA NOT NULL
);

CREATE TABLE accounts (
  id          TEXT COLLATE "C" PRIMARY KEY,
  name        TEXT COLLATE "C" NOT NULL UNIQUE,
  create_time BIGINT NOT NULL
);

CREATE TABLE users (
  id                    TEXT COLLATE "C" PRIMARY KEY,
  account_id            TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name                  TEXT COLLATE "C" NOT NULL,
  password_hash         TEXT NOT NULL,
  roles                 BIGINT NOT NULL,
  enabled               BOOLEAN NOT NULL,
  create_time           BIGINT NOT NULL,
  password_changed_time BIGINT NOT NULL,
  UNIQUE (account_id, name)
);

CREATE TABLE tokens (
  token_hash   TEXT COLLATE "C" PRIMARY KEY,
  user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id   TEXT COLLATE "C" NOT NULL,
  project_id   TEXT NOT NULL,
  project_name TEXT NOT NULL,
  issued_at    BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  revoked      BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE throttles (
  key          TEXT COLLATE "C" PRIMARY KEY,
  failures     BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);

CREATE TABLE csrs (
  id               TEXT COLLATE "C" PRIMARY KEY,
  account_id       TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name             TEXT COLLATE "C" NOT NULL,
  csr_pem          TEXT NOT NULL,
  domain_name      TEXT NOT NULL,
  sans             TEXT NOT NULL,
  private_key_algo TEXT COLLATE "C" NOT NULL,
  usage            TEXT NOT NULL,
  company_country  TEXT NOT NULL,
  company_province TEXT NOT NULL,
  company_city     TEXT NOT NULL,
  company_name     TEXT NOT NULL,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  sealed_key       BYTEA,
  uploaded         BOOLEAN NOT NULL,
  export_count     BIGINT NOT NULL DEFAULT 0,
  last_export_time BIGINT NOT NULL DEFAULT 0
);
-- The list order, so a page is an index walk even at a million rows; name is
-- carried so the substring filter is tested on index entries.
CREATE INDEX csrs_by_account_time
  ON csrs (account_id, create_time DESC, id DESC) INCLUDE (name);
-- The same under the algorithm filter.
CREATE INDEX csrs_by_account_algo
  ON csrs (account_id, private_key_algo, create_time DESC, id DESC) INCLUDE (name);

CREATE TABLE csr_counts (
  account_id       TEXT COLLATE "C" NOT NULL,
  private_key_algo TEXT COLLATE "C" NOT NULL,
  n                BIGINT NOT NULL,
  PRIMARY KEY (account_id, private_key_algo)
);
CREATE FUNCTION csrs_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO csr_counts (account_id, private_key_algo, n)
      VALUES (NEW.account_id, NEW.private_key_algo, 1)
      ON CONFLICT (account_id, private_key_algo) DO UPDATE SET n = csr_counts.n + 1;
    RETURN NEW;
  END IF;
  UPDATE csr_counts SET n = n - 1
    WHERE account_id = OLD.account_id AND private_key_algo = OLD.private_key_algo;
  RETURN OLD;
END
$$;
CREATE TRIGGER csrs_count AFTER INSERT OR DELETE ON csrs
  FOR EACH ROW EXECUTE FUNCTION csrs_count();
-- A CSR never changes account or algorithm; the counts above rely on it.
CREATE FUNCTION csrs_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.account_id IS DISTINCT FROM OLD.account_id
     OR NEW.private_key_algo IS DISTINCT FROM OLD.private_key_algo THEN
    RAISE EXCEPTION 'csrs.account_id and csrs.private_key_algo are immutable';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER csrs_keys_fixed BEFORE UPDATE OF account_id, private_key_algo ON csrs
  FOR EACH ROW EXECUTE FUNCTION csrs_keys_fixed();

-- No foreign key: the trail outlives what it names, and a failed login may
-- name no account at all.
CREATE TABLE audit_events (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time        BIGINT NOT NULL,
  account_id  TEXT COLLATE "C" NOT NULL,
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

-- Permanent keys (temporary = false; expires_at and the parent columns 0 / '')
-- and temporary ones. Deleting a user cascades to its keys; deleting a key
-- takes its temporary children explicitly (parent_access), in the store's
-- own transaction.
CREATE TABLE credentials (
  access              TEXT COLLATE "C" PRIMARY KEY,
  user_id             TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id          TEXT COLLATE "C" NOT NULL,
  sealed_secret       BYTEA NOT NULL,
  status              TEXT NOT NULL,
  description         TEXT NOT NULL,
  create_time         BIGINT NOT NULL,
  last_use_time       BIGINT NOT NULL DEFAULT 0,
  temporary           BOOLEAN NOT NULL,
  security_token_hash TEXT NOT NULL,
  expires_at          BIGINT NOT NULL,
  parent_token_hash   TEXT NOT NULL,
  parent_access       TEXT COLLATE "C" NOT NULL,
  policy              TEXT NOT NULL
);
CREATE INDEX credentials_by_user
  ON credentials (user_id, temporary, create_time DESC, access DESC);
CREATE INDEX credentials_by_parent ON credentials (parent_access);
-- Only temporary keys expire; the partial index keeps the sweep off the rest.
CREATE INDEX credentials_temporary_by_expiry ON credentials (expires_at) WHERE temporary;

CREATE TABLE one_time_keys (
  key        TEXT COLLATE "C" PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX one_time_keys_by_expiry ON one_time_keys (expires_at);

CREATE TABLE projects (
  id          TEXT COLLATE "C" PRIMARY KEY,
  account_id  TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name        TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  UNIQUE (account_id, name)
);
)sql";

// Version 2 (issue 6; SQLite version 3): the audit trail is listed newest
// first by time, with filters. audit_by_account_time serves the unfiltered
// list, its time window and the user and action filters;
// audit_by_account_resource the "what happened to this CSR / AK" question.
// The old (account_id, id DESC) index served only the former id order.
constexpr char kV2[] = R"sql(
DROP INDEX audit_by_account;
CREATE INDEX audit_by_account_time ON audit_events (account_id, time DESC, id DESC);
CREATE INDEX audit_by_account_resource
  ON audit_events (account_id, resource_id, time DESC, id DESC);
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
};

// Any fixed 64-bit number; "csrd-mig" in ASCII. Advisory locks are per database.
constexpr int64_t kMigrationLockKey = 0x637372642d6d6967;

// -1 when schema_migrations does not exist yet.
Result<int64_t> MaxApplied(Conn& conn) {
  CSRD_ASSIGN_OR_RETURN(
      Rows exists, conn.Query("SELECT to_regclass('schema_migrations') IS NOT NULL",
                              "read schema"));
  if (exists.size() != 1 || !exists.Bool(0, 0)) return int64_t{-1};
  CSRD_ASSIGN_OR_RETURN(
      Rows max, conn.Query("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
                           "read schema_migrations"));
  return max.Int(0, 0);
}

Result<bool> IsApplied(Conn& conn, int version) {
  CSRD_ASSIGN_OR_RETURN(Rows r, conn.Query("SELECT 1 FROM schema_migrations WHERE version = $1",
                                           Params().Int(version), "read schema_migrations"));
  return r.size() > 0;
}

Status CheckNotNewer(int64_t max_applied, int64_t latest) {
  if (max_applied <= latest) return Status::Ok();
  return Status::FailedPrecondition("postgres: database schema version " +
                                    std::to_string(max_applied) +
                                    " is newer than this build knows (" + std::to_string(latest) +
                                    ")");
}

Status ApplyOne(Conn& conn, const Migration& m, int64_t now_ms) {
  const std::string what = "migration " + std::to_string(m.version);
  CSRD_RETURN_IF_ERROR(conn.Exec("BEGIN", what).status());
  Status st = conn.Exec(m.sql, what).status();
  if (st.ok()) {
    st = conn
             .Query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    Params().Int(m.version).Int(now_ms), what)
             .status();
  }
  if (st.ok()) {
    Result<Rows> commit = conn.Exec("COMMIT", what);
    if (!commit.ok()) return commit.status();
    if (commit->command() != "COMMIT") return Status::Internal("postgres: " + what + " rolled back");
    return Status::Ok();
  }
  (void)conn.Exec("ROLLBACK", what);
  return st;
}

// Everything that needs the lock held.
Status ApplyLocked(Conn& conn, std::span<const Migration> migrations, int64_t now_ms) {
  CSRD_RETURN_IF_ERROR(conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                                 "create schema_migrations")
                           .status());
  const int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  CSRD_ASSIGN_OR_RETURN(int64_t max_applied, MaxApplied(conn));
  CSRD_RETURN_IF_ERROR(CheckNotNewer(max_applied, latest));
  for (const Migration& m : migrations) {
    CSRD_ASSIGN_OR_RETURN(bool applied, IsApplied(conn, m.version));
    if (!applied) CSRD_RETURN_IF_ERROR(ApplyOne(conn, m, now_ms));
  }
  return Status::Ok();
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Status ApplyMigrations(Conn& conn, std::span<const Migration> migrations, int64_t now_ms) {
  const int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  // Fast path without the lock: versions are applied in order, each with its
  // record in one transaction, so max == latest means nothing is missing.
  CSRD_ASSIGN_OR_RETURN(int64_t max_applied, MaxApplied(conn));
  CSRD_RETURN_IF_ERROR(CheckNotNewer(max_applied, latest));
  if (max_applied == latest) return Status::Ok();

  CSRD_RETURN_IF_ERROR(conn.Query("SELECT pg_advisory_lock($1)", Params().Int(kMigrationLockKey),
                                  "take the migration lock")
                           .status());
  Status st = ApplyLocked(conn, migrations, now_ms);
  Status unlock = conn.Query("SELECT pg_advisory_unlock($1)", Params().Int(kMigrationLockKey),
                             "release the migration lock")
                      .status();
  return st.ok() ? unlock : st;
}

}  // namespace csrd::store::postgres
