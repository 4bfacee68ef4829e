// Plain records that cross the Store interface. No database types appear here.
// All times are epoch milliseconds (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace csrd::store {

struct Account {
  std::string id;    // 32 lower-case hex
  std::string name;  // unique
  int64_t create_time = 0;
};

// Role bits. Roles are read from the store on every request, never cached in a token.
enum RoleBits : uint32_t {
  kRoleScmFullAccess = 1u << 0,     // "SCM FullAccess"
  kRoleScmReadOnly = 1u << 1,       // "SCM ReadOnlyAccess"
  kRoleSecurityAdmin = 1u << 2,     // "Security Administrator"
};

struct User {
  std::string id;          // 32 lower-case hex
  std::string account_id;
  std::string name;        // unique within the account
  std::string password_hash;  // encoded KDF output (never a plaintext password)
  uint32_t roles = 0;      // RoleBits
  bool enabled = true;
  int64_t create_time = 0;
  int64_t password_changed_time = 0;
};

struct Token {
  std::string token_hash;  // hex SHA-256 of the token; the token itself is never stored
  std::string user_id;
  std::string account_id;
  std::string project_id;    // "" unless project-scoped
  std::string project_name;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  bool revoked = false;
};

// Failure counter + lock for one key such as "login:<user_id>:<addr>".
struct Throttle {
  int failures = 0;
  int64_t window_start = 0;  // time of the first failure counted in this window
  int64_t locked_until = 0;  // 0 = not locked
};

struct Csr {
  std::string id;  // 32 lower-case hex
  std::string account_id;
  std::string name;
  std::string csr_pem;
  // The following are returned exactly as the client sent them (contract §3).
  std::string domain_name;
  std::string sans;
  std::string private_key_algo;
  std::string usage;
  std::string company_country;
  std::string company_province;
  std::string company_city;
  std::string company_name;
  int64_t create_time = 0;
  int64_t update_time = 0;
  // AES-256-GCM ciphertext of the PKCS#8 PEM key (binary), bound to
  // ("csr", id, account_id). nullopt: uploaded without a key.
  std::optional<std::string> sealed_key;
  bool uploaded = false;
  int64_t export_count = 0;
  int64_t last_export_time = 0;  // 0 = never exported
};

struct CsrQuery {
  std::string name_contains;     // "" = no filter; literal, case-sensitive substring
  std::string private_key_algo;  // "" = no filter
  int limit = 10;
  int64_t offset = 0;            // rows skipped
};

struct CsrPage {
  std::vector<Csr> items;  // newest first: create_time DESC, id DESC; sealed_key not filled
  int64_t total = 0;       // every row matching the filters
};

struct AuditEvent {
  int64_t id = 0;        // assigned by the store
  int64_t time = 0;
  std::string account_id;
  std::string user_id;
  std::string user_name;
  std::string action;    // e.g. "scm::getCsrPrivateKey", "iam::login"
  std::string resource_id;  // CSR id, AK, ...; may be ""
  std::string remote_addr;
  std::string request_id;
  std::string outcome;   // "success" | "failure"
  std::string detail;    // never a secret
};

// ListAudit filters. Empty strings and the default time bounds filter nothing.
struct AuditQuery {
  int limit = 100;
  int64_t offset = 0;             // rows skipped
  std::string action;             // exact match
  std::string resource_id;        // exact match
  std::string user_id;            // exact match
  int64_t since = 0;              // time >= since (epoch ms)
  int64_t until = INT64_MAX;      // time <= until (epoch ms)
};

struct AuditPage {
  std::vector<AuditEvent> items;  // newest first: time DESC, id DESC
  int64_t total = 0;              // every event of the account matching the filters
};

// An access key (AK/SK). Permanent keys belong to a user; temporary ones
// (from /v3.0/OS-CREDENTIAL/securitytokens) also carry a security token, an
// expiry, their parent and an optional policy.
struct Credential {
  std::string access;        // the AK: 20 upper-case letters and digits when issued by csrd
  std::string user_id;
  std::string account_id;
  std::string sealed_secret; // AES-256-GCM of the SK, bound to ("credential", access, account_id)
  std::string status = "active";  // "active" | "inactive"
  std::string description;
  int64_t create_time = 0;
  int64_t last_use_time = 0;  // 0 = never used
  bool temporary = false;
  // Temporary keys only:
  std::string security_token_hash;  // hex SHA-256 of the security token
  int64_t expires_at = 0;
  std::string parent_token_hash;    // issued from a user token: that token's hash ...
  std::string parent_access;        // ... or from a permanent AK
  // "" = no policy; else one statement per line, "Allow <action-pattern>" or
  // "Deny <action-pattern>" (patterns use * wildcards, e.g. "scm::get*").
  std::string policy;
};

// Everything AK/SK verification reads about one access key, from one
// snapshot (Store::GetAkSkContext).
struct AkSkContext {
  Credential credential;
  Throttle throttle;               // of the caller's throttle key; zero state if absent
  std::optional<User> user;        // credential.user_id; nullopt if gone
  std::optional<Account> account;  // credential.account_id; nullopt if gone
  // Temporary keys: their parent's state (nullopt if the key names none, or it is gone).
  std::optional<Token> parent_token;                // credential.parent_token_hash
  std::optional<std::string> parent_access_status;  // credential.parent_access's status
};

// A token with its user and account, from one snapshot (Store::GetTokenContext).
struct TokenContext {
  Token token;
  std::optional<User> user;        // token.user_id; nullopt if gone
  std::optional<Account> account;  // token.account_id; nullopt if gone
};

struct Project {
  std::string id;  // 32 hex, derived from (account, name)
  std::string account_id;
  std::string name;
  int64_t create_time = 0;
};

}  // namespace csrd::store
