// The SQL of the authentication reads (GetAkSkContext, GetTokenContext),
// shared by the SQL stores so both read the same rows in the same column
// order; only the placeholder syntax differs (SQLite "?1", PostgreSQL "$1").
// The contexts are built from the row by one column walk (AkSkContextFromRow,
// TokenContextFromRow) over each store's row API, block by block: the first
// column of a LEFT JOINed block is its primary key, NULL meaning "no such
// row".
#pragma once

#include "store/records.h"

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
constexpr int kAuthThrottleCols = 3;  // failures, window_start, locked_until

// Row is the one result row of a store, seen through an adapter with
// IsNull(col), Int(col), Text(col) and the store's block readers
// CredentialAt(first), UserAt(first), AccountAt(first), TokenAt(first). A
// LEFT JOINed block whose first column is NULL stays nullopt.
//
// The row of CSRD_AUTH_AKSK_SQL as an AkSkContext.
template <typename Row>
AkSkContext AkSkContextFromRow(const Row& row) {
  AkSkContext ctx;
  int i = 0;
  ctx.credential = row.CredentialAt(i);
  i += kAuthCredCols;
  if (!row.IsNull(i)) ctx.user = row.UserAt(i);
  i += kAuthUserCols;
  if (!row.IsNull(i)) ctx.account = row.AccountAt(i);
  i += kAuthAccountCols;
  if (!row.IsNull(i)) {
    ctx.throttle.failures = static_cast<int>(row.Int(i));
    ctx.throttle.window_start = row.Int(i + 1);
    ctx.throttle.locked_until = row.Int(i + 2);
  }
  i += kAuthThrottleCols;
  if (!row.IsNull(i)) ctx.parent_token = row.TokenAt(i);
  i += kAuthTokenCols;
  if (!row.IsNull(i)) ctx.parent_access_status = row.Text(i);
  return ctx;
}

// The row of CSRD_AUTH_TOKEN_SQL as a TokenContext.
template <typename Row>
TokenContext TokenContextFromRow(const Row& row) {
  TokenContext ctx;
  ctx.token = row.TokenAt(0);
  constexpr int kUser = kAuthTokenCols, kAccount = kAuthTokenCols + kAuthUserCols;
  if (!row.IsNull(kUser)) ctx.user = row.UserAt(kUser);
  if (!row.IsNull(kAccount)) ctx.account = row.AccountAt(kAccount);
  return ctx;
}

}  // namespace csrd::store
