// The authentication reads of PostgresStore: everything one AK/SK or token
// request needs, in one prepared statement and one round trip. A single
// statement sees one snapshot. Nothing is cached across calls: several
// replicas share the database, and a key or user changed by one of them must
// stop (or start) working on the next request everywhere.
#include <optional>
#include <string>

#include "store/auth_sql.h"
#include "store/postgres/postgres_store_impl.h"

namespace csrd::store::postgres {
namespace {

constexpr char kAkSkSql[] = CSRD_AUTH_AKSK_SQL("$1", "$2");
constexpr char kTokenSql[] = CSRD_AUTH_TOKEN_SQL("$1");

// A LEFT JOINed block of the one result row: NULL in its first column (the
// key) means no row.
template <typename T, T (*Read)(const Rows&, int, int)>
std::optional<T> JoinedAt(const Rows& r, int first) {
  if (r.IsNull(0, first)) return std::nullopt;
  return Read(r, 0, first);
}

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
    AkSkContext ctx;
    int i = 0;
    ctx.credential = ReadCredentialAt(r, 0, i);
    i += kAuthCredCols;
    ctx.user = JoinedAt<User, ReadUserAt>(r, i);
    i += kAuthUserCols;
    ctx.account = JoinedAt<Account, ReadAccountAt>(r, i);
    i += kAuthAccountCols;
    if (!r.IsNull(0, i)) {
      ctx.throttle.failures = static_cast<int>(r.Int(0, i));
      ctx.throttle.window_start = r.Int(0, i + 1);
      ctx.throttle.locked_until = r.Int(0, i + 2);
    }
    i += 3;
    ctx.parent_token = JoinedAt<Token, ReadTokenAt>(r, i);
    i += kAuthTokenCols;
    if (!r.IsNull(0, i)) ctx.parent_access_status = r.Text(0, i);
    return ctx;
  });
}

Result<TokenContext> PostgresStore::GetTokenContext(std::string_view token_hash) {
  if (!CanBeText(token_hash)) return Status::NotFound("token not found");
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<TokenContext> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(kTokenSql, Params().Text(token_hash),
                                          "get token context"));
    if (r.size() == 0) return Status::NotFound("token not found");
    TokenContext ctx;
    ctx.token = ReadTokenAt(r, 0, 0);
    ctx.user = JoinedAt<User, ReadUserAt>(r, kAuthTokenCols);
    ctx.account = JoinedAt<Account, ReadAccountAt>(r, kAuthTokenCols + kAuthUserCols);
    return ctx;
  });
}

}  // namespace csrd::store::postgres
