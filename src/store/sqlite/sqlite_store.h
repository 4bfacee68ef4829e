// The embedded SQLite implementation of Store (WAL, synchronous=FULL).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace csrd::store {

struct SqliteOptions {
  // "FULL" (default: a 201 survives power loss) or "NORMAL" (survives a
  // process crash only; faster).
  std::string synchronous = "FULL";
  int busy_timeout_ms = 5000;
  int reader_connections = 2;
};

// Opens (creating if needed) the database file at path and runs the versioned
// schema migrations. Returns Unavailable/Internal if the file cannot be opened
// or migrated; never deletes or rewrites existing rows.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options = {});

}  // namespace csrd::store
