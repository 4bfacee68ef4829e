// Versioned schema migrations of the SQLite store.
//
// The schema only ever moves forward by appending a Migration to the list in
// migrations.cc; a released migration is never edited. Applied versions are
// recorded in schema_migrations(version, applied_at).
#pragma once

#include <cstdint>
#include <span>

#include "core/status.h"
#include "store/sqlite/sqlite_handle.h"

namespace csrd::store::sqlite {

struct Migration {
  int version;      // 1, 2, 3, ... strictly increasing
  const char* sql;  // one or more statements
};

// The migrations of this build, in order.
std::span<const Migration> SchemaMigrations();

// Applies each migration whose version is not yet recorded, each in its own
// BEGIN IMMEDIATE transaction that re-checks the record under the write lock,
// so processes opening one file at once apply every migration exactly once. A
// failed migration rolls back whole and is not recorded. A database that is
// already current is only read (a read-only file still opens).
// FailedPrecondition if the file records a version newer than the list knows.
Status ApplyMigrations(Connection& conn, std::span<const Migration> migrations, int64_t now_ms);

}  // namespace csrd::store::sqlite
