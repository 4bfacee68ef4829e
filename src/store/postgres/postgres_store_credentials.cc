// The access-key, one-time-key, project and user-deletion parts of
// PostgresStore.
//
// A temporary key is derived from a user token or a permanent key of the same
// user. Whatever revokes those (password reset, disable, key or user
// deletion) deletes the derived keys in the same transaction. Issuance locks
// the user row first (as password reset, disable and DeleteUser do, so the
// lock order is the same everywhere) and then holds its parents with share
// locks, so an issuance racing a revocation either sees the revocation or is
// swept by it: no live orphan is left behind on any replica.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/postgres_store_impl.h"

namespace csrd::store::postgres {
namespace {

#define CSRD_CRED_COLS                                                             \
  "access, user_id, account_id, sealed_secret, status, description, create_time,"  \
  " last_use_time, temporary, security_token_hash, expires_at, parent_token_hash," \
  " parent_access, policy"

constexpr char kNoCredential[] = "access key not found";

Credential ReadCredential(const Rows& r, int row) { return ReadCredentialAt(r, row, 0); }

Result<Credential> OneCredential(Result<Rows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return Status::NotFound(kNoCredential);
  return ReadCredential(*rows, 0);
}

bool ValidStatus(std::string_view status) { return status == "active" || status == "inactive"; }

// Locks the owner's row (serializing the user's issuances against each other
// and against disable / password reset / deletion), then checks it: it must
// exist in the credential's account, and a temporary key is only issued to an
// enabled user.
Status LockOwnerOn(Conn& c, const Credential& k) {
  CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT account_id, enabled FROM users WHERE id = $1"
                                        " FOR NO KEY UPDATE",
                                        Params().Text(k.user_id), "insert credential"));
  if (r.size() == 0) return Status::NotFound("user not found");
  if (r.Text(0, 0) != k.account_id) {
    return Status::InvalidArgument("access key account differs from its user's");
  }
  if (k.temporary && !r.Bool(0, 1)) return Status::FailedPrecondition("user is disabled");
  return Status::Ok();
}

// A temporary key's parents must still stand (held by share locks until
// commit), belong to the same user, and a parent key must be permanent.
Status CheckParentsOn(Conn& c, const Credential& k) {
  if (!k.parent_access.empty()) {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT user_id, temporary FROM credentials"
                                          " WHERE access = $1 FOR KEY SHARE",
                                          Params().Text(k.parent_access), "insert credential"));
    if (r.size() == 0) return Status::NotFound("parent access key not found");
    if (r.Text(0, 0) != k.user_id) {
      return Status::InvalidArgument("parent access key belongs to another user");
    }
    if (r.Bool(0, 1)) return Status::InvalidArgument("parent access key is temporary");
  }
  if (!k.parent_token_hash.empty()) {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT user_id, revoked FROM tokens"
                                          " WHERE token_hash = $1 FOR SHARE",
                                          Params().Text(k.parent_token_hash),
                                          "insert credential"));
    if (r.size() == 0) return Status::NotFound("parent token not found");
    if (r.Text(0, 0) != k.user_id) {
      return Status::InvalidArgument("parent token belongs to another user");
    }
    if (r.Bool(0, 1)) return Status::FailedPrecondition("parent token is revoked");
  }
  return Status::Ok();
}

Status InsertCredentialOn(Conn& c, const Credential& k) {
  return c
      .Query("INSERT INTO credentials (" CSRD_CRED_COLS ") VALUES"
             " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
             Params()
                 .Text(k.access)
                 .Text(k.user_id)
                 .Text(k.account_id)
                 .Bytes(k.sealed_secret)
                 .Text(k.status)
                 .Text(k.description)
                 .Int(k.create_time)
                 .Int(k.last_use_time)
                 .Bool(k.temporary)
                 .Text(k.security_token_hash)
                 .Int(k.expires_at)
                 .Text(k.parent_token_hash)
                 .Text(k.parent_access)
                 .Text(k.policy),
             "insert credential")
      .status();
}

}  // namespace

Status DeleteUserTemporaryCredentialsOn(Conn& c, std::string_view user_id) {
  return c
      .Query("DELETE FROM credentials WHERE user_id = $1 AND temporary", Params().Text(user_id),
             "delete temporary credentials")
      .status();
}

// ---- access keys ----

