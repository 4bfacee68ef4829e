// Decoding of IAM (Keystone-shaped) request bodies: the password token
// request (iam-subset.md §3.1) and the temporary-key request (§7.2).
//
// Pure functions over an already parsed JSON object (see json_reader.h);
// thread-safe. Any structural problem is Status::InvalidArgument, which the
// handler answers with Keystone's 400 "The request body is invalid". No
// message ever contains the password or any other value.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret.h"

namespace csrd::api {

// POST /v3/auth/tokens with the password method.
struct PasswordAuthInput {
  // The user: by name (with a domain) or by id; both may be set, and then
  // the handler decides (Keystone lets the id win).
  std::string user_name, user_id;
  // The user's account, by name (documented) or id (accepted); required when
  // the user is given by name only, optional when by id.
  std::string domain_name, domain_id;
  Secret password;  // may be empty; the KDF check rejects it as usual
  // Scope; all empty = none (absent, null, or {}). Both a domain and a
  // project may be recorded; the project wins (iam-subset §3.1).
  std::string scope_domain_name, scope_domain_id, scope_project_name, scope_project_id;

  bool project_scoped() const { return !scope_project_name.empty() || !scope_project_id.empty(); }
  bool domain_scoped() const { return !scope_domain_name.empty() || !scope_domain_id.empty(); }
};

// Body: {"auth": {"identity": {"methods": ["password"], "password": {"user":
// {"name"|"id", "password", "domain": {"name"|"id"}}}}, "scope": ...}}.
// methods must be exactly ["password"]. Given identifiers (name/id) must be
// non-empty strings; a given "domain"/"project" object in the scope must name
// one. "scope": null counts as absent. Unknown fields are ignored.
Result<PasswordAuthInput> ParsePasswordAuth(const boost::json::object& body);

inline constexpr int64_t kTempKeyMinSeconds = 900;
inline constexpr int64_t kTempKeyMaxSeconds = 86400;
inline constexpr int64_t kTempKeyDefaultSeconds = 900;
inline constexpr size_t kMaxPolicyChars = 2048;
inline constexpr size_t kMaxPolicyStatements = 8;
inline constexpr size_t kMaxPolicyActions = 100;

struct PolicyStatement {
  bool allow = false;                // Effect: "Allow" (true) or "Deny"
  std::vector<std::string> actions;  // "service:resource:action", '*' wildcards
};

// POST /v3.0/OS-CREDENTIAL/securitytokens (iam-subset §7.2).
struct TemporaryKeyInput {
  std::optional<Secret> token_id;  // auth.identity.token.id (the body token), if given
  int64_t duration_seconds = kTempKeyDefaultSeconds;
  bool has_policy = false;
  std::vector<PolicyStatement> statements;  // when has_policy: 1..8
};

// Body: {"auth": {"identity": {"methods": ["token"], "token": {"id",
// "duration_seconds"}, "policy": {...}}}}. methods must be exactly
// ["token"]; duration_seconds an integer (or, as one published example
// writes it, a string of decimal digits) in 900..86400, default 900; a given
// token.id a non-empty string. policy, when given: serialized at most 2048
// characters, "Version": "1.1", "Statement": 1..8 objects each with
// "Effect" "Allow"|"Deny" and "Action" 1..100 strings of at most 256
// characters (identity::kMaxActionPatternChars) of the form
// service:resource:action (service non-empty lower-case letters, digits,
// '-' or '*'; resource may be empty; action non-empty; letters, digits, '_',
// '-', '*'). A statement using "Resource" or "Condition" is refused
// (contract §2.4: csrd cannot enforce them).
Result<TemporaryKeyInput> ParseTemporaryKeyRequest(const boost::json::object& body);

// POST /v3.0/OS-CREDENTIAL/credentials (iam-subset §6.1): {"credential":
// {"user_id": string (required), "description": string (optional)}}. Only the
// shape is checked here; the handler judges user_id against the caller first
// (403) and then the description (ValidCredentialDescription, 400).
struct CredentialCreateInput {
  std::string user_id;
  std::optional<std::string> description;
};
Result<CredentialCreateInput> ParseCredentialCreate(const boost::json::object& body);

// PUT /v3.0/OS-CREDENTIAL/credentials/{access} (iam-subset §6.4):
// {"credential": {"status"?, "description"?}}, both optional strings, at least
// one given. The values are the handler's to judge (status has its own error).
struct CredentialUpdateInput {
  std::optional<std::string> status, description;
};
Result<CredentialUpdateInput> ParseCredentialUpdate(const boost::json::object& body);

// A key description is stored as text in either database: at most 255 bytes,
// no control characters (they would also garble `csrd admin list-keys`).
// d must be valid UTF-8 (every JSON string is).
bool ValidCredentialDescription(std::string_view d);

}  // namespace csrd::api
