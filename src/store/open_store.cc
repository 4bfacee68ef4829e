#include "store/open_store.h"

#include <string_view>
#include <vector>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace csrd::store {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Replaces the password of a URL-like string with "***": the part after ':'
// in the userinfo ("scheme://user:PASSWORD@host"), and any "password=" query
// or key-value parameter. Works on malformed input too, since it also
// serves to quote a flag that did not parse.
std::string RedactUrl(std::string s) {
  const size_t scheme = s.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    // The userinfo ends at the last '@' before the query (a password may
    // itself hold '@' or '/' when the user forgot to percent-encode it; better
    // to hide a database name than to show a password).
    size_t end = s.find_first_of("?#", start);
    if (end == std::string::npos) end = s.size();
    const size_t at = s.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      const size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t pos = s.find("password="); pos != std::string::npos;
       pos = s.find("password=", pos + 1)) {
    const size_t value = pos + 9;
    size_t stop = s.find_first_of("& ", value);
    if (stop == std::string::npos) stop = s.size();
    s.replace(value, stop - value, "***");
  }
  return s;
}

}  // namespace

Result<StoreLocation> ParseDatabaseFlag(const std::string& database, const std::string& data_dir) {
  StoreLocation loc;
  if (database.empty()) {
    if (data_dir.empty()) {
      return Status::InvalidArgument("no --database and no data dir for the SQLite database");
    }
    loc.kind = StoreKind::kSqlite;
    loc.sqlite_path = data_dir + (data_dir.back() == '/' ? "" : "/") + "csrd.db";
    loc.redacted = "sqlite:" + loc.sqlite_path;
    return loc;
  }
  if (StartsWith(database, "sqlite:")) {
    std::string_view path = std::string_view(database).substr(7);
    if (StartsWith(path, "//")) path.remove_prefix(2);  // sqlite:///abs or sqlite://rel
    if (path.empty()) return Status::InvalidArgument("--database sqlite: needs a file path");
    loc.kind = StoreKind::kSqlite;
    loc.sqlite_path = std::string(path);
    loc.redacted = "sqlite:" + loc.sqlite_path;
    return loc;
  }
  if (StartsWith(database, "postgresql://") || StartsWith(database, "postgres://")) {
    loc.kind = StoreKind::kPostgres;
    loc.postgres_url = database;
    loc.redacted = RedactUrl(database);
    return loc;
  }
  return Status::InvalidArgument(
      "--database must be empty, sqlite:PATH, sqlite://PATH, postgresql://... or "
      "postgres://..., not " +
      RedactUrl(database));
}

Result<std::unique_ptr<Store>> OpenStore(const StoreLocation& where, const OpenOptions& options) {
  switch (where.kind) {
    case StoreKind::kSqlite: {
      SqliteOptions o;
      o.synchronous = options.sqlite_synchronous;
      return OpenSqliteStore(where.sqlite_path, o);
    }
    case StoreKind::kPostgres: {
      PostgresOptions o;
      o.pool_size = options.postgres_pool_size;
      return OpenPostgresStore(where.postgres_url, o);
    }
  }
  return Status::InvalidArgument("unknown store kind");
}

void RegisterBackendMetrics(const Store& store, metrics::Registry* registry) {
  if (!SqliteWriteStatsOf(store).has_value()) return;
  const Store* db = &store;
  auto stat = [db](uint64_t SqliteWriteStats::*field) {
    return [db, field](std::vector<metrics::Sample>* out) {
      auto st = SqliteWriteStatsOf(*db);
      out->push_back({{}, static_cast<double>(st ? (*st).*field : 0)});
    };
  };
  registry->AddCallback("csrd_db_write_transactions_total",
                        "SQLite write transactions (one commit and fsync each, shared by a batch).",
                        metrics::MetricType::kCounter, {}, stat(&SqliteWriteStats::transactions));
  registry->AddCallback("csrd_db_write_units_total",
                        "SQLite write calls, group-committed in csrd_db_write_transactions_total.",
                        metrics::MetricType::kCounter, {}, stat(&SqliteWriteStats::units));
}

}  // namespace csrd::store
