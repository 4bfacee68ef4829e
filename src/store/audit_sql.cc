#include "store/audit_sql.h"

#include <array>

namespace csrd::store {
namespace {

constexpr int kFilters = 3;  // action, resource_id, user_id
constexpr const char* kFilterColumns[kFilters] = {"action", "resource_id", "user_id"};

struct Texts {
  std::string count, page;
};

std::string Placeholder(SqlDialect d, int* n) {
  ++*n;
  return d == SqlDialect::kSqlite ? std::string("?") : "$" + std::to_string(*n);
}

Texts Build(int mask, SqlDialect d) {
  int n = 0;
  std::string where = " FROM audit_events WHERE account_id = " + Placeholder(d, &n);
  where += " AND time >= " + Placeholder(d, &n);
  where += " AND time <= " + Placeholder(d, &n);
  for (int f = 0; f < kFilters; ++f) {
    if ((mask & (1 << f)) != 0) {
      where += std::string(" AND ") + kFilterColumns[f] + " = " + Placeholder(d, &n);
    }
  }
  Texts t;
  t.count = "SELECT count(*)" + where;
  t.page = "SELECT " CSRD_AUDIT_COLS + where + " ORDER BY time DESC, id DESC LIMIT " +
           Placeholder(d, &n);
  t.page += " OFFSET " + Placeholder(d, &n);
  return t;
}

using Table = std::array<Texts, 1 << kFilters>;

Table BuildAll(SqlDialect d) {
  Table t;
  for (int mask = 0; mask < (1 << kFilters); ++mask) t[mask] = Build(mask, d);
  return t;
}

}  // namespace

AuditListSql AuditSqlFor(const AuditQuery& q, SqlDialect dialect) {
  static const Table sqlite = BuildAll(SqlDialect::kSqlite);
  static const Table postgres = BuildAll(SqlDialect::kPostgres);
  const int mask = (q.action.empty() ? 0 : 1) | (q.resource_id.empty() ? 0 : 2) |
                   (q.user_id.empty() ? 0 : 4);
  const Texts& t = (dialect == SqlDialect::kSqlite ? sqlite : postgres)[mask];
  return AuditListSql{t.count, t.page};
}

}  // namespace csrd::store
