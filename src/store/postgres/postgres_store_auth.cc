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

Credential CredentialAt(const Rows& r, int i) {
  Credential k;
  k.access = r.Text(0, i + 0);
  k.user_id = r.Text(0, i + 1);
  k.account_id = r.Text(0, i + 2);
  k.sealed_secret = r.Bytes(0, i + 3).value_or(std::string());
  k.status = r.Text(0, i + 4);
  k.description = r.Text(0, i + 5);
  k.create_time = r.Int(0, i + 6);
  k.last_use_time = r.Int(0, i + 7);
  k.temporary = r.Bool(0, i + 8);
  k.security_token_hash = r.Text(0, i + 9);
  k.expires_at = r.Int(0, i + 10);
  k.parent_token_hash = r.Text(0, i + 11);
  k.parent_access = r.Text(0, i + 12);
  k.policy = r.Text(0, i + 13);
  return k;
}

std::optional<User> UserAt(const Rows& r, int i) {
  if (r.IsNull(0, i)) return std::nullopt;
  User u;
  u.id = r.Text(0, i + 0);
  u.account_id = r.Text(0, i + 1);
  u.name = r.Text(0, i + 2);
  u.password_hash = r.Text(0, i + 3);
  u.roles = static_cast<uint32_t>(r.Int(0, i + 4));
  u.enabled = r.Bool(0, i + 5);
  u.create_time = r.Int(0, i + 6);
  u.password_changed_time = r.Int(0, i + 7);
  return u;
}

std::optional<Account> AccountAt(const Rows& r, int i) {
  if (r.IsNull(0, i)) return std::nullopt;
  Account a;
  a.id = r.Text(0, i + 0);
  a.name = r.Text(0, i + 1);
  a.create_time = r.Int(0, i + 2);
  return a;
}

std::optional<Token> TokenAt(const Rows& r, int i) {
  if (r.IsNull(0, i)) return std::nullopt;
  Token t;
  t.token_hash = r.Text(0, i + 0);
  t.user_id = r.Text(0, i + 1);
  t.account_id = r.Text(0, i + 2);
  t.project_id = r.Text(0, i + 3);
  t.project_name = r.Text(0, i + 4);
  t.issued_at = r.Int(0, i + 5);
  t.expires_at = r.Int(0, i + 6);
  t.revoked = r.Bool(0, i + 7);
  return t;
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
    ctx.credential = CredentialAt(r, i);
    i += kAuthCredCols;
    ctx.user = UserAt(r, i);
    i += kAuthUserCols;
    ctx.account = AccountAt(r, i);
    i += kAuthAccountCols;
    if (!r.IsNull(0, i)) {
      ctx.throttle.failures = static_cast<int>(r.Int(0, i));
      ctx.throttle.window_start = r.Int(0, i + 1);
      ctx.throttle.locked_until = r.Int(0, i + 2);
    }
    i += 3;
    ctx.parent_token = TokenAt(r, i);
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
    ctx.token = *TokenAt(r, 0);
    ctx.user = UserAt(r, kAuthTokenCols);
    ctx.account = AccountAt(r, kAuthTokenCols + kAuthUserCols);
    return ctx;
  });
}

}  // namespace csrd::store::postgres
