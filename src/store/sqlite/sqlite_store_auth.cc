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

Credential CredentialAt(const Statement& s, int i) {
  Credential k;
  k.access = s.Text(i + 0);
  k.user_id = s.Text(i + 1);
  k.account_id = s.Text(i + 2);
  k.sealed_secret = s.Blob(i + 3).value_or(std::string());
  k.status = s.Text(i + 4);
  k.description = s.Text(i + 5);
  k.create_time = s.Int64(i + 6);
  k.last_use_time = s.Int64(i + 7);
  k.temporary = s.Int64(i + 8) != 0;
  k.security_token_hash = s.Text(i + 9);
  k.expires_at = s.Int64(i + 10);
  k.parent_token_hash = s.Text(i + 11);
  k.parent_access = s.Text(i + 12);
  k.policy = s.Text(i + 13);
  return k;
}

std::optional<User> UserAt(const Statement& s, int i) {
  if (s.IsNull(i)) return std::nullopt;
  User u;
  u.id = s.Text(i + 0);
  u.account_id = s.Text(i + 1);
  u.name = s.Text(i + 2);
  u.password_hash = s.Text(i + 3);
  u.roles = static_cast<uint32_t>(s.Int64(i + 4));
  u.enabled = s.Int64(i + 5) != 0;
  u.create_time = s.Int64(i + 6);
  u.password_changed_time = s.Int64(i + 7);
  return u;
}

std::optional<Account> AccountAt(const Statement& s, int i) {
  if (s.IsNull(i)) return std::nullopt;
  Account a;
  a.id = s.Text(i + 0);
  a.name = s.Text(i + 1);
  a.create_time = s.Int64(i + 2);
  return a;
}

std::optional<Token> TokenAt(const Statement& s, int i) {
  if (s.IsNull(i)) return std::nullopt;
  Token t;
  t.token_hash = s.Text(i + 0);
  t.user_id = s.Text(i + 1);
  t.account_id = s.Text(i + 2);
  t.project_id = s.Text(i + 3);
  t.project_name = s.Text(i + 4);
  t.issued_at = s.Int64(i + 5);
  t.expires_at = s.Int64(i + 6);
  t.revoked = s.Int64(i + 7) != 0;
  return t;
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
    ctx.credential = CredentialAt(s, i);
    i += kAuthCredCols;
    ctx.user = UserAt(s, i);
    i += kAuthUserCols;
    ctx.account = AccountAt(s, i);
    i += kAuthAccountCols;
    if (!s.IsNull(i)) {
      ctx.throttle.failures = static_cast<int>(s.Int64(i));
      ctx.throttle.window_start = s.Int64(i + 1);
      ctx.throttle.locked_until = s.Int64(i + 2);
    }
    i += 3;
    ctx.parent_token = TokenAt(s, i);
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
    ctx.token = *TokenAt(s, 0);
    ctx.user = UserAt(s, kAuthTokenCols);
    ctx.account = AccountAt(s, kAuthTokenCols + kAuthUserCols);
    return ctx;
  });
}

}  // namespace csrd::store::sqlite
