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
  if (is({"health"}) && method == "GET") return {RouteId::kHealth, ""};
  if (is({"ready"}) && method == "GET") return {RouteId::kReady, ""};
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
  }
  return "unmatched";
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
    default: return "";
  }
}

}  // namespace csrd::api
