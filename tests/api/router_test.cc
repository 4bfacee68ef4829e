#include "api/router.h"

#include <gtest/gtest.h>

namespace csrd::api {
namespace {

TEST(RouterTest, CsrCollection) {
  EXPECT_EQ(MatchRoute("POST", "/v3/scm/csr").id, RouteId::kCreateCsr);
  EXPECT_EQ(MatchRoute("GET", "/v3/scm/csr").id, RouteId::kListCsr);
  EXPECT_EQ(MatchRoute("PUT", "/v3/scm/csr").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("DELETE", "/v3/scm/csr").id, RouteId::kNone);
}

TEST(RouterTest, CsrItemRoutesCarryTheRawId) {
  auto m = MatchRoute("GET", "/v3/scm/csr/abc%2Fdef");
  EXPECT_EQ(m.id, RouteId::kShowCsr);
  EXPECT_EQ(m.raw_id, "abc%2Fdef");  // decoded later, never re-split
  EXPECT_EQ(MatchRoute("PUT", "/v3/scm/csr/x").id, RouteId::kUpdateCsr);
  EXPECT_EQ(MatchRoute("DELETE", "/v3/scm/csr/x").id, RouteId::kDeleteCsr);
  EXPECT_EQ(MatchRoute("POST", "/v3/scm/csr/x").id, RouteId::kNone);
  auto pk = MatchRoute("GET", "/v3/scm/csr/0123/private-key");
  EXPECT_EQ(pk.id, RouteId::kShowCsrPrivateKey);
  EXPECT_EQ(pk.raw_id, "0123");
  EXPECT_EQ(MatchRoute("DELETE", "/v3/scm/csr/0123/private-key").id, RouteId::kNone);
}

TEST(RouterTest, UploadIsOnlyPost) {
  EXPECT_EQ(MatchRoute("POST", "/v3/scm/csr/upload").id, RouteId::kUploadCsr);
  // GET of ".../upload" is ShowCsr with id "upload" (which then fails the id rule).
  EXPECT_EQ(MatchRoute("GET", "/v3/scm/csr/upload").id, RouteId::kShowCsr);
}

TEST(RouterTest, TrailingSlashAndEmptySegmentsMatchNothing) {
  EXPECT_EQ(MatchRoute("GET", "/v3/scm/csr/").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/v3/scm//csr").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/v3/scm/csr/abc/").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "//v3/scm/csr").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "v3/scm/csr").id, RouteId::kNone);
}

TEST(RouterTest, TokensAndOps) {
  EXPECT_EQ(MatchRoute("POST", "/v3/auth/tokens").id, RouteId::kIssueToken);
  EXPECT_EQ(MatchRoute("GET", "/v3/auth/tokens").id, RouteId::kValidateToken);
  EXPECT_EQ(MatchRoute("DELETE", "/v3/auth/tokens").id, RouteId::kRevokeToken);
  EXPECT_EQ(MatchRoute("PUT", "/v3/auth/tokens").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/health").id, RouteId::kHealth);
  EXPECT_EQ(MatchRoute("GET", "/ready").id, RouteId::kReady);
  EXPECT_EQ(MatchRoute("POST", "/health").id, RouteId::kNone);
}

TEST(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(MatchRoute("get", "/v3/scm/csr").id, RouteId::kNone);
}

TEST(RouterTest, TemplatesNeverContainIds) {
  EXPECT_EQ(RouteTemplate(RouteId::kShowCsr), "/v3/scm/csr/{id}");
  EXPECT_EQ(RouteTemplate(RouteId::kShowCsrPrivateKey), "/v3/scm/csr/{id}/private-key");
  EXPECT_EQ(RouteTemplate(RouteId::kNone), "unmatched");
  EXPECT_EQ(OperationName(RouteId::kUploadCsr), "UploadCsr");
}

}  // namespace
}  // namespace csrd::api

namespace csrd::api {
namespace {

TEST(RouterTest, IdentityRoutes) {
  EXPECT_EQ(MatchRoute("POST", "/v3.0/OS-CREDENTIAL/credentials").id, RouteId::kCreateCredential);
  EXPECT_EQ(MatchRoute("GET", "/v3.0/OS-CREDENTIAL/credentials").id, RouteId::kListCredentials);
  auto show = MatchRoute("GET", "/v3.0/OS-CREDENTIAL/credentials/ABC123");
  EXPECT_EQ(show.id, RouteId::kShowCredential);
  EXPECT_EQ(show.raw_id, "ABC123");
  EXPECT_EQ(MatchRoute("PUT", "/v3.0/OS-CREDENTIAL/credentials/A").id, RouteId::kUpdateCredential);
  EXPECT_EQ(MatchRoute("DELETE", "/v3.0/OS-CREDENTIAL/credentials/A").id,
            RouteId::kDeleteCredential);
  EXPECT_EQ(MatchRoute("POST", "/v3.0/OS-CREDENTIAL/credentials/A").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("POST", "/v3.0/OS-CREDENTIAL/securitytokens").id,
            RouteId::kCreateSecurityToken);
  EXPECT_EQ(MatchRoute("GET", "/v3.0/OS-CREDENTIAL/securitytokens").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/v3/auth/domains").id, RouteId::kListAuthDomains);
  EXPECT_EQ(MatchRoute("GET", "/v3/projects").id, RouteId::kListProjects);
  EXPECT_EQ(MatchRoute("GET", "/v3/auth/catalog").id, RouteId::kCatalog);
  EXPECT_EQ(MatchRoute("GET", "/v3/auth/domains/").id, RouteId::kNone);
}

TEST(RouterTest, EveryListedRouteMatchesItself) {
  size_t n = 0;
  for (const RouteInfo& r : AllRoutes()) {
    std::string path(r.path_template);
    for (std::string_view param : {"{id}", "{access}", "{file}"}) {
      if (auto at = path.find(param); at != std::string::npos) path.replace(at, param.size(), "abc");
    }
    EXPECT_EQ(MatchRoute(r.method, path).id, r.id) << r.method << " " << path;
    ++n;
  }
  EXPECT_EQ(n, 27u);
  EXPECT_EQ(MatchRoute("GET", "/v3/scm/audit-events").id, RouteId::kListAuditEvents);
  EXPECT_EQ(MatchRoute("POST", "/metrics").id, RouteId::kNone);
}

}  // namespace
}  // namespace csrd::api

namespace csrd::api {
namespace {

TEST(RouterTest, ConsoleRoutes) {
  EXPECT_EQ(MatchRoute("GET", "/console").id, RouteId::kConsoleRedirect);
  EXPECT_EQ(MatchRoute("GET", "/console/").id, RouteId::kConsoleIndex);
  auto file = MatchRoute("GET", "/console/app.js");
  EXPECT_EQ(file.id, RouteId::kConsoleFile);
  EXPECT_EQ(file.raw_id, "app.js");
  EXPECT_EQ(MatchRoute("GET", "/console/a%2Fb.js").raw_id, "a%2Fb.js");  // never re-split
  // GET only; no sub-folders; other empty segments stay 404.
  EXPECT_EQ(MatchRoute("POST", "/console/").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("HEAD", "/console/app.js").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("DELETE", "/console").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/console/a/b.js").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/console//").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/console/app.js/").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "//console/").id, RouteId::kNone);
  EXPECT_EQ(MatchRoute("GET", "/consoles/").id, RouteId::kNone);
  EXPECT_EQ(RouteTemplate(RouteId::kConsoleFile), "/console/{file}");
  EXPECT_EQ(OperationName(RouteId::kConsoleIndex), "");
}

}  // namespace
}  // namespace csrd::api
