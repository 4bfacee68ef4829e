// Route matching: which operation a (method, raw path) names, per contract §1.
//
// Matching works on the raw path split on '/', so a percent-encoded '/' inside
// an id stays inside its segment (contract §4: "never re-split"). A trailing
// '/' or an empty segment matches nothing (404), except "/console/", the web
// console's index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csrd::api {

enum class RouteId {
  kNone,
  kCreateCsr,
  kListCsr,
  kShowCsr,
  kUpdateCsr,
  kDeleteCsr,
  kShowCsrPrivateKey,
  kUploadCsr,
  kIssueToken,
  kValidateToken,
  kRevokeToken,
  kHealth,
  kReady,
  kCreateCredential,
  kListCredentials,
  kShowCredential,
  kUpdateCredential,
  kDeleteCredential,
  kCreateSecurityToken,
  kListAuthDomains,
  kListProjects,
  kCatalog,
  kListAuditEvents,
  kMetrics,
  kOpenApi,
  kConsoleRedirect,  // GET /console -> 301 to /console/
  kConsoleIndex,     // GET /console/
  kConsoleFile,      // GET /console/{file}; raw_id holds the raw file segment
};

struct RouteMatch {
  RouteId id = RouteId::kNone;
  std::string raw_id;  // the raw {id} / {access} / {file} segment (still percent-encoded), if any
};

RouteMatch MatchRoute(std::string_view method, std::string_view raw_path);

// The path template for logs and metrics, e.g. "/v3/scm/csr/{id}".
std::string_view RouteTemplate(RouteId id);

// Every (method, route) the server answers, in a fixed order; the OpenAPI
// document is checked against this list.
struct RouteInfo {
  RouteId id;
  std::string_view method;
  std::string_view path_template;
};
const std::vector<RouteInfo>& AllRoutes();

// The Huawei operation name, e.g. "CreateCsr"; "" for non-API routes.
std::string_view OperationName(RouteId id);

}  // namespace csrd::api
