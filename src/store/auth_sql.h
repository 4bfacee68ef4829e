// The SQL of the authentication reads (GetAkSkContext, GetTokenContext),
// shared by the SQL stores so both read the same rows in the same column
// order; only the placeholder syntax differs (SQLite "?1", PostgreSQL "$1").
// Each store decodes the columns with its own row API, block by block: the
// first column of a LEFT JOINed block is its primary key, NULL meaning "no
// such row".
#pragma once

#define CSRD_AUTH_CRED_COLS                                                            \
  "c.access, c.user_id, c.account_id, c.sealed_secret, c.status, c.description,"       \
  " c.create_time, c.last_use_time, c.temporary, c.security_token_hash, c.expires_at," \
  " c.parent_token_hash, c.parent_access, c.policy"
#define CSRD_AUTH_USER_COLS                                                        \
  "u.id, u.account_id, u.name, u.password_hash, u.roles, u.enabled, u.create_time," \
  " u.password_changed_time"
#define CSRD_AUTH_ACCOUNT_COLS "a.id, a.name, a.create_time"
#define CSRD_AUTH_TOKEN_COLS(t)                                                          \
  t ".token_hash, " t ".user_id, " t ".account_id, " t ".project_id, " t ".project_name, " \
  t ".issued_at, " t ".expires_at, " t ".revoked"

// Parameters: ACCESS = the access key, THROTTLE = the lockout key. Columns:
// credential, user, account, throttle (failures, window_start, locked_until),
// parent token, parent key's status. Parents are joined only when the key
// names one: '' is every permanent key's parent_access and
// parent_token_hash, and must not match a row.
#define CSRD_AUTH_AKSK_SQL(ACCESS, THROTTLE)                                                 \
  "SELECT " CSRD_AUTH_CRED_COLS ", " CSRD_AUTH_USER_COLS ", " CSRD_AUTH_ACCOUNT_COLS          \
  ", t.failures, t.window_start, t.locked_until, " CSRD_AUTH_TOKEN_COLS("pt") ", pc.status" \
  " FROM credentials c"                                                                    \
  " LEFT JOIN users u ON u.id = c.user_id"                                                 \
  " LEFT JOIN accounts a ON a.id = c.account_id"                                           \
  " LEFT JOIN throttles t ON t.key = " THROTTLE                                            \
  " LEFT JOIN tokens pt ON c.parent_token_hash <> '' AND pt.token_hash = c.parent_token_hash" \
  " LEFT JOIN credentials pc ON c.parent_access <> '' AND pc.access = c.parent_access"    \
  " WHERE c.access = " ACCESS

// Parameter: the token's hash. Columns: token, user, account.
#define CSRD_AUTH_TOKEN_SQL(HASH)                                                            \
  "SELECT " CSRD_AUTH_TOKEN_COLS("t") ", " CSRD_AUTH_USER_COLS ", " CSRD_AUTH_ACCOUNT_COLS    \
  " FROM tokens t"                                                                         \
  " LEFT JOIN users u ON u.id = t.user_id"                                                 \
  " LEFT JOIN accounts a ON a.id = t.account_id"                                           \
  " WHERE t.token_hash = " HASH

namespace csrd::store {

// Columns per block, in the order above.
constexpr int kAuthCredCols = 14;
constexpr int kAuthUserCols = 8;
constexpr int kAuthAccountCols = 3;
constexpr int kAuthTokenCols = 8;

}  // namespace csrd::store
