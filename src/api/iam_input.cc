#include "api/iam_input.h"

#include <boost/json/serialize.hpp>
#include <optional>

#include "api/input_text.h"
#include "api/json_reader.h"
#include "identity/policy.h"

namespace csrd::api {
namespace json = boost::json;
namespace {

// An optional identifier: absent/null -> "", present -> non-empty string.
Status OptionalId(const json::object& obj, std::string_view key, std::string_view where,
                  std::string* out) {
  auto v = GetOptionalString(obj, key, where);
  if (!v.ok()) return v.status();
  if (!v.value()) return Status::Ok();
  if (v.value()->empty()) {
    return Status::InvalidArgument(FieldPath(where, key) + ": must not be empty");
  }
  *out = std::move(*v.value());
  return Status::Ok();
}

// {"name": ..., "id": ...} with at least one of them.
Status NameOrId(const json::object& obj, std::string_view where, std::string* name,
                std::string* id) {
  CSRD_RETURN_IF_ERROR(OptionalId(obj, "name", where, name));
  CSRD_RETURN_IF_ERROR(OptionalId(obj, "id", where, id));
  if (name->empty() && id->empty()) {
    return Status::InvalidArgument(std::string(where) + ": name or id is required");
  }
  return Status::Ok();
}

// methods must be exactly [want].
Status CheckMethods(const json::object& identity, std::string_view want) {
  CSRD_ASSIGN_OR_RETURN(const json::array* methods,
                        GetRequiredArray(identity, "methods", "auth.identity"));
  if (methods->size() != 1 || !(*methods)[0].is_string() || (*methods)[0].get_string() != want) {
    return Status::InvalidArgument("auth.identity.methods: must be [\"" + std::string(want) +
                                   "\"]");
  }
  return Status::Ok();
}

bool IsServiceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*';
}
bool IsActionChar(char c) { return IsServiceChar(c) || (c >= 'A' && c <= 'Z') || c == '_'; }

// "service:resource:action"; see the header for the character sets. The
// length bound is the stored policy's (identity/policy.h), so every accepted
// action is one the verifier can read back.
bool IsActionPattern(std::string_view a) {
  if (a.size() > identity::kMaxActionPatternChars) return false;
  const size_t c1 = a.find(':');
  if (c1 == std::string_view::npos) return false;
  const size_t c2 = a.find(':', c1 + 1);
  if (c2 == std::string_view::npos || a.find(':', c2 + 1) != std::string_view::npos) return false;
  const std::string_view service = a.substr(0, c1);
  const std::string_view resource = a.substr(c1 + 1, c2 - c1 - 1);
  const std::string_view action = a.substr(c2 + 1);
  if (service.empty() || action.empty()) return false;
  for (char c : service) {
    if (!IsServiceChar(c)) return false;
  }
  for (std::string_view part : {resource, action}) {
    for (char c : part) {
      if (!IsActionChar(c)) return false;
    }
  }
  return true;
}

Status ParsePolicy(const json::object& policy, TemporaryKeyInput* out) {
  constexpr std::string_view kWhere = "auth.identity.policy";
  // Measured on the compact serialization, so client whitespace never counts.
  const std::string text = json::serialize(policy);
  const std::optional<size_t> chars = CountCodePoints(text);
  if (!chars || *chars > kMaxPolicyChars) {
    return Status::InvalidArgument(std::string(kWhere) + ": must be at most 2048 characters");
  }
  CSRD_ASSIGN_OR_RETURN(std::string version, GetRequiredString(policy, "Version", kWhere));
  if (version != "1.1") {
    return Status::InvalidArgument(std::string(kWhere) + ".Version: must be \"1.1\"");
  }
  CSRD_ASSIGN_OR_RETURN(const json::array* statements,
                        GetRequiredArray(policy, "Statement", kWhere));
  if (statements->empty() || statements->size() > kMaxPolicyStatements) {
    return Status::InvalidArgument(std::string(kWhere) + ".Statement: must hold 1..8 statements");
  }
  constexpr std::string_view kStmt = "auth.identity.policy.Statement[]";
  for (const json::value& sv : *statements) {
    if (!sv.is_object()) {
      return Status::InvalidArgument(std::string(kStmt) + ": must be an object");
    }
    const json::object& st = sv.get_object();
    PolicyStatement ps;
    CSRD_ASSIGN_OR_RETURN(std::string effect, GetRequiredString(st, "Effect", kStmt));
    if (effect == "Allow") {
      ps.allow = true;
    } else if (effect != "Deny") {
      return Status::InvalidArgument(std::string(kStmt) + ".Effect: must be Allow or Deny");
    }
    CSRD_ASSIGN_OR_RETURN(const json::array* actions, GetRequiredArray(st, "Action", kStmt));
    if (actions->empty() || actions->size() > kMaxPolicyActions) {
      return Status::InvalidArgument(std::string(kStmt) + ".Action: must hold 1..100 actions");
    }
    for (const json::value& av : *actions) {
      if (!av.is_string() || !IsActionPattern(std::string_view(av.get_string()))) {
        return Status::InvalidArgument(std::string(kStmt) +
                                       ".Action: each must be a service:resource:action string");
      }
      ps.actions.emplace_back(av.get_string());
    }
    for (const char* unsupported : {"Resource", "Condition"}) {
      auto it = st.find(unsupported);
      if (it != st.end() && !it->value().is_null()) {
        return Status::InvalidArgument(std::string(kStmt) + "." + unsupported +
                                       ": is not supported");
      }
    }
    out->statements.push_back(std::move(ps));
  }
  out->has_policy = true;
  return Status::Ok();
}

}  // namespace

