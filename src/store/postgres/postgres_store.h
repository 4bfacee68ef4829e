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
  // Cap on the migration session at open: waiting for another replica's
  // migration and the migration itself.
  int migration_timeout_ms = 60000;
};

// Connects to url ("postgresql://user:pass@host:port/db?..."), runs the
// versioned migrations under a PostgreSQL advisory lock (safe when several
// replicas start at once), and returns the store. Unavailable if the server
// cannot be reached; InvalidArgument for bad options or an unparsable url;
// FailedPrecondition if the database's schema is newer than this build. The
// url's own connect_timeout / keepalive settings win over the options; its
// "options" are appended after ours (so its -c settings win too).
//
// The returned Store is thread-safe and shares nothing with other instances
// but the database: any number of them (replicas) may use one database at
// once, and each sees the others' committed writes immediately. Errors:
// connection loss, timeouts, shutdown, resource exhaustion (SQLSTATE 08xxx,
// 53xxx, 57P01-57P04, 57014, 25006) and deadlocks or serialization failures
// that outlast max_retries are Unavailable, and a failed connection is
// dropped; while the database is down calls fail within about
// connect_timeout_s + acquire_timeout_ms (or statement_timeout_ms + 2 s for a
// call in flight) and the pool reconnects by itself when it returns, without
// a restart. unique_violation is AlreadyExists, foreign_key_violation
// NotFound, a data exception (e.g. a NUL byte or invalid UTF-8 in text)
// InvalidArgument, anything else Internal. Messages name the SQLSTATE and
// PostgreSQL's primary message only: never the password or a bound value.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const PostgresOptions& options = {});

}  // namespace csrd::store
