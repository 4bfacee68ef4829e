#include "api/credential_handlers.h"

#include <boost/json.hpp>

#include "api/audit_handlers.h"
#include "api/iam_input.h"
#include "api/json_reader.h"
#include "api/query.h"
#include "core/encoding.h"
#include "core/json_wiping.h"
#include "core/secret.h"
#include "identity/audit_events.h"
#include "identity/policy.h"
#include "identity/sdk_signature.h"

namespace csrd::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kBadBody = "The request body is invalid";
constexpr std::string_view kNoRight = "You have no right to do this action";

bool IsSecurityAdmin(const identity::Principal& p) {
  return (p.roles & store::kRoleSecurityAdmin) != 0;
}

std::string IamTimeOrEmpty(int64_t ms) { return ms > 0 ? FormatIamTime(ms) : std::string(); }

json::object KeyJson(const store::Credential& c, bool with_last_use, json::storage_ptr sp = {}) {
  json::object o(std::move(sp));
  o["user_id"] = c.user_id;
  o["access"] = c.access;
  o["status"] = c.status;
  o["create_time"] = FormatIamTime(c.create_time);
  o["description"] = c.description;
  if (with_last_use) o["last_use_time"] = IamTimeOrEmpty(c.last_use_time);
  return o;
}

http::Response Wrap(int status, std::string_view key, json::value v) {
  json::object root(v.storage());  // same storage: v moves in, not copied
  root[key] = std::move(v);
  return JsonResponse(status, root);
}

// A new credential's answer carries its secret: the tree lives in wiping
// storage, the body is sent no-store and wiped once written.
http::Response SecretAnswer(json::object credential) {
  http::Response r = Wrap(201, "credential", std::move(credential));
  r.SetHeader("Cache-Control", "no-store");
  r.sensitive = true;
  return r;
}

// auth.identity.token.id, read leniently (the body may be invalid otherwise).
std::optional<std::string> BodyTokenId(const json::object& body) {
  const json::object* o = &body;
  for (const char* key : {"auth", "identity", "token"}) {
    auto it = o->find(key);
    if (it == o->end() || !it->value().is_object()) return std::nullopt;
    o = &it->value().get_object();
  }
  auto id = o->find("id");
  if (id == o->end() || !id->value().is_string() || id->value().get_string().empty()) {
    return std::nullopt;
  }
  return std::string(id->value().get_string());
}

http::Response StoreFailure(const Status& st) {
  if (st.IsNotFound()) return KeystoneError(404, "Could not find the access key.");
  return KeystoneServerError();
}

}  // namespace

http::Response CredentialHandlers::Create(Call& call) {
  const auto& p = *call.principal;
  if (p.temporary) return KeystoneError(403, kNoRight);
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return KeystoneError(400, kBadBody);
  auto in = ParseCredentialCreate(*body);
  if (!in.ok()) return KeystoneError(400, kBadBody);
  // Keys for another user are made only by the operator (csrd admin), so an
  // SK is only ever shown to its owner.
  if (in->user_id != p.user_id) return KeystoneError(403, kNoRight);
  const std::string description = in->description.value_or("");
  if (!ValidCredentialDescription(description)) return KeystoneError(400, kBadBody);

  auto user = deps_.store->GetUserById(p.user_id);
  if (!user.ok()) return KeystoneServerError();
  // Stored with the key (the service fills in the new AK as resource_id).
  const store::AuditEvent ev = CallerAuditEvent(call, deps_.clock->NowMillis(),
                                                identity::kAuditCreateCredential, "", "permanent");
  auto created = deps_.credentials->CreatePermanent(*user, description, &ev);
  if (!created.ok()) {
    if (created.status().IsResourceExhausted()) return KeystoneError(400, "akSkNumExceed");
    return KeystoneServerError();
  }
  json::object o = KeyJson(created->record, false, WipingJsonStorage());
  o["secret"] = created->secret.view();
  return SecretAnswer(std::move(o));
}

http::Response CredentialHandlers::List(Call& call) {
  const auto& p = *call.principal;
  std::string user_id = p.user_id;
  auto q = ParseQuery(call.req.query);
  if (!q.ok()) return KeystoneError(400, "Request parameter user_id is invalid.");
  int seen = 0;
  for (const auto& [k, v] : *q) {
    if (k != "user_id") continue;
    if (++seen > 1) return KeystoneError(400, "Request parameter user_id is invalid.");
    if (!v.empty()) user_id = v;
  }
  if (user_id != p.user_id) {
    auto other = deps_.store->GetUserById(user_id);
    if (!other.ok() || other->account_id != p.account_id) {
      if (!other.ok() && !other.status().IsNotFound()) return KeystoneServerError();
      return KeystoneError(404, "Could not find the user.");
    }
    if (!IsSecurityAdmin(p)) return KeystoneError(403, kNoRight);
  }
  auto keys = deps_.store->ListCredentials(user_id);
  if (!keys.ok()) return KeystoneServerError();
  json::array arr;
  for (const auto& k : *keys) arr.emplace_back(KeyJson(k, false));
  return Wrap(200, "credentials", std::move(arr));
}

std::optional<http::Response> CredentialHandlers::ResolveKey(Call& call, store::Credential* out) {
  auto access = PercentDecode(call.route.raw_id);
  if (!access.ok() || !identity::IsAccessKeyId(*access)) {
    return KeystoneError(400, "Request parameter access is invalid.");
  }
  auto key = deps_.store->GetCredential(*access);
  const auto& p = *call.principal;
  // Temporary keys are not permanent access keys; another account's key is
  // indistinguishable from a missing one.
  if (!key.ok() || key->temporary || key->account_id != p.account_id) {
    if (!key.ok() && !key.status().IsNotFound()) return KeystoneServerError();
    return KeystoneError(404, "Could not find the access key.");
  }
  if (key->user_id != p.user_id && !IsSecurityAdmin(p)) return KeystoneError(403, kNoRight);
  *out = std::move(key).value();
  return std::nullopt;
}

