// Versioned schema migrations of the PostgreSQL store.
//
// The schema only moves forward by appending a Migration to the list in
// migrations.cc; a released migration is never edited. Applied versions are
// recorded in schema_migrations(version, applied_at). The versions are this
// backend's own (they need not match the SQLite store's numbering); the
// tables mean the same as SQLite's.
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "store/postgres/pg_conn.h"

namespace csrd::store::postgres {

struct Migration {
  int version;      // 1, 2, 3, ... strictly increasing
  const char* sql;  // one or more statements
};

// The migrations of this build, in order.
std::span<const Migration> SchemaMigrations();

// Brings the database up to date. A database that is already current is only
// read. Otherwise takes a session-level advisory lock (so replicas starting at
// once migrate one after the other, and each migration is applied exactly
// once), re-reads the applied versions under it and applies each missing
// migration in its own transaction, recorded in the same transaction; a
// failed migration rolls back whole. The lock is released before returning;
// if releasing fails the caller must close conn (which releases it too).
// FailedPrecondition if the database records a version this build does not
// know.
Status ApplyMigrations(Conn& conn, std::span<const Migration> migrations, int64_t now_ms);

}  // namespace csrd::store::postgres
