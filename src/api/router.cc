#include "api/router.h"

#include <vector>

namespace csrd::api {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

RouteMatch MatchRoute(std::string_view method, std::string_view raw_path) {
  // The web console's index is the one path with a trailing '/'.
  if (raw_path == "/console/") {
    return method == "GET" ? RouteMatch{RouteId::kConsoleIndex, ""} : RouteMatch{};
  }
  auto parts = SplitPath(raw_path);
  for (auto p : parts) {
    if (p.empty()) return {};  // "//", trailing "/": no route (contract §4)
  }
  auto is = [&](std::initializer_list<std::string_view> want) {
    if (parts.size() != want.size()) return false;
    size_t i = 0;
    for (auto w : want) {
      if (w != "*" && parts[i] != w) return false;
      ++i;
    }
    return true;
  };

  if (is({"v3", "scm", "csr"})) {
    if (method == "POST") return {RouteId::kCreateCsr, ""};
    if (method == "GET") return {RouteId::kListCsr, ""};
    return {};
  }
  if (is({"v3", "scm", "csr", "upload"}) && method == "POST") return {RouteId::kUploadCsr, ""};
  if (is({"v3", "scm", "csr", "*"})) {
    std::string id(parts[3]);
    if (method == "GET") return {RouteId::kShowCsr, id};
    if (method == "PUT") return {RouteId::kUpdateCsr, id};
    if (method == "DELETE") return {RouteId::kDeleteCsr, id};
    return {};
  }
  if (is({"v3", "scm", "csr", "*", "private-key"})) {
    if (method == "GET") return {RouteId::kShowCsrPrivateKey, std::string(parts[3])};
    return {};
  }
  if (is({"v3", "auth", "tokens"})) {
    if (method == "POST") return {RouteId::kIssueToken, ""};
    if (method == "GET") return {RouteId::kValidateToken, ""};
    if (method == "DELETE") return {RouteId::kRevokeToken, ""};
    return {};
  }
  if (is({"v3.0", "OS-CREDENTIAL", "credentials"})) {
    if (method == "POST") return {RouteId::kCreateCredential, ""};
    if (method == "GET") return {RouteId::kListCredentials, ""};
    return {};
  }
  if (is({"v3.0", "OS-CREDENTIAL", "credentials", "*"})) {
    std::string access(parts[3]);
    if (method == "GET") return {RouteId::kShowCredential, access};
    if (method == "PUT") return {RouteId::kUpdateCredential, access};
    if (method == "DELETE") return {RouteId::kDeleteCredential, access};
    return {};
  }
  if (is({"v3.0", "OS-CREDENTIAL", "securitytokens"}) && method == "POST") {
    return {RouteId::kCreateSecurityToken, ""};
  }
  if (is({"v3", "auth", "domains"}) && method == "GET") return {RouteId::kListAuthDomains, ""};
  if (is({"v3", "projects"}) && method == "GET") return {RouteId::kListProjects, ""};
  if (is({"v3", "auth", "catalog"}) && method == "GET") return {RouteId::kCatalog, ""};
  if (is({"health"}) && method == "GET") return {RouteId::kHealth, ""};
  if (is({"ready"}) && method == "GET") return {RouteId::kReady, ""};
  if (is({"metrics"}) && method == "GET") return {RouteId::kMetrics, ""};
  if (is({"openapi.json"}) && method == "GET") return {RouteId::kOpenApi, ""};
  if (is({"v3", "scm", "audit-events"}) && method == "GET") return {RouteId::kListAuditEvents, ""};
  if (is({"console"}) && method == "GET") return {RouteId::kConsoleRedirect, ""};
  if (is({"console", "*"}) && method == "GET") return {RouteId::kConsoleFile, std::string(parts[1])};
  return {};
}

std::string_view RouteTemplate(RouteId id) {
  switch (id) {
    case RouteId::kNone: return "unmatched";
    case RouteId::kCreateCsr:
    case RouteId::kListCsr: return "/v3/scm/csr";
    case RouteId::kShowCsr:
    case RouteId::kUpdateCsr:
    case RouteId::kDeleteCsr: return "/v3/scm/csr/{id}";
    case RouteId::kShowCsrPrivateKey: return "/v3/scm/csr/{id}/private-key";
    case RouteId::kUploadCsr: return "/v3/scm/csr/upload";
    case RouteId::kIssueToken:
    case RouteId::kValidateToken:
    case RouteId::kRevokeToken: return "/v3/auth/tokens";
    case RouteId::kHealth: return "/health";
    case RouteId::kReady: return "/ready";
    case RouteId::kCreateCredential:
    case RouteId::kListCredentials: return "/v3.0/OS-CREDENTIAL/credentials";
    case RouteId::kShowCredential:
    case RouteId::kUpdateCredential:
    case RouteId::kDeleteCredential: return "/v3.0/OS-CREDENTIAL/credentials/{access}";
    case RouteId::kCreateSecurityToken: return "/v3.0/OS-CREDENTIAL/securitytokens";
    case RouteId::kListAuthDomains: return "/v3/auth/domains";
    case RouteId::kListProjects: return "/v3/projects";
    case RouteId::kCatalog: return "/v3/auth/catalog";
    case RouteId::kListAuditEvents: return "/v3/scm/audit-events";
    case RouteId::kMetrics: return "/metrics";
    case RouteId::kOpenApi: return "/openapi.json";
    case RouteId::kConsoleRedirect: return "/console";
    case RouteId::kConsoleIndex: return "/console/";
    case RouteId::kConsoleFile: return "/console/{file}";
  }
  return "unmatched";
}

const std::vector<RouteInfo>& AllRoutes() {
  static const std::vector<RouteInfo> routes = [] {
    const std::pair<RouteId, std::string_view> all[] = {
        {RouteId::kCreateCsr, "POST"},        {RouteId::kListCsr, "GET"},
        {RouteId::kShowCsr, "GET"},           {RouteId::kUpdateCsr, "PUT"},
        {RouteId::kDeleteCsr, "DELETE"},      {RouteId::kShowCsrPrivateKey, "GET"},
        {RouteId::kUploadCsr, "POST"},        {RouteId::kIssueToken, "POST"},
        {RouteId::kValidateToken, "GET"},     {RouteId::kRevokeToken, "DELETE"},
        {RouteId::kHealth, "GET"},            {RouteId::kReady, "GET"},
        {RouteId::kCreateCredential, "POST"}, {RouteId::kListCredentials, "GET"},
        {RouteId::kShowCredential, "GET"},    {RouteId::kUpdateCredential, "PUT"},
        {RouteId::kDeleteCredential, "DELETE"}, {RouteId::kCreateSecurityToken, "POST"},
        {RouteId::kListAuthDomains, "GET"},   {RouteId::kListProjects, "GET"},
        {RouteId::kCatalog, "GET"},           {RouteId::kListAuditEvents, "GET"},
        {RouteId::kMetrics, "GET"},           {RouteId::kOpenApi, "GET"},
        {RouteId::kConsoleRedirect, "GET"},   {RouteId::kConsoleIndex, "GET"},
        {RouteId::kConsoleFile, "GET"},
    };
    std::vector<RouteInfo> v;
    for (const auto& [id, method] : all) v.push_back({id, method, RouteTemplate(id)});
    return v;
  }();
  return routes;
}

std::string_view OperationName(RouteId id) {
  switch (id) {
    case RouteId::kCreateCsr: return "CreateCsr";
    case RouteId::kListCsr: return "ListCsr";
    case RouteId::kShowCsr: return "ShowCsr";
    case RouteId::kUpdateCsr: return "UpdateCsr";
    case RouteId::kDeleteCsr: return "DeleteCsr";
    case RouteId::kShowCsrPrivateKey: return "ShowCsrPrivateKey";
    case RouteId::kUploadCsr: return "UploadCsr";
    case RouteId::kIssueToken: return "KeystoneCreateUserTokenByPassword";
    case RouteId::kValidateToken: return "KeystoneValidateToken";
    case RouteId::kRevokeToken: return "KeystoneRevokeToken";
    case RouteId::kCreateCredential: return "CreatePermanentAccessKey";
    case RouteId::kListCredentials: return "ListPermanentAccessKeys";
    case RouteId::kShowCredential: return "ShowPermanentAccessKey";
    case RouteId::kUpdateCredential: return "UpdatePermanentAccessKey";
    case RouteId::kDeleteCredential: return "DeletePermanentAccessKey";
    case RouteId::kCreateSecurityToken: return "CreateTemporaryAccessKeyByToken";
    case RouteId::kListAuthDomains: return "KeystoneListAuthDomains";
    case RouteId::kListProjects: return "KeystoneListProjects";
    case RouteId::kCatalog: return "KeystoneListCatalog";
    case RouteId::kListAuditEvents: return "ListAuditEvents";
    default: return "";
  }
}

}  // namespace csrd::api