Result<PasswordAuthInput> ParsePasswordAuth(const json::object& body) {
  PasswordAuthInput in;
  CSRD_ASSIGN_OR_RETURN(const json::object* auth, GetRequiredObject(body, "auth"));
  CSRD_ASSIGN_OR_RETURN(const json::object* identity, GetRequiredObject(*auth, "identity", "auth"));

  CSRD_RETURN_IF_ERROR(CheckMethods(*identity, "password"));

  CSRD_ASSIGN_OR_RETURN(const json::object* password,
                        GetRequiredObject(*identity, "password", "auth.identity"));
  constexpr std::string_view kUser = "auth.identity.password.user";
  CSRD_ASSIGN_OR_RETURN(const json::object* user,
                        GetRequiredObject(*password, "user", "auth.identity.password"));
  CSRD_RETURN_IF_ERROR(OptionalId(*user, "name", kUser, &in.user_name));
  CSRD_RETURN_IF_ERROR(OptionalId(*user, "id", kUser, &in.user_id));
  if (in.user_name.empty() && in.user_id.empty()) {
    return Status::InvalidArgument(std::string(kUser) + ": name or id is required");
  }
  {
    // Copied straight into the Secret so no stray std::string outlives it.
    auto it = user->find("password");
    if (it == user->end() || it->value().is_null()) {
      return Status::InvalidArgument(std::string(kUser) + ".password is required");
    }
    if (!it->value().is_string()) {
      return Status::InvalidArgument(std::string(kUser) + ".password: must be a string");
    }
    const json::string& pw = it->value().get_string();
    in.password = Secret(std::string_view(pw.data(), pw.size()));
  }
  CSRD_ASSIGN_OR_RETURN(const json::object* domain, GetOptionalObject(*user, "domain", kUser));
  if (domain != nullptr) {
    CSRD_RETURN_IF_ERROR(
        NameOrId(*domain, "auth.identity.password.user.domain", &in.domain_name, &in.domain_id));
  } else if (in.user_id.empty()) {
    return Status::InvalidArgument(std::string(kUser) + ".domain is required");
  }

  CSRD_ASSIGN_OR_RETURN(const json::object* scope, GetOptionalObject(*auth, "scope", "auth"));
  if (scope != nullptr) {
    CSRD_ASSIGN_OR_RETURN(const json::object* sd,
                          GetOptionalObject(*scope, "domain", "auth.scope"));
    if (sd != nullptr) {
      CSRD_RETURN_IF_ERROR(
          NameOrId(*sd, "auth.scope.domain", &in.scope_domain_name, &in.scope_domain_id));
    }
    CSRD_ASSIGN_OR_RETURN(const json::object* sp,
                          GetOptionalObject(*scope, "project", "auth.scope"));
    if (sp != nullptr) {
      CSRD_RETURN_IF_ERROR(
          NameOrId(*sp, "auth.scope.project", &in.scope_project_name, &in.scope_project_id));
    }
  }
  return in;
}

