// Decoding of IAM (Keystone-shaped) request bodies (iam-subset.md §3.1).
//
// Pure functions over an already parsed JSON object (see json_reader.h);
// thread-safe. Any structural problem is Status::InvalidArgument, which the
// handler answers with Keystone's 400 "The request body is invalid". No
// message ever contains the password or any other value.
#pragma once

#include <string>

#include <boost/json/object.hpp>

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

}  // namespace csrd::api
