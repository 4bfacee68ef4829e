// The access-key, one-time-key, project and user-deletion parts of
// SqliteStore.
//
// A temporary key is derived from a user token or a permanent key of the same
// user. Whatever revokes those (password reset, disable, key or user
// deletion) deletes the derived keys in the same transaction, and
// InsertCredential re-checks the parent under the write lock, so an issuance
// racing a revocation cannot leave a live orphan behind.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store_impl.h"

namespace csrd::store::sqlite {
namespace {

#define CSRD_CRED_COLS                                                                 \
  "access, user_id, account_id, sealed_secret, status, description, create_time,"      \
  " last_use_time, temporary, security_token_hash, expires_at, parent_token_hash,"     \
  " parent_access, policy"

constexpr char kNoCredential[] = "access key not found";

Credential ReadCredential(const Statement& s) { return ReadCredentialAt(s, 0); }

// One row (NotFound if none); steps to the end so that an UPDATE ...
// RETURNING has finished (and, outside a transaction, committed).
Result<Credential> OneCredential(Statement& s, std::string_view what) {
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step(what));
  if (!row) return Status::NotFound(kNoCredential);
  Credential k = ReadCredential(s);
  CSRD_RETURN_IF_ERROR(s.Run(what));
  return k;
}

bool ValidStatus(std::string_view status) { return status == "active" || status == "inactive"; }

// The owner must exist in the credential's account; a temporary key is only
// issued to an enabled user (a disable that won the race has already swept
// the user's temporary keys, and must not see one appear afterwards).
Status CheckOwnerOn(Connection& c, const Credential& k) {
  CSRD_ASSIGN_OR_RETURN(Statement s,
                        c.Prepare("SELECT account_id, enabled FROM users WHERE id = ?"));
  s.Bind(1, k.user_id);
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step("insert credential"));
  if (!row) return Status::NotFound("user not found");
  if (s.Text(0) != k.account_id) {
    return Status::InvalidArgument("access key account differs from its user's");
  }
  if (k.temporary && s.Int64(1) == 0) return Status::FailedPrecondition("user is disabled");
  return Status::Ok();
}

// A temporary key's parents must still stand, belong to the same user, and a
// parent key must be permanent: deleting a permanent key then reaches every
// key derived from it in one step.
Status CheckParentsOn(Connection& c, const Credential& k) {
  if (!k.parent_access.empty()) {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("SELECT user_id, temporary FROM credentials WHERE access = ?"));
    s.Bind(1, k.parent_access);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("insert credential"));
    if (!row) return Status::NotFound("parent access key not found");
    if (s.Text(0) != k.user_id) {
      return Status::InvalidArgument("parent access key belongs to another user");
    }
    if (s.Int64(1) != 0) return Status::InvalidArgument("parent access key is temporary");
  }
  if (!k.parent_token_hash.empty()) {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("SELECT user_id, revoked FROM tokens WHERE token_hash = ?"));
    s.Bind(1, k.parent_token_hash);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("insert credential"));
    if (!row) return Status::NotFound("parent token not found");
    if (s.Text(0) != k.user_id) {
      return Status::InvalidArgument("parent token belongs to another user");
    }
    if (s.Int64(1) != 0) return Status::FailedPrecondition("parent token is revoked");
  }
  return Status::Ok();
}

Result<int64_t> CountPermanentOn(Connection& c, std::string_view user_id) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s,
      c.Prepare("SELECT count(*) FROM credentials WHERE user_id = ? AND temporary = 0"));
  s.Bind(1, user_id);
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step("count credentials"));
  return row ? s.Int64(0) : int64_t{0};
}

Status InsertCredentialOn(Connection& c, const Credential& k) {
  CSRD_ASSIGN_OR_RETURN(Statement s,
                        c.Prepare("INSERT INTO credentials (" CSRD_CRED_COLS ") VALUES"
                                  " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, k.access).Bind(2, k.user_id).Bind(3, k.account_id).BindBlob(4, std::string_view(k.sealed_secret));
  s.Bind(5, k.status).Bind(6, k.description).Bind(7, k.create_time).Bind(8, k.last_use_time);
  s.Bind(9, int64_t{k.temporary ? 1 : 0}).Bind(10, k.security_token_hash);
  s.Bind(11, k.expires_at).Bind(12, k.parent_token_hash).Bind(13, k.parent_access);
  s.Bind(14, k.policy);
  return s.Run("insert credential");
}

Project ReadProject(const Statement& s) {
  Project p;
  p.id = s.Text(0);
  p.account_id = s.Text(1);
  p.name = s.Text(2);
  p.create_time = s.Int64(3);
  return p;
}

}  // namespace

Status DeleteUserTemporaryCredentialsOn(Connection& c, std::string_view user_id) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s, c.Prepare("DELETE FROM credentials WHERE user_id = ? AND temporary = 1"));
  s.Bind(1, user_id);
  return s.Run("delete temporary credentials");
}

