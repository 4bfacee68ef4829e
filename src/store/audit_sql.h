// The SQL of ListAudit, shared by the SQL stores: one statement text per
// combination of filters (so each gets its own plan and index, as an
// "(? = '' OR ...)" form would hide the resource index), built once and kept
// for the life of the process (the SQLite statement cache keys on the text).
#pragma once

#include <string>

#include "store/records.h"

// Column order of every audit read (ReadAudit in each store depends on it).
#define CSRD_AUDIT_COLS                                                                 \
  "id, time, account_id, user_id, user_name, action, resource_id, remote_addr,"        \
  " request_id, outcome, detail"

namespace csrd::store {

enum class SqlDialect { kSqlite, kPostgres };

struct AuditListSql {
  // Parameters, in order: account_id, since, until, then action, resource_id
  // and user_id, each only if the query sets it (non-empty); `page` takes
  // limit and offset after those.
  const std::string& count;
  const std::string& page;
};

// The statements for query's filters. Thread-safe; the strings live until exit.
AuditListSql AuditSqlFor(const AuditQuery& query, SqlDialect dialect);

}  // namespace csrd::store
