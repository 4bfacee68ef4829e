// The authentication reads of SqliteStore: everything one AK/SK or token
// request needs, in one statement. A single SELECT is its own read
// transaction, so the rows come from one snapshot, and it costs one
// transaction set-up instead of one per table (which dominated the read path:
// bench/RESULTS.md). Nothing is cached across calls: every request reads the
// rows as committed now.
#include <optional>
#include <string>

#include "store/sqlite/sqlite_store_impl.h"

namespace csrd::store::sqlite {
namespace {

// Column blocks, each decoded from its first column's index. The first column
// of a LEFT JOINed block is its primary key: NULL means "no such row".
#define CSRD_AUTH_CRED_COLS                                                               \
  "c.access, c.user_id, c.account_id, c.sealed_secret, c.status, c.description,"          \
  " c.create_time, c.last_use_time, c.temporary, c.security_token_hash, c.expires_at,"    \
  " c.parent_token_hash, c.parent_access, c.policy"
#define CSRD_AUTH_USER_COLS                                                        \
  "u.id, u.account_id, u.name, u.password_hash, u.roles, u.enabled, u.create_time," \
  " u.password_changed_time"
#define CSRD_AUTH_ACCOUNT_COLS "a.id, a.name, a.create_time"
#define CSRD_AUTH_TOKEN_COLS(t)                                                          \
  t ".token_hash, " t ".user_id, " t ".account_id, " t ".project_id, " t ".project_name, " \
  t ".issued_at, " t ".expires_at, " t ".revoked"

constexpr int kCredCols = 14;
constexpr int kUserCols = 8;
constexpr int kAccountCols = 3;
constexpr int kTokenCols = 8;

// Parents are joined only when the key names one: '' is every permanent
// key's parent_access and parent_token_hash, and must not match a row.
constexpr char kAkSkSql[] =
    "SELECT " CSRD_AUTH_CRED_COLS ", " CSRD_AUTH_USER_COLS ", " CSRD_AUTH_ACCOUNT_COLS
    ", t.failures, t.window_start, t.locked_until, " CSRD_AUTH_TOKEN_COLS("pt") ", pc.status"
    " FROM credentials c"
    " LEFT JOIN users u ON u.id = c.user_id"
    " LEFT JOIN accounts a ON a.id = c.account_id"
    " LEFT JOIN throttles t ON t.key = ?2"
    " LEFT JOIN tokens pt ON c.parent_token_hash <> '' AND pt.token_hash = c.parent_token_hash"
    " LEFT JOIN credentials pc ON c.parent_access <> '' AND pc.access = c.parent_access"
    " WHERE c.access = ?1";

constexpr char kTokenSql[] =
    "SELECT " CSRD_AUTH_TOKEN_COLS("t") ", " CSRD_AUTH_USER_COLS ", " CSRD_AUTH_ACCOUNT_COLS
    " FROM tokens t"
    " LEFT JOIN users u ON u.id = t.user_id"
    " LEFT JOIN accounts a ON a.id = t.account_id"
    " WHERE t.token_hash = ?1";

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
    i += kCredCols;
    ctx.user = UserAt(s, i);
    i += kUserCols;
    ctx.account = AccountAt(s, i);
    i += kAccountCols;
    if (!s.IsNull(i)) {
      ctx.throttle.failures = static_cast<int>(s.Int64(i));
      ctx.throttle.window_start = s.Int64(i + 1);
      ctx.throttle.locked_until = s.Int64(i + 2);
    }
    i += 3;
    ctx.parent_token = TokenAt(s, i);
    i += kTokenCols;
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
    ctx.user = UserAt(s, kTokenCols);
    ctx.account = AccountAt(s, kTokenCols + kUserCols);
    return ctx;
  });
}

}  // namespace csrd::store::sqlite
