// The authentication reads of SqliteStore: everything one AK/SK or token
// request needs, in one statement. A single SELECT is its own read
// transaction, so the rows come from one snapshot, and it costs one
// transaction set-up instead of one per table (which dominated the read path:
// bench/RESULTS.md). Nothing is cached across calls: every request reads the
// rows as committed now.
#include <cstdint>
#include <string>

#include "store/auth_sql.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace csrd::store::sqlite {
namespace {

constexpr char kAkSkSql[] = CSRD_AUTH_AKSK_SQL("?1", "?2");
constexpr char kTokenSql[] = CSRD_AUTH_TOKEN_SQL("?1");

// The statement's current row, for the shared column walk (auth_sql.h).
struct RowOf {
  const Statement& s;
  bool IsNull(int col) const { return s.IsNull(col); }
  int64_t Int(int col) const { return s.Int64(col); }
  std::string Text(int col) const { return s.Text(col); }
  Credential CredentialAt(int first) const { return ReadCredentialAt(s, first); }
  User UserAt(int first) const { return ReadUserAt(s, first); }
  Account AccountAt(int first) const { return ReadAccountAt(s, first); }
  Token TokenAt(int first) const { return ReadTokenAt(s, first); }
};

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
    return AkSkContextFromRow(RowOf{s});
  });
}

Result<TokenContext> SqliteStore::GetTokenContext(std::string_view token_hash) {
  return Read([&](Connection& c) -> Result<TokenContext> {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kTokenSql));
    s.Bind(1, token_hash);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("get token context"));
    if (!row) return Status::NotFound("token not found");
    return TokenContextFromRow(RowOf{s});
  });
}

}  // namespace csrd::store::sqlite