Result<TemporaryKeyInput> ParseTemporaryKeyRequest(const json::object& body) {
  TemporaryKeyInput in;
  CSRD_ASSIGN_OR_RETURN(const json::object* auth, GetRequiredObject(body, "auth"));
  CSRD_ASSIGN_OR_RETURN(const json::object* identity, GetRequiredObject(*auth, "identity", "auth"));
  CSRD_RETURN_IF_ERROR(CheckMethods(*identity, "token"));

  constexpr std::string_view kToken = "auth.identity.token";
  CSRD_ASSIGN_OR_RETURN(const json::object* token,
                        GetOptionalObject(*identity, "token", "auth.identity"));
  if (token != nullptr) {
    auto id = token->find("id");
    if (id != token->end() && !id->value().is_null()) {
      if (!id->value().is_string()) {
        return Status::InvalidArgument(std::string(kToken) + ".id: must be a string");
      }
      const json::string& t = id->value().get_string();
      if (t.empty()) return Status::InvalidArgument(std::string(kToken) + ".id: must not be empty");
      in.token_id.emplace(std::string_view(t.data(), t.size()));
    }
    auto d = token->find("duration_seconds");
    if (d != token->end() && !d->value().is_null()) {
      const json::value& v = d->value();
      const Status range =
          Status::InvalidArgument(std::string(kToken) + ".duration_seconds: must be 900..86400");
      if (v.is_int64()) {
        in.duration_seconds = v.get_int64();
      } else if (v.is_uint64()) {
        return range;
      } else if (v.is_string()) {
        // The one coercion the contract allows: a published example sends "900".
        const json::string& s = v.get_string();
        if (s.empty() || s.size() > 5) return range;
        int64_t n = 0;
        for (char c : s) {
          if (c < '0' || c > '9') return range;
          n = n * 10 + (c - '0');
        }
        in.duration_seconds = n;
      } else {
        return Status::InvalidArgument(std::string(kToken) +
                                       ".duration_seconds: must be an integer");
      }
      if (in.duration_seconds < kTempKeyMinSeconds || in.duration_seconds > kTempKeyMaxSeconds) {
        return range;
      }
    }
  }

  CSRD_ASSIGN_OR_RETURN(const json::object* policy,
                        GetOptionalObject(*identity, "policy", "auth.identity"));
  if (policy != nullptr) CSRD_RETURN_IF_ERROR(ParsePolicy(*policy, &in));
  return in;
}

Result<CredentialCreateInput> ParseCredentialCreate(const json::object& body) {
  CredentialCreateInput in;
  CSRD_ASSIGN_OR_RETURN(const json::object* cred, GetRequiredObject(body, "credential"));
  CSRD_ASSIGN_OR_RETURN(in.user_id, GetRequiredString(*cred, "user_id", "credential"));
  CSRD_ASSIGN_OR_RETURN(in.description, GetOptionalString(*cred, "description", "credential"));
  return in;
}

Result<CredentialUpdateInput> ParseCredentialUpdate(const json::object& body) {
  CredentialUpdateInput in;
  CSRD_ASSIGN_OR_RETURN(const json::object* cred, GetRequiredObject(body, "credential"));
  CSRD_ASSIGN_OR_RETURN(in.status, GetOptionalString(*cred, "status", "credential"));
  CSRD_ASSIGN_OR_RETURN(in.description, GetOptionalString(*cred, "description", "credential"));
  if (!in.status && !in.description) {
    return Status::InvalidArgument("credential: status or description is required");
  }
  return in;
}

bool ValidCredentialDescription(std::string_view d) {
  return d.size() <= 255 && !HasControlChar(d);
}

}  // namespace csrd::api