// ---- access keys ----

Status SqliteStore::InsertCredential(const Credential& cred, int max_permanent_per_user,
                                     const AuditEvent* audit) {
  // An empty AK would collide with the '' that parent_access holds on every
  // permanent key.
  if (cred.access.empty()) return Status::InvalidArgument("empty access key");
  if (!ValidStatus(cred.status)) {
    return Status::InvalidArgument("access key status must be active or inactive");
  }
  return Write([&](Connection& c) -> Status {
    CSRD_RETURN_IF_ERROR(CheckOwnerOn(c, cred));
    if (cred.temporary) {
      CSRD_RETURN_IF_ERROR(CheckParentsOn(c, cred));
    } else if (max_permanent_per_user > 0) {
      // Counted under the write lock, so racing inserts cannot overshoot.
      CSRD_ASSIGN_OR_RETURN(int64_t n, CountPermanentOn(c, cred.user_id));
      if (n >= max_permanent_per_user) {
        return Status::ResourceExhausted("access key quota of the user reached");
      }
    }
    CSRD_RETURN_IF_ERROR(InsertCredentialOn(c, cred));
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return Status::Ok();
  });
}

Result<Credential> SqliteStore::GetCredential(std::string_view access) {
  return Read([&](Connection& c) -> Result<Credential> {
    CSRD_ASSIGN_OR_RETURN(
        Statement s, c.Prepare("SELECT " CSRD_CRED_COLS " FROM credentials WHERE access = ?"));
    s.Bind(1, access);
    return OneCredential(s, "get credential");
  });
}

Result<std::vector<Credential>> SqliteStore::ListCredentials(std::string_view user_id) {
  return Read([&](Connection& c) -> Result<std::vector<Credential>> {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("SELECT " CSRD_CRED_COLS " FROM credentials"
                                    " WHERE user_id = ? AND temporary = 0"
                                    " ORDER BY create_time DESC, access DESC"));
    s.Bind(1, user_id);
    std::vector<Credential> out;
    for (;;) {
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list credentials"));
      if (!row) return out;
      out.push_back(ReadCredential(s));
    }
  });
}

Result<Credential> SqliteStore::UpdateCredential(std::string_view access,
                                                 std::optional<std::string> status,
                                                 std::optional<std::string> description) {
  if (status.has_value() && !ValidStatus(*status)) {
    return Status::InvalidArgument("access key status must be active or inactive");
  }
  // Nothing to change: a read, so that no commit (and no fsync) is spent.
  if (!status.has_value() && !description.has_value()) return GetCredential(access);
  return Write([&](Connection& c) -> Result<Credential> {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("UPDATE credentials SET status = coalesce(?1, status),"
                                    " description = coalesce(?2, description)"
                                    " WHERE access = ?3 RETURNING " CSRD_CRED_COLS));
    if (status.has_value()) {
      s.Bind(1, *status);
    } else {
      s.BindNull(1);
    }
    if (description.has_value()) {
      s.Bind(2, *description);
    } else {
      s.BindNull(2);
    }
    s.Bind(3, access);
    return OneCredential(s, "update credential");
  });
}

Status SqliteStore::DeleteCredential(std::string_view access, const AuditEvent* audit) {
  // '' is every permanent key's parent_access; it is never an AK.
  if (access.empty()) return Status::NotFound(kNoCredential);
  return Write([&](Connection& c) -> Status {
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM credentials WHERE access = ?"));
      s.Bind(1, access);
      CSRD_RETURN_IF_ERROR(s.Run("delete credential"));
    }
    if (c.Changes() == 0) return Status::NotFound(kNoCredential);
    {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("DELETE FROM credentials WHERE parent_access = ?"));
      s.Bind(1, access);
      CSRD_RETURN_IF_ERROR(s.Run("delete derived credentials"));
    }
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return Status::Ok();
  });
}

