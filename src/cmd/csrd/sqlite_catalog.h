// Read-only listing of the rows a SQLite data dir holds that the Store
// interface can fetch one by one but cannot enumerate (tokens, access keys,
// one-time signatures, meta keys, accounts named by audit events), for
// `csrd admin migrate-store`. Only primary keys are read here; every record is
// then read through the Store interface.
//
// It depends on the SQLite schema's key columns (versions 1 and 2); a newer
// schema is refused by the source store's own open, which runs first.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace csrd::cmd {

class SqliteCatalog {
 public:
  // Opens path read-only (never creates or changes it). Unavailable if it
  // cannot be opened.
  static Result<std::unique_ptr<SqliteCatalog>> Open(const std::string& path);
  ~SqliteCatalog();
  SqliteCatalog(const SqliteCatalog&) = delete;
  SqliteCatalog& operator=(const SqliteCatalog&) = delete;

  Result<std::vector<std::string>> TokenHashes();
  // Permanent keys first, then temporary ones, each oldest first: a temporary
  // key's parent is then always copied before it.
  Result<std::vector<std::string>> CredentialAccesses();
  // (key, expires_at) of entries still unexpired at now.
  Result<std::vector<std::pair<std::string, int64_t>>> OneTimeKeys(int64_t now);
  Result<std::vector<std::string>> MetaKeys();
  // Every account id audit events name, "" and deleted accounts included.
  Result<std::vector<std::string>> AuditAccountIds();

 private:
  struct Db;
  explicit SqliteCatalog(std::unique_ptr<Db> db);
  Result<std::vector<std::string>> Column(const char* sql);

  std::unique_ptr<Db> db_;
};

}  // namespace csrd::cmd
