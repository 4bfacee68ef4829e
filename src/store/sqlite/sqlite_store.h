// The embedded SQLite implementation of Store (WAL, synchronous=FULL).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace csrd::store {

struct SqliteOptions {
  // "FULL" (default: a 201 survives power loss), "NORMAL" (survives a
  // process crash only; faster) or "EXTRA". Anything else: InvalidArgument.
  std::string synchronous = "FULL";
  // How long a write waits for another process's lock before Unavailable.
  int busy_timeout_ms = 5000;
  // Connections for reads, beside the one writer; 0 sends reads to the writer.
  // About the core count: more only contend.
  int reader_connections = 2;
  // Page cache per connection, KiB.
  int cache_kib = 16384;
};

// Opens (creating if needed, mode 0600) the database file at path and runs the
// versioned schema migrations. Returns Unavailable/Internal if the file cannot
// be opened or migrated, Corruption if it is not a database,
// FailedPrecondition if its schema is newer than this build, InvalidArgument
// for bad options; never deletes or rewrites existing rows. An up-to-date
// read-only file opens, and its writes answer Unavailable.
//
// The returned Store is thread-safe: writes are serialized on one connection,
// reads share the reader pool. Concurrent writes are group-committed: the
// calls waiting for the writer run in one transaction, each in its own
// savepoint, and share one COMMIT (one fsync); a call still returns only after
// that COMMIT, and fails alone (its savepoint rolled back) unless the COMMIT
// itself fails, which fails every call of the batch. Each call is atomic and
// sees every write that returned before it started.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options = {});

// Group-commit counters of a SQLite store, cumulative since it was opened.
// units / transactions is the mean batch size.
struct SqliteWriteStats {
  uint64_t transactions = 0;  // write transactions begun (at most one COMMIT, one fsync each)
  uint64_t units = 0;         // write calls run in them
};

// The counters of a store OpenSqliteStore returned; nullopt for any other
// Store (for a decorator, pass the store it wraps). Thread-safe; cheap (three
// relaxed atomic loads).
std::optional<SqliteWriteStats> SqliteWriteStatsOf(const Store& store);

}  // namespace csrd::store
