// The authentication reads of SqliteStore: everything one AK/SK or token
// request needs, in one statement. A single SELECT is its own read
// transaction, so the rows come from one snapshot, and it costs one
// transaction set-up instead of one per table (which dominated the read path:
// bench/RESULTS.md). Nothing is cached across calls: every request reads the
// rows as committed now.
#include <optional>
#include <string>

#include "store/auth_sql.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace csrd::store::sqlite {
namespace {

constexpr char kAkSkSql[] = CSRD_AUTH_AKSK_SQL("?1", "?2");
constexpr char kTokenSql[] = CSRD_AUTH_TOKEN_SQL("?1");

// A LEFT JOINed block: NULL in its first column (the key) means no row.
template <typename T, T (*Read)(const Statement&, int)>
std::optional<T> JoinedAt(const Statement& s, int first) {
  if (s.IsNull(first)) return std::nullopt;
  return Read(s, first);
}

}  // namespace

Result<AkSkContext> SqliteStore::GetAkSkContext(std::string_view access,
                                                std::string_view throttle_key) {
  // '' is every permanent key's parent_access; it is never an AK.
  if (access.empty()) return Status::NotFound("access key not found");
  return Read([&](Connection& c) -> Result<AkSkContext> {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kAkSkSql));
    s.Bind(1, access).Bind(2, throttle_key);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("get aksk context"));
    if (!row) return Status::NotFound("access key not found");
    AkSkContext ctx;
    int i = 0;
    ctx.credential = ReadCredentialAt(s, i);
    i += kAuthCredCols;
    ctx.user = JoinedAt<User, ReadUserAt>(s, i);
    i += kAuthUserCols;
    ctx.account = JoinedAt<Account, ReadAccountAt>(s, i);
    i += kAuthAccountCols;
    if (!s.IsNull(i)) {
      ctx.throttle.failures = static_cast<int>(s.Int64(i));
      ctx.throttle.window_start = s.Int64(i + 1);
      ctx.throttle.locked_until = s.Int64(i + 2);
    }
    i += 3;
    ctx.parent_token = JoinedAt<Token, ReadTokenAt>(s, i);
    i += kAuthTokenCols;
    if (!s.IsNull(i)) ctx.parent_access_status = s.Text(i);
    return ctx;
  });
}

Result<TokenContext> SqliteStore::GetTokenContext(std::string_view token_hash) {
  return Read([&](Connection& c) -> Result<TokenContext> {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kTokenSql));
    s.Bind(1, token_hash);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("get token context"));
    if (!row) return Status::NotFound("token not found");
    TokenContext ctx;
    ctx.token = ReadTokenAt(s, 0);
    ctx.user = JoinedAt<User, ReadUserAt>(s, kAuthTokenCols);
    ctx.account = JoinedAt<Account, ReadAccountAt>(s, kAuthTokenCols + kAuthUserCols);
    return ctx;
  });
}

}  // namespace csrd::store::sqlite
