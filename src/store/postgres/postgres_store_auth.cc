// The authentication reads of PostgresStore: everything one AK/SK or token
// request needs, in one prepared statement and one round trip. A single
// statement sees one snapshot. Nothing is cached across calls: several
// replicas share the database, and a key or user changed by one of them must
// stop (or start) working on the next request everywhere.
#include <cstdint>
#include <string>

#include "store/auth_sql.h"
#include "store/postgres/postgres_store_impl.h"

namespace csrd::store::postgres {
namespace {

constexpr char kAkSkSql[] = CSRD_AUTH_AKSK_SQL("$1", "$2");
constexpr char kTokenSql[] = CSRD_AUTH_TOKEN_SQL("$1");

// The first (only) result row, for the shared column walk (auth_sql.h).
struct RowOf {
  const Rows& r;
  bool IsNull(int col) const { return r.IsNull(0, col); }
  int64_t Int(int col) const { return r.Int(0, col); }
  std::string Text(int col) const { return r.Text(0, col); }
  Credential CredentialAt(int first) const { return ReadCredentialAt(r, 0, first); }
  User UserAt(int first) const { return ReadUserAt(r, 0, first); }
  Account AccountAt(int first) const { return ReadAccountAt(r, 0, first); }
  Token TokenAt(int first) const { return ReadTokenAt(r, 0, first); }
};

}  // namespace

Result<AkSkContext> PostgresStore::GetAkSkContext(std::string_view access,
                                                  std::string_view throttle_key) {
  // '' is every permanent key's parent_access, never an AK; a value that
  // cannot be text names no row (as on SQLite) rather than failing.
  if (access.empty() || !CanBeText(access) || !CanBeText(throttle_key)) {
    return Status::NotFound("access key not found");
  }
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<AkSkContext> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(kAkSkSql, Params().Text(access).Text(throttle_key),
                                          "get aksk context"));
    if (r.size() == 0) return Status::NotFound("access key not found");
    return AkSkContextFromRow(RowOf{r});
  });
}

Result<TokenContext> PostgresStore::GetTokenContext(std::string_view token_hash) {
  if (!CanBeText(token_hash)) return Status::NotFound("token not found");
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<TokenContext> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(kTokenSql, Params().Text(token_hash),
                                          "get token context"));
    if (r.size() == 0) return Status::NotFound("token not found");
    return TokenContextFromRow(RowOf{r});
  });
}

}  // namespace csrd::store::postgres
