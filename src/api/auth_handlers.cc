#include "api/auth_handlers.h"

#include <boost/json.hpp>

#include "api/iam_input.h"
#include "api/json_reader.h"
#include "core/encoding.h"
#include "core/secret.h"
#include "identity/roles.h"

namespace csrd::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kBadBody = "The request body is invalid";
constexpr std::string_view kBadSubject = "X-Subject-Token is invalid in the request";

json::object NameAndId(const std::string& id, const std::string& name) {
  json::object o;
  o["id"] = id;
  o["name"] = name;
  return o;
}

// The Keystone token body (iam-subset §3.2), built from stored rows. Roles are
// listed as they are now; they are re-read on every request, never trusted
// from the token.
json::object TokenBody(const store::Token& tok, const store::User& user,
                       const store::Account& account) {
  json::object t;
  t["catalog"] = json::array();
  json::array methods;
  methods.emplace_back("password");
  t["methods"] = std::move(methods);
  t["issued_at"] = FormatIamTime(tok.issued_at);
  t["expires_at"] = FormatIamTime(tok.expires_at);
  json::object u = NameAndId(user.id, user.name);
  u["domain"] = NameAndId(account.id, account.name);
  u["password_expires_at"] = "";
  t["user"] = std::move(u);
  if (!tok.project_id.empty()) {
    json::object p = NameAndId(tok.project_id, tok.project_name);
    p["domain"] = NameAndId(account.id, account.name);
    t["project"] = std::move(p);
  } else {
    t["domain"] = NameAndId(account.id, account.name);
  }
  json::array roles;
  for (const auto& r : identity::RoleNames(user.roles)) {
    json::object ro;
    ro["id"] = "0";
    ro["name"] = r;
    roles.emplace_back(std::move(ro));
  }
  t["roles"] = std::move(roles);
  json::object root;
  root["token"] = std::move(t);
  return root;
}

}  // namespace

http::Response AuthHandlers::Issue(Call& call) {
  // The body holds a password in the clear: wipe it once we are done.
  ScopedWipe wipe(call.req.body);
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return KeystoneError(400, kBadBody);
  auto in = ParsePasswordAuth(*body);
  if (!in.ok()) return KeystoneError(400, kBadBody);

  identity::LoginRequest lr;
  lr.user_name = in->user_name;
  lr.user_id = in->user_id;
  lr.domain_name = in->domain_name;
  lr.domain_id = in->domain_id;
  lr.password = &in->password;
  lr.scope_domain_name = in->scope_domain_name;
  lr.scope_domain_id = in->scope_domain_id;
  lr.scope_project_name = in->scope_project_name;
  lr.scope_project_id = in->scope_project_id;
  lr.remote_addr = call.req.remote_addr;
  lr.request_id = call.req.request_id;

  auto res = deps_.login->Login(lr);
  if (!res.ok()) {
    const Status& st = res.status();
    call.auth_failure = identity::ClassifyAuthFailure(st);
    if (st.IsUnauthenticated()) return KeystoneError(401, st.message());
    if (st.IsResourceExhausted()) return KeystoneError(429, "The throttling threshold has been reached.");
    if (st.IsInvalidArgument()) return KeystoneError(400, kBadBody);
    return KeystoneServerError();
  }
  http::Response r = JsonResponse(201, TokenBody(res->token.record, res->user, res->account));
  r.SetHeader("X-Subject-Token", res->token.token.str());
  return r;
}

std::optional<http::Response> AuthHandlers::ResolveSubject(Call& call, bool allow_expired,
                                                           store::Token* out) {
  auto subject = call.req.headers.Get("X-Subject-Token");
  if (!subject || subject->empty()) return KeystoneError(400, "X-Subject-Token is required");
  // Revocation works on expired tokens too (iam-subset §5), so it reads the
  // row directly; validation goes through the token service's expiry rules.
  Result<store::Token> tok = allow_expired ? deps_.store->GetToken(Sha256Hex(*subject))
                                           : deps_.tokens->Lookup(*subject);
  if (tok.ok() && tok->revoked) tok = Status::NotFound("revoked");
  if (!tok.ok()) {
    const Status& st = tok.status();
    if (st.IsUnauthenticated() || st.IsNotFound()) return KeystoneError(404, kBadSubject);
    return KeystoneServerError();
  }
  const auto& p = *call.principal;
  // Another account's token is treated as one that does not exist.
  if (tok->account_id != p.account_id) return KeystoneError(404, kBadSubject);
  if (tok->user_id != p.user_id && !(p.roles & store::kRoleSecurityAdmin)) {
    return KeystoneError(403, "You have no right to do this action");
  }
  *out = std::move(tok).value();
  return std::nullopt;
}

http::Response AuthHandlers::Validate(Call& call) {
  store::Token tok;
  if (auto err = ResolveSubject(call, false, &tok)) return std::move(*err);
  auto user = deps_.store->GetUserById(tok.user_id);
  auto account = deps_.store->GetAccountById(tok.account_id);
  if (!user.ok() || !account.ok()) return KeystoneError(404, kBadSubject);
  http::Response r = JsonResponse(200, TokenBody(tok, *user, *account));
  r.SetHeader("X-Subject-Token", std::string(*call.req.headers.Get("X-Subject-Token")));
  return r;
}

http::Response AuthHandlers::Revoke(Call& call) {
  store::Token tok;
  if (auto err = ResolveSubject(call, true, &tok)) return std::move(*err);
  Status st = deps_.store->RevokeToken(tok.token_hash);
  if (!st.ok() && !st.IsNotFound()) {
    return KeystoneServerError();
  }
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace csrd::api
