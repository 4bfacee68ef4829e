// Chooses the Store implementation from `--database`.
#pragma once

#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/result.h"
#include "store/store.h"

namespace csrd::store {

enum class StoreKind { kSqlite, kPostgres };

struct StoreLocation {
  StoreKind kind = StoreKind::kSqlite;
  std::string sqlite_path;   // kSqlite
  std::string postgres_url;  // kPostgres
  // For logs: the location with any password replaced by "***".
  std::string redacted;
};

// database: "" = SQLite at <data_dir>/csrd.db; "sqlite:PATH" or "sqlite://PATH";
// "postgresql://..." or "postgres://..." = PostgreSQL. Else InvalidArgument.
Result<StoreLocation> ParseDatabaseFlag(const std::string& database, const std::string& data_dir);

struct OpenOptions {
  std::string sqlite_synchronous = "FULL";
  int postgres_pool_size = 8;
};

Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& where, const OpenOptions& options = {});

// Registers on registry the metrics only one backend has, read from store (a
// store OpenStore returned, not a decorator) at each render: for SQLite the
// group-commit counters csrd_db_write_transactions_total and
// csrd_db_write_units_total (units / transactions = mean batch); nothing for
// PostgreSQL. store must outlive registry's renders.
void RegisterBackendMetrics(const Store& store, metrics::Registry* registry);

}  // namespace csrd::store
