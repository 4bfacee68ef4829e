#include "api/app.h"

#include <chrono>

#include <boost/json.hpp>

#include "api/audit_handlers.h"
#include "api/auth_handlers.h"
#include "api/call.h"
#include "api/console_handlers.h"
#include "api/credential_handlers.h"
#include "api/csr_handlers.h"
#include "api/discovery_handlers.h"
#include "api/openapi_doc.h"
#include "api/service_metrics.h"
#include "core/metrics.h"
#include "identity/permissions.h"
#include "identity/policy.h"

namespace csrd::api {

namespace json = boost::json;
using identity::Action;

http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::Response JsonResponse(int status, const json::value& body) {
  return JsonResponse(status, json::serialize(body));
}

std::optional<http::Response> AuthenticateCall(const identity::Authenticator& authenticator,
                                               Call& call, const identity::AuthInput& in) {
  auto principal = authenticator.Authenticate(in);
  if (!principal.ok()) {
    const Status& st = principal.status();
    call.auth_failure = identity::ClassifyAuthFailure(st);
    if (st.IsUnauthenticated()) return call.Fail(Unauthenticated(st.message()));
    if (st.IsResourceExhausted()) return call.Fail(TooManyRequests());
    return call.Fail(InternalError());
  }
  call.principal = std::move(principal).value();
  if (auto domain = call.req.headers.Get("X-Domain-Id");
      domain && *domain != call.principal->account_id) {
    call.auth_failure = identity::AuthFailure::kDomainMismatch;
    return call.Fail(Forbidden("X-Domain-Id does not match the caller's account"));
  }
  return std::nullopt;
}

namespace {

std::optional<Action> RequiredAction(RouteId id) {
  switch (id) {
    case RouteId::kCreateCsr: return Action::kCreateCsr;
    case RouteId::kListCsr: return Action::kListCsr;
    case RouteId::kShowCsr: return Action::kGetCsr;
    case RouteId::kUpdateCsr: return Action::kUpdateCsr;
    case RouteId::kDeleteCsr: return Action::kDeleteCsr;
    case RouteId::kShowCsrPrivateKey: return Action::kGetCsrPrivateKey;
    case RouteId::kUploadCsr: return Action::kUploadCsr;
    case RouteId::kListAuditEvents: return Action::kListAuditEvents;
    default: return std::nullopt;
  }
}

// Routes whose signatures are accepted once only (contract §2.2).
bool OneTimeSignature(RouteId id) {
  switch (id) {
    case RouteId::kShowCsrPrivateKey:
    case RouteId::kCreateCredential:
    case RouteId::kListCredentials:
    case RouteId::kShowCredential:
    case RouteId::kUpdateCredential:
    case RouteId::kDeleteCredential:
    case RouteId::kCreateSecurityToken: return true;
    default: return false;
  }
}

// Identity routes a temporary key's policy must also allow (contract §2.4:
// "a policy in the request is enforced"); roles do not govern these, the
// policy narrows what the key may do to its own account's credentials.
std::optional<std::string_view> IamActionName(RouteId id) {
  switch (id) {
    case RouteId::kListCredentials: return "iam:credentials:listCredentials";
    case RouteId::kShowCredential: return "iam:credentials:getCredential";
    case RouteId::kUpdateCredential: return "iam:credentials:updateCredential";
    case RouteId::kDeleteCredential: return "iam:credentials:deleteCredential";
    case RouteId::kCreateCredential: return "iam:credentials:createCredential";
    case RouteId::kValidateToken: return "iam:tokens:validateToken";
    case RouteId::kRevokeToken: return "iam:tokens:revokeToken";
    default: return std::nullopt;
  }
}

bool IsConsoleRoute(RouteId id) {
  return id == RouteId::kConsoleRedirect || id == RouteId::kConsoleIndex ||
         id == RouteId::kConsoleFile;
}

bool NeedsAuthentication(RouteId id) {
  switch (id) {
    case RouteId::kIssueToken:
    case RouteId::kCreateSecurityToken:  // authenticates itself (body token)
    case RouteId::kHealth:
    case RouteId::kReady:
    case RouteId::kMetrics:
    case RouteId::kOpenApi:
    case RouteId::kConsoleRedirect:
    case RouteId::kConsoleIndex:
    case RouteId::kConsoleFile:
    case RouteId::kNone: return false;
    default: return true;
  }
}

}  // namespace

App::App(AppDeps deps, AppConfig config, AccessLogger access_log)
    : deps_(deps),
      config_(config),
      access_log_(std::move(access_log)),
      csr_(std::make_unique<CsrHandlers>(deps_, config_)),
      auth_(std::make_unique<AuthHandlers>(deps_)),
      credentials_(std::make_unique<CredentialHandlers>(deps_)),
      discovery_(std::make_unique<DiscoveryHandlers>(deps_)),
      audit_(std::make_unique<AuditHandlers>(deps_)) {}

App::~App() = default;

std::optional<http::Response> App::Preflight(const http::Request& head) {
  // Unknown routes answer 404 before any size check (contract §2.1).
  if (MatchRoute(head.method, head.path).id != RouteId::kNone) return std::nullopt;
  const auto start = std::chrono::steady_clock::now();
  http::Response resp = RenderError(head.path, RouteNotFound(), head.request_id);
  Finish(head.path, resp);
  Record(head, RouteId::kNone, nullptr, std::nullopt, resp, start, 0);
  return resp;
}

http::Response App::Reject(http::Rejection why, std::string_view target,
                           std::string_view request_id) {
  std::string_view path = target.substr(0, target.find('?'));
  if (deps_.metrics) deps_.metrics->RecordRejected(why);
  ApiError err = InternalError();
  switch (why) {
    case http::Rejection::kHeadTooLarge: err = HeadTooLarge(); break;
    case http::Rejection::kBodyTooLarge: err = BodyTooLarge(); break;
    case http::Rejection::kBadRequest: err = MalformedRequest(); break;
    case http::Rejection::kOverloaded: err = TooManyRequests(); break;
  }
  http::Response resp = RenderError(path, err, request_id);
  Finish(path, resp);
  return resp;
}

http::Response App::Handle(http::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const size_t bytes_in = request.body.size();  // handlers may wipe the body
  Call call{request, MatchRoute(request.method, request.path), std::nullopt, std::nullopt};
  http::Response resp;
  try {
    resp = Dispatch(call);
  } catch (const std::exception&) {
    // A bug, or an allocation failure: never let it take the server down.
    resp = call.Fail(InternalError());
  }
  Finish(request.path, resp);
  Record(request, call.route.id, call.principal ? &*call.principal : nullptr, call.auth_failure,
         resp, start, bytes_in);
  return resp;
}

void App::Finish(std::string_view path, http::Response& resp) {
  // Every answer on a console path — its files, 304s and 404s, and errors that never reached the
  // console's handlers (unknown method or sub-path, a caught exception, a rejection) — carries
  // the console's security headers; added here only, so never twice.
  if (IsConsolePath(path)) AddConsoleSecurityHeaders(resp);
}

void App::Record(const http::Request& request, RouteId route,
                 const identity::Principal* principal,
                 std::optional<identity::AuthFailure> auth_failure, const http::Response& resp,
                 std::chrono::steady_clock::time_point start, size_t bytes_in) {
  const int64_t latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
  if (deps_.metrics) {
    deps_.metrics->RecordRequest(route, request.method, resp.status,
                                 static_cast<double>(latency_us) / 1e6);
    // Whoever refuses a caller says why (AuthenticateCall, the login and
    // temporary-key handlers); nothing is inferred from the status here.
    if (auth_failure) deps_.metrics->RecordAuthFailure(*auth_failure);
  }
  if (access_log_) {
    AccessRecord rec;
    rec.request_id = request.request_id;
    rec.method = request.method;
    rec.route = std::string(RouteTemplate(route));
    rec.remote_addr = request.remote_addr;
    if (principal) {
      rec.account_id = principal->account_id;
      rec.user_id = principal->user_id;
    }
    rec.status = resp.status;
    rec.latency_us = latency_us;
    rec.bytes_in = bytes_in;
    rec.bytes_out = resp.body.size();
    access_log_(rec);
  }
}

http::Response App::Dispatch(Call& call) {
  const RouteId id = call.route.id;
  if (id == RouteId::kNone) return call.Fail(RouteNotFound());

  if (id == RouteId::kHealth) {
    json::object o;
    o["status"] = "ok";
    return JsonResponse(200, o);
  }
  if (id == RouteId::kReady) {
    if (!deps_.store->Ping().ok()) return call.Fail(InternalError());
    json::object o;
    o["status"] = "ready";
    return JsonResponse(200, o);
  }
  if (id == RouteId::kOpenApi) {
    http::Response r;
    r.body = std::string(OpenApiDocument());
    r.SetHeader("Content-Type", "application/json");
    return r;
  }
  if (id == RouteId::kMetrics) {
    if (deps_.metrics == nullptr) return call.Fail(RouteNotFound());
    http::Response r;
    r.body = deps_.metrics->Render();
    r.SetHeader("Content-Type", std::string(metrics::kContentType));
    return r;
  }
  if (IsConsoleRoute(id)) return ServeConsole(call.route, call.req);
  if (id == RouteId::kIssueToken) return auth_->Issue(call);

  identity::AuthInput in;
  const auto& h = call.req.headers;
  in.authorization = h.Get("Authorization");
  in.auth_token = h.Get("X-Auth-Token");
  in.remote_addr = call.req.remote_addr;
  in.request_id = call.req.request_id;
  in.method = call.req.method;
  in.path = call.req.path;
  in.query = call.req.query;
  in.body = call.req.body;
  in.header = [&call](std::string_view name) { return call.req.headers.Get(name); };
  in.one_time = OneTimeSignature(id);
  if (id == RouteId::kCreateSecurityToken) return credentials_->CreateTemporary(call, in);

  if (NeedsAuthentication(id)) {
    if (auto err = AuthenticateCall(*deps_.authenticator, call, in)) return std::move(*err);
  }

  if (auto action = RequiredAction(id)) {
    if (!identity::IsAllowed(*call.principal, *action)) {
      call.auth_failure = identity::AuthFailure::kForbidden;
      return call.Fail(Forbidden(std::string("missing permission ") +
                                 std::string(identity::ActionName(*action))));
    }
  }

  if (auto iam_action = IamActionName(id); iam_action && call.principal->policy &&
                                           !identity::PolicyAllows(*call.principal->policy,
                                                                   *iam_action)) {
    call.auth_failure = identity::AuthFailure::kForbidden;
    return call.Fail(Forbidden(std::string("the key's policy does not allow ") +
                               std::string(*iam_action)));
  }

  switch (id) {
    case RouteId::kCreateCsr: return csr_->Create(call);
    case RouteId::kListCsr: return csr_->List(call);
    case RouteId::kShowCsr: return csr_->Show(call);
    case RouteId::kUpdateCsr: return csr_->Update(call);
    case RouteId::kDeleteCsr: return csr_->Delete(call);
    case RouteId::kShowCsrPrivateKey: return csr_->ShowPrivateKey(call);
    case RouteId::kUploadCsr: return csr_->Upload(call);
    case RouteId::kValidateToken: return auth_->Validate(call);
    case RouteId::kRevokeToken: return auth_->Revoke(call);
    case RouteId::kCreateCredential: return credentials_->Create(call);
    case RouteId::kListCredentials: return credentials_->List(call);
    case RouteId::kShowCredential: return credentials_->Show(call);
    case RouteId::kUpdateCredential: return credentials_->Update(call);
    case RouteId::kDeleteCredential: return credentials_->Delete(call);
    case RouteId::kListAuthDomains: return discovery_->ListAuthDomains(call);
    case RouteId::kListProjects: return discovery_->ListProjects(call);
    case RouteId::kCatalog: return discovery_->Catalog(call);
    case RouteId::kListAuditEvents: return audit_->List(call);
    default: return call.Fail(RouteNotFound());
  }
}

}  // namespace csrd::api