Status PostgresStore::InsertCredential(const Credential& cred, int max_permanent_per_user,
                                       const AuditEvent* audit) {
  // An empty AK would collide with the '' that parent_access holds on every
  // permanent key.
  if (cred.access.empty()) return Status::InvalidArgument("empty access key");
  if (!ValidStatus(cred.status)) {
    return Status::InvalidArgument("access key status must be active or inactive");
  }
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    CSRD_RETURN_IF_ERROR(LockOwnerOn(c, cred));
    if (cred.temporary) {
      CSRD_RETURN_IF_ERROR(CheckParentsOn(c, cred));
    } else if (max_permanent_per_user > 0) {
      // Counted under the user's row lock, so racing inserts cannot overshoot.
      CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT count(*) FROM credentials"
                                            " WHERE user_id = $1 AND NOT temporary",
                                            Params().Text(cred.user_id), "count credentials"));
      if (r.Int(0, 0) >= max_permanent_per_user) {
        return Status::ResourceExhausted("access key quota of the user reached");
      }
    }
    CSRD_RETURN_IF_ERROR(InsertCredentialOn(c, cred));
    return audit != nullptr ? InsertAuditOn(c, *audit) : Status::Ok();
  });
}

Result<Credential> PostgresStore::GetCredential(std::string_view access) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return OneCredential(c.Query("SELECT " CSRD_CRED_COLS " FROM credentials WHERE access = $1",
                                 Params().Text(access), "get credential"));
  });
}

Result<std::vector<Credential>> PostgresStore::ListCredentials(std::string_view user_id) {
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<std::vector<Credential>> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT " CSRD_CRED_COLS " FROM credentials"
                                          " WHERE user_id = $1 AND NOT temporary"
                                          " ORDER BY create_time DESC, access DESC",
                                          Params().Text(user_id), "list credentials"));
    std::vector<Credential> out;
    out.reserve(static_cast<size_t>(r.size()));
    for (int i = 0; i < r.size(); ++i) out.push_back(ReadCredential(r, i));
    return out;
  });
}

Result<Credential> PostgresStore::UpdateCredential(std::string_view access,
                                                   std::optional<std::string> status,
                                                   std::optional<std::string> description) {
  if (status.has_value() && !ValidStatus(*status)) {
    return Status::InvalidArgument("access key status must be active or inactive");
  }
  if (!status.has_value() && !description.has_value()) return GetCredential(access);
  return Run(TxnKind::kNone, [&](Conn& c) {
    return OneCredential(c.Query("UPDATE credentials SET status = coalesce($1, status),"
                                 " description = coalesce($2, description)"
                                 " WHERE access = $3 RETURNING " CSRD_CRED_COLS,
                                 Params().OptText(status).OptText(description).Text(access),
                                 "update credential"));
  });
}

Status PostgresStore::DeleteCredential(std::string_view access, const AuditEvent* audit) {
  // '' is every permanent key's parent_access; it is never an AK.
  if (access.empty()) return Status::NotFound(kNoCredential);
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("DELETE FROM credentials WHERE access = $1",
                                          Params().Text(access), "delete credential"));
    if (r.affected() == 0) return Status::NotFound(kNoCredential);
    CSRD_RETURN_IF_ERROR(c.Query("DELETE FROM credentials WHERE parent_access = $1",
                                 Params().Text(access), "delete derived credentials")
                             .status());
    return audit != nullptr ? InsertAuditOn(c, *audit) : Status::Ok();
  });
}

Status PostgresStore::TouchCredential(std::string_view access, int64_t now,
                                      int64_t min_interval_ms) {
  // One statement: the interval test and the write happen under the row lock,
  // and a touch within the interval writes nothing. A clock that steps back
  // leaves the later time in place.
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c
        .Query("UPDATE credentials SET last_use_time = $2 WHERE access = $1"
               " AND (last_use_time = 0 OR last_use_time <= $2 - $3)",
               Params().Text(access).Int(now).Int(min_interval_ms), "touch credential")
        .status();
  });
}

Status PostgresStore::DeleteExpiredCredentials(int64_t now) {
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c
        .Query("DELETE FROM credentials WHERE temporary AND expires_at <= $1", Params().Int(now),
               "delete expired credentials")
        .status();
  });
}

// ---- one-time keys ----