Status SqliteStore::TouchCredential(std::string_view access, int64_t now,
                                    int64_t min_interval_ms) {
  // One statement: the interval test and the write happen under one lock, and
  // a touch within the interval changes no page, so its commit writes nothing.
  // A clock that steps back leaves the later time in place.
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("UPDATE credentials SET last_use_time = ?2"
                                    " WHERE access = ?1"
                                    " AND (last_use_time = 0 OR last_use_time <= ?2 - ?3)"));
    s.Bind(1, access).Bind(2, now).Bind(3, min_interval_ms);
    return s.Run("touch credential");
  });
}

Status SqliteStore::DeleteExpiredCredentials(int64_t now) {
  return Write([&](Connection& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("DELETE FROM credentials WHERE temporary = 1 AND expires_at <= ?"));
    s.Bind(1, now);
    return s.Run("delete expired credentials");
  });
}

// ---- one-time keys ----

Result<bool> SqliteStore::RememberOnce(std::string_view key, int64_t now, int64_t expires_at) {
  return Write([&](Connection& c) -> Result<bool> {
    // The purge shares the call's unit (and its batch's one fsync).
    if (++remember_calls_ % kOneTimePurgeEvery == 0) {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("DELETE FROM one_time_keys WHERE key IN (SELECT key"
                                      " FROM one_time_keys WHERE expires_at <= ? LIMIT ?)"));
      s.Bind(1, now).Bind(2, kOneTimePurgeBatch);
      CSRD_RETURN_IF_ERROR(s.Run("purge one-time keys"));
    }
    {
      // New, or expired and taken again: one row changes. Recorded and
      // unexpired: the WHERE refuses the update and nothing changes.
      CSRD_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("INSERT INTO one_time_keys (key, expires_at) VALUES (?1, ?3)"
                    " ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at"
                    " WHERE one_time_keys.expires_at <= ?2"));
      s.Bind(1, key).Bind(2, now).Bind(3, expires_at);
      CSRD_RETURN_IF_ERROR(s.Run("remember one-time key"));
    }
    return c.Changes() > 0;
  });
}

// ---- projects ----

Status SqliteStore::RememberProject(const Project& p) {
  return Write([&](Connection& c) -> Status {
    // Only an id clash is "seen already"; the same (account, name) under
    // another id still fails as AlreadyExists.
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("INSERT INTO projects (id, account_id, name, create_time)"
                                    " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"));
    s.Bind(1, p.id).Bind(2, p.account_id).Bind(3, p.name).Bind(4, p.create_time);
    return s.Run("remember project");
  });
}

Result<std::vector<Project>> SqliteStore::ListProjects(std::string_view account_id) {
  return Read([&](Connection& c) -> Result<std::vector<Project>> {
    CSRD_ASSIGN_OR_RETURN(Statement s,
                          c.Prepare("SELECT id, account_id, name, create_time FROM projects"
                                    " WHERE account_id = ? ORDER BY name"));
    s.Bind(1, account_id);
    std::vector<Project> out;
    for (;;) {
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list projects"));
      if (!row) return out;
      out.push_back(ReadProject(s));
    }
  });
}

// ---- users ----

Status SqliteStore::DeleteUser(std::string_view user_id) {
  // The foreign keys cascade too; the explicit deletes keep this correct
  // whatever the connection's foreign_keys setting.
  return Write([&](Connection& c) -> Status {
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM credentials WHERE user_id = ?"));
      s.Bind(1, user_id);
      CSRD_RETURN_IF_ERROR(s.Run("delete user credentials"));
    }
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM tokens WHERE user_id = ?"));
      s.Bind(1, user_id);
      CSRD_RETURN_IF_ERROR(s.Run("delete user tokens"));
    }
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM users WHERE id = ?"));
      s.Bind(1, user_id);
      CSRD_RETURN_IF_ERROR(s.Run("delete user"));
    }
    if (c.Changes() == 0) return Status::NotFound("user not found");
    return Status::Ok();
  });
}

Credential ReadCredentialAt(const Statement& s, int first) {
  Credential k;
  k.access = s.Text(first + 0);
  k.user_id = s.Text(first + 1);
  k.account_id = s.Text(first + 2);
  k.sealed_secret = s.Blob(first + 3).value_or(std::string());
  k.status = s.Text(first + 4);
  k.description = s.Text(first + 5);
  k.create_time = s.Int64(first + 6);
  k.last_use_time = s.Int64(first + 7);
  k.temporary = s.Int64(first + 8) != 0;
  k.security_token_hash = s.Text(first + 9);
  k.expires_at = s.Int64(first + 10);
  k.parent_token_hash = s.Text(first + 11);
  k.parent_access = s.Text(first + 12);
  k.policy = s.Text(first + 13);
  return k;
}

}  // namespace csrd::store::sqlite
