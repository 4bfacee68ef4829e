// The PostgreSQL implementation of Store, for several stateless csrd replicas
// sharing one database (libpq).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace csrd::store {

struct PostgresOptions {
  int pool_size = 8;               // connections kept open; callers beyond it wait
  int connect_timeout_s = 3;       // per connection attempt
  int statement_timeout_ms = 5000; // server-side cap on one statement
  int acquire_timeout_ms = 5000;   // waiting for a free pooled connection
  int max_retries = 3;             // serialization failures / deadlocks only
};

// Connects to url ("postgresql://user:pass@host:port/db?..."), runs the
// versioned migrations under a PostgreSQL advisory lock (safe when several
// replicas start at once), and returns the store. Unavailable if the server
// cannot be reached. While the database is down later, calls fail fast with
// Unavailable (bounded by the timeouts above) and the pool reconnects by
// itself when it returns. Never logs or returns the password in the url.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const PostgresOptions& options = {});

}  // namespace csrd::store