http::Response CredentialHandlers::Show(Call& call) {
  store::Credential key;
  if (auto err = ResolveKey(call, &key)) return std::move(*err);
  return Wrap(200, "credential", KeyJson(key, true));
}

http::Response CredentialHandlers::Update(Call& call) {
  store::Credential key;
  if (auto err = ResolveKey(call, &key)) return std::move(*err);
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return KeystoneError(400, kBadBody);
  auto in = ParseCredentialUpdate(*body);
  if (!in.ok()) return KeystoneError(400, kBadBody);
  const std::optional<std::string>& status = in->status;
  const std::optional<std::string>& description = in->description;
  if (status && *status != "active" && *status != "inactive") {
    return KeystoneError(400, "Request parameter status is invalid.");
  }
  if (description && !ValidCredentialDescription(*description)) {
    return KeystoneError(400, kBadBody);
  }
  // A Security Administrator may only deactivate another user's key.
  if (key.user_id != call.principal->user_id && (description || !status || *status != "inactive")) {
    return KeystoneError(403, kNoRight);
  }
  auto updated = deps_.store->UpdateCredential(key.access, status, description);
  if (!updated.ok()) return StoreFailure(updated.status());
  return Wrap(200, "credential", KeyJson(*updated, false));
}

http::Response CredentialHandlers::Delete(Call& call) {
  store::Credential key;
  if (auto err = ResolveKey(call, &key)) return std::move(*err);
  std::string detail = key.status == "active" ? "permanent" : "permanent, inactive";
  if (key.user_id != call.principal->user_id) detail += ", of user " + key.user_id;
  const store::AuditEvent ev = CallerAuditEvent(call, deps_.clock->NowMillis(),
                                                identity::kAuditDeleteCredential, key.access,
                                                std::move(detail));
  Status st = deps_.store->DeleteCredential(key.access, &ev);
  if (!st.ok()) return StoreFailure(st);
  http::Response r;
  r.status = 204;
  return r;
}

http::Response CredentialHandlers::CreateTemporary(Call& call, const identity::AuthInput& auth) {
  // §2.1 order: a caller named by a header is authenticated (401) and its
  // X-Domain-Id checked (403) before the body is judged (400); only a caller
  // whose token travels in the body needs the body first.
  // Temporary keys cannot mint further temporary keys (contract §2.4).
  auto authenticate = [&](const identity::AuthInput& who) -> std::optional<http::Response> {
    if (auto err = AuthenticateCall(*deps_.authenticator, call, who)) return err;
    if (call.principal->temporary) return KeystoneError(403, kNoRight);
    return std::nullopt;
  };
  identity::AuthInput who = auth;
  who.one_time = true;
  const bool header_auth = who.authorization.has_value() || who.auth_token.has_value();
  if (header_auth) {
    if (auto err = authenticate(who)) return std::move(*err);
  }

  auto body = ParseJsonObject(call.req.body);
  if (!header_auth) {
    // The token in the body is the only credential: without one, this is a
    // 401 whatever else is wrong with the body.
    std::optional<std::string> body_token;
    if (body.ok()) body_token = BodyTokenId(*body);
    if (!body_token) {
      call.auth_failure = identity::AuthFailure::kMissing;
      return KeystoneError(401, "missing credentials");
    }
    who.auth_token = *body_token;
    auto err = authenticate(who);
    SecureWipe(*body_token);
    if (err) return std::move(*err);
  }
  if (!body.ok()) return KeystoneError(400, kBadBody);
  auto in = ParseTemporaryKeyRequest(*body);
  if (!in.ok()) return KeystoneError(400, kBadBody);

  std::string policy;
  if (in->has_policy) {
    std::vector<identity::PolicyStatement> statements;
    for (const auto& s : in->statements) {
      for (const auto& a : s.actions) statements.push_back({s.allow, a});
    }
    policy = identity::FormatPolicy(statements);
  }
  std::string detail =
      "temporary, " + std::to_string(in->duration_seconds) + " s requested, from ";
  detail += call.principal->method == identity::Principal::Method::kToken
                ? std::string("a token")
                : "access key " + call.principal->access_key;
  if (!policy.empty()) detail += ", with a policy";
  const store::AuditEvent ev = CallerAuditEvent(call, deps_.clock->NowMillis(),
                                                identity::kAuditCreateCredential, "",
                                                std::move(detail));
  auto created =
      deps_.credentials->CreateTemporary(*call.principal, in->duration_seconds, policy, &ev);
  if (!created.ok()) {
    const Status& st = created.status();
    if (st.IsInvalidArgument()) return KeystoneError(400, kBadBody);
    if (st.IsPermissionDenied()) return KeystoneError(403, kNoRight);
    // The parent token or key was revoked while we were issuing.
    if (st.IsNotFound() || st.code() == Status::Code::kFailedPrecondition) {
      call.auth_failure = identity::AuthFailure::kBadToken;
      return KeystoneError(401, "The token is invalid");
    }
    return KeystoneServerError();
  }
  json::object o(WipingJsonStorage());
  o["access"] = created->record.access;
  o["secret"] = created->secret.view();
  o["securitytoken"] = created->security_token.view();
  o["expires_at"] = FormatIamTime(created->record.expires_at);
  return SecretAnswer(std::move(o));
}

}  // namespace csrd::api