Result<bool> PostgresStore::RememberOnce(std::string_view key, int64_t now, int64_t expires_at) {
  const bool purge = (remember_calls_.fetch_add(1) + 1) % kOneTimePurgeEvery == 0;
  return Run(purge ? TxnKind::kWrite : TxnKind::kNone, [&](Conn& c) -> Result<bool> {
    if (purge) {
      // SKIP LOCKED: replicas purging at once take disjoint rows, and a key
      // being re-recorded right now is left alone.
      CSRD_RETURN_IF_ERROR(c.Query("DELETE FROM one_time_keys WHERE key IN (SELECT key"
                                   " FROM one_time_keys WHERE expires_at <= $1 LIMIT $2"
                                   " FOR UPDATE SKIP LOCKED)",
                                   Params().Int(now).Int(kOneTimePurgeBatch),
                                   "purge one-time keys")
                               .status());
    }
    // New, or expired and taken again: one row changes. Recorded and
    // unexpired: the WHERE refuses the update. A racing insert of the same
    // key waits for the first to commit and then sees it, so exactly one
    // caller gets true.
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("INSERT INTO one_time_keys (key, expires_at)"
                                          " VALUES ($1, $3) ON CONFLICT (key) DO UPDATE"
                                          " SET expires_at = excluded.expires_at"
                                          " WHERE one_time_keys.expires_at <= $2",
                                          Params().Text(key).Int(now).Int(expires_at),
                                          "remember one-time key"));
    return r.affected() > 0;
  });
}

// ---- projects ----

Status PostgresStore::RememberProject(const Project& p) {
  // Only an id clash is "seen already"; the same (account, name) under
  // another id still fails as AlreadyExists.
  return Run(TxnKind::kNone, [&](Conn& c) {
    return c
        .Query("INSERT INTO projects (id, account_id, name, create_time)"
               " VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
               Params().Text(p.id).Text(p.account_id).Text(p.name).Int(p.create_time),
               "remember project")
        .status();
  });
}

Result<std::vector<Project>> PostgresStore::ListProjects(std::string_view account_id) {
  return Run(TxnKind::kNone, [&](Conn& c) -> Result<std::vector<Project>> {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT id, account_id, name, create_time"
                                          " FROM projects WHERE account_id = $1 ORDER BY name",
                                          Params().Text(account_id), "list projects"));
    std::vector<Project> out;
    out.reserve(static_cast<size_t>(r.size()));
    for (int i = 0; i < r.size(); ++i) {
      out.push_back(Project{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Int(i, 3)});
    }
    return out;
  });
}

// ---- users ----

Status PostgresStore::DeleteUser(std::string_view user_id) {
  // The foreign keys cascade too; the explicit deletes say what goes. The
  // user row is locked first, in the same order as issuance takes its locks.
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                                          Params().Text(user_id), "delete user"));
    if (r.size() == 0) return Status::NotFound("user not found");
    CSRD_RETURN_IF_ERROR(c.Query("DELETE FROM credentials WHERE user_id = $1",
                                 Params().Text(user_id), "delete user credentials")
                             .status());
    CSRD_RETURN_IF_ERROR(c.Query("DELETE FROM tokens WHERE user_id = $1", Params().Text(user_id),
                                 "delete user tokens")
                             .status());
    return c.Query("DELETE FROM users WHERE id = $1", Params().Text(user_id), "delete user")
        .status();
  });
}

Credential ReadCredentialAt(const Rows& r, int row, int first) {
  Credential k;
  k.access = r.Text(row, first + 0);
  k.user_id = r.Text(row, first + 1);
  k.account_id = r.Text(row, first + 2);
  k.sealed_secret = r.Bytes(row, first + 3).value_or(std::string());
  k.status = r.Text(row, first + 4);
  k.description = r.Text(row, first + 5);
  k.create_time = r.Int(row, first + 6);
  k.last_use_time = r.Int(row, first + 7);
  k.temporary = r.Bool(row, first + 8);
  k.security_token_hash = r.Text(row, first + 9);
  k.expires_at = r.Int(row, first + 10);
  k.parent_token_hash = r.Text(row, first + 11);
  k.parent_access = r.Text(row, first + 12);
  k.policy = r.Text(row, first + 13);
  return k;
}

}  // namespace csrd::store::postgres
