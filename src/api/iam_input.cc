#include "api/iam_input.h"

#include <optional>

#include "api/json_reader.h"

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

}  // namespace

Result<PasswordAuthInput> ParsePasswordAuth(const json::object& body) {
  PasswordAuthInput in;
  CSRD_ASSIGN_OR_RETURN(const json::object* auth, GetRequiredObject(body, "auth"));
  CSRD_ASSIGN_OR_RETURN(const json::object* identity,
                        GetRequiredObject(*auth, "identity", "auth"));

  CSRD_ASSIGN_OR_RETURN(const json::array* methods,
                        GetRequiredArray(*identity, "methods", "auth.identity"));
  if (methods->size() != 1 || !(*methods)[0].is_string() ||
      (*methods)[0].get_string() != "password") {
    return Status::InvalidArgument("auth.identity.methods: must be [\"password\"]");
  }

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
    CSRD_ASSIGN_OR_RETURN(const json::object* sd, GetOptionalObject(*scope, "domain", "auth.scope"));
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

}  // namespace csrd::api
