// The App with real services (SQLite store wrapped in the MeteredStore,
// tokens, AK/SK, inline key generation) recording into ServiceMetrics, and
// GET /metrics rendering it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/app.h"
#include "api/service_metrics.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/metrics.h"
#include "crypto/key_pool.h"
#include "crypto/sealer.h"
#include "identity/account_admin.h"
#include "identity/aksk_verifier.h"
#include "identity/authenticator.h"
#include "identity/credential_service.h"
#include "identity/identity_test_util.h"
#include "identity/kdf_limiter.h"
#include "identity/login_service.h"
#include "identity/password_hasher.h"
#include "identity/token_service.h"
#include "store/metered_store.h"

namespace csrd::api {
namespace {

using identity::testing::CheapParams;
using identity::testing::OpenTestStore;
using identity::testing::TempDir;

class AppMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<store::MeteredStore>(OpenTestStore(dir_), &registry_);
    auto sealer = crypto::KeySealer::Create(Secret(RandomBytes(32)));
    ASSERT_TRUE(sealer.ok());
    sealer_ = std::make_unique<crypto::KeySealer>(std::move(sealer).value());
    tokens_ = std::make_unique<identity::TokenService>(store_.get(), &clock_);
    login_ = std::make_unique<identity::LoginService>(store_.get(), &clock_, &hasher_, &limiter_,
                                                      tokens_.get(), identity::LoginPolicy{});
    creds_ = std::make_unique<identity::CredentialService>(store_.get(), &clock_, sealer_.get());
    aksk_ = std::make_unique<identity::AkSkVerifier>(store_.get(), &clock_, creds_.get());
    auth_ = std::make_unique<identity::Authenticator>(tokens_.get(), aksk_.get());
    metrics_ = std::make_unique<ServiceMetrics>(&registry_);
    metrics_->WatchKeySource(&keys_);
    ASSERT_TRUE(registry_.status().ok()) << registry_.status().ToString();

    AppDeps deps;
    deps.store = store_.get();
    deps.clock = &clock_;
    deps.sealer = sealer_.get();
    deps.authenticator = auth_.get();
    deps.login = login_.get();
    deps.tokens = tokens_.get();
    deps.credentials = creds_.get();
    deps.keys = &keys_;
    deps.metrics = metrics_.get();
    app_ = std::make_unique<App>(deps, AppConfig{},
                                 [this](const AccessRecord& r) { access_.push_back(r); });

    identity::AccountAdmin admin(store_.get(), &clock_, &hasher_);
    auto acme = admin.CreateAccount("acme");
    ASSERT_TRUE(acme.ok());
    account_id_ = acme->id;
    auto alice = admin.CreateUser("acme", "alice", Secret(std::string("alice password")),
                                  store::kRoleScmFullAccess);
    ASSERT_TRUE(alice.ok());
    alice_ = *alice;
    auto rob = admin.CreateUser("acme", "rob", Secret(std::string("rob password")),
                                store::kRoleScmReadOnly);
    ASSERT_TRUE(rob.ok());
    alice_token_ = Token(*alice);
    rob_token_ = Token(*rob);
  }

  std::string Token(const store::User& u) {
    auto t = tokens_->Issue(u, "", "");
    EXPECT_TRUE(t.ok());
    return t.ok() ? t->token.str() : "";
  }

  http::Response Send(std::string method, std::string target, std::string token = "",
                      std::string body = "") {
    http::Request req;
    req.method = std::move(method);
    req.target = target;
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (!token.empty()) req.headers.Add("X-Auth-Token", token);
    if (!body.empty()) req.headers.Add("Content-Type", "application/json");
    req.body = std::move(body);
    req.remote_addr = "192.0.2.7";
    req.request_id = "0123456789abcdef0123456789abcdef";
    if (auto early = app_->Preflight(req)) return std::move(*early);
    return app_->Handle(req);
  }

  std::string Scrape() {
    http::Response r = Send("GET", "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }

  static bool Has(const std::string& body, const std::string& line) {
    return body.find(line + "\n") != std::string::npos;
  }

  TempDir dir_;
  metrics::Registry registry_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{1'700'000'000'000};
  identity::PasswordHasher hasher_{CheapParams()};
  identity::KdfLimiter limiter_{2};
  std::unique_ptr<crypto::KeySealer> sealer_;
  std::unique_ptr<identity::TokenService> tokens_;
  std::unique_ptr<identity::LoginService> login_;
  std::unique_ptr<identity::CredentialService> creds_;
  std::unique_ptr<identity::AkSkVerifier> aksk_;
  std::unique_ptr<identity::Authenticator> auth_;
  crypto::InlineKeySource keys_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<App> app_;
  std::vector<AccessRecord> access_;
  std::string account_id_;
  store::User alice_;
  std::string alice_token_, rob_token_;
};

constexpr char kCreateBody[] =
    R"({"name":"m","domain_name":"www.example.com","private_key_algo":"EC_P256","usage":"PERSONAL"})";

TEST_F(AppMetricsTest, MetricsRouteAnswersTextFormat) {
  http::Response r = Send("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Content-Type");
  EXPECT_EQ(r.headers[0].second, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* family :
       {"csrd_http_requests_total counter", "csrd_http_request_duration_seconds histogram",
        "csrd_csr_created_total counter", "csrd_private_key_exports_total counter",
        "csrd_key_pool_depth gauge", "csrd_key_pool_target gauge",
        "csrd_key_pool_generated_total counter", "csrd_key_pool_misses_total counter",
        "csrd_db_operation_duration_seconds histogram", "csrd_auth_failures_total counter",
        "csrd_http_rejected_total counter"}) {
    EXPECT_TRUE(Has(r.body, std::string("# TYPE ") + family)) << family;
  }
  EXPECT_TRUE(Has(r.body, "csrd_key_pool_depth{algorithm=\"RSA_4096\"} 0"));
  EXPECT_TRUE(Has(r.body, "csrd_private_key_exports_total 0"));
  EXPECT_TRUE(Has(r.body, "csrd_auth_failures_total{reason=\"bad_signature\"} 0"));
  EXPECT_TRUE(Has(r.body, "csrd_csr_created_total{algorithm=\"SM2\",source=\"uploaded\"} 0"));
}

TEST_F(AppMetricsTest, RequestsCountedByRouteTemplateMethodAndStatus) {
  http::Response created = Send("POST", "/v3/scm/csr", alice_token_, kCreateBody);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = boost::json::parse(created.body).at("id").as_string().c_str();
  EXPECT_EQ(Send("GET", "/v3/scm/csr/" + id, alice_token_).status, 200);
  EXPECT_EQ(Send("GET", "/v3/scm/csr/" + id + "/private-key", alice_token_).status, 200);
  EXPECT_EQ(Send("GET", "/v3/scm/csr/" + id + "/private-key", rob_token_).status, 403);
  EXPECT_EQ(Send("GET", "/v3/scm/csr").status, 401);
  EXPECT_EQ(Send("GET", "/v3/scm/csr", std::string(40, 'x')).status, 401);
  EXPECT_EQ(Send("GET", "/no/such/" + id).status, 404);
  EXPECT_EQ(Send("BREW", "/v3/scm/csr").status, 404);
  app_->Reject(http::Rejection::kBodyTooLarge, "/v3/scm/csr", "r");

  const std::string m = Scrape();
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="/v3/scm/csr",method="POST",status="201"} 1)")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="/v3/scm/csr/{id}",method="GET",status="200"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="/v3/scm/csr/{id}/private-key",method="GET",status="200"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="/v3/scm/csr/{id}/private-key",method="GET",status="403"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="/v3/scm/csr",method="GET",status="401"} 2)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="unmatched",method="GET",status="404"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_requests_total{route="unmatched",method="other",status="404"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_request_duration_seconds_count{route="/v3/scm/csr",method="POST"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_csr_created_total{algorithm="EC_P256",source="generated"} 1)"));
  EXPECT_TRUE(Has(m, "csrd_private_key_exports_total 1"));
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="missing"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="bad_token"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="forbidden"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_http_rejected_total{reason="body_too_large"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_key_pool_misses_total{algorithm="EC_P256"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="insert_csr"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="record_key_export"} 1)"));

  // No identifier of a caller or a resource ever becomes a label.
  for (const std::string& secretish :
       {id, account_id_, alice_.id, alice_token_, rob_token_, std::string("alice")}) {
    EXPECT_EQ(m.find(secretish), std::string::npos) << secretish;
  }
  // Scrapes are counted once answered: the second sees the first.
  EXPECT_TRUE(Has(Scrape(), R"(csrd_http_requests_total{route="/metrics",method="GET",status="200"} 1)"));
}

TEST_F(AppMetricsTest, DomainMismatchAndLoginFailures) {
  http::Request req;
  req.method = "GET";
  req.target = req.path = "/v3/scm/csr";
  req.headers.Add("X-Auth-Token", alice_token_);
  req.headers.Add("X-Domain-Id", std::string(32, 'f'));
  EXPECT_EQ(app_->Handle(req).status, 403);
  const std::string login =
      R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"acme"},"name":"alice","password":"wrong"}}}}})";
  EXPECT_EQ(Send("POST", "/v3/auth/tokens", "", login).status, 401);
  const std::string m = Scrape();
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="domain_mismatch"} 1)")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="bad_password"} 1)"));
  EXPECT_EQ(m.find("wrong"), std::string::npos);
}

// Each refusal is counted under the reason its refuser gave, not one guessed
// from the status: a login with the right password but another account's
// scope is a domain mismatch, a temporary key asked for with no token at all
// is missing credentials.
TEST_F(AppMetricsTest, LoginAndTemporaryKeyRefusalsCarryTheirReason) {
  const std::string login =
      R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"name":"acme"},"name":"alice","password":"alice password"}}},"scope":{"domain":{"name":"globex"}}}})";
  EXPECT_EQ(Send("POST", "/v3/auth/tokens", "", login).status, 401);
  EXPECT_EQ(Send("POST", "/v3.0/OS-CREDENTIAL/securitytokens", "", "{}").status, 401);
  const std::string m = Scrape();
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="domain_mismatch"} 1)")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="missing"} 1)")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="bad_password"} 0)")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_auth_failures_total{reason="other"} 0)")) << m;
}

// Answers that carry a private key or an SK are marked for the server to
// wipe once written; nothing else is (the fixture builds the whole App).
TEST_F(AppMetricsTest, SecretAnswersAreMarkedSensitive) {
  http::Response created = Send("POST", "/v3/scm/csr", alice_token_, kCreateBody);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.sensitive);
  const std::string id = boost::json::parse(created.body).at("id").as_string().c_str();
  http::Response key = Send("GET", "/v3/scm/csr/" + id + "/private-key", alice_token_);
  ASSERT_EQ(key.status, 200);
  EXPECT_TRUE(key.sensitive);
  EXPECT_FALSE(Send("GET", "/v3/scm/csr/" + id, alice_token_).sensitive);
  http::Response ak = Send("POST", "/v3.0/OS-CREDENTIAL/credentials", alice_token_,
                           R"({"credential":{"user_id":")" + alice_.id + R"("}})");
  ASSERT_EQ(ak.status, 201) << ak.body;
  EXPECT_TRUE(ak.sensitive);
  EXPECT_FALSE(boost::json::parse(ak.body).at("credential").at("secret").as_string().empty());
  http::Response temp = Send("POST", "/v3.0/OS-CREDENTIAL/securitytokens", alice_token_,
                             R"({"auth":{"identity":{"methods":["token"]}}})");
  ASSERT_EQ(temp.status, 201) << temp.body;
  EXPECT_TRUE(temp.sensitive);
  EXPECT_FALSE(Send("GET", "/v3.0/OS-CREDENTIAL/credentials", alice_token_).sensitive);
}

TEST_F(AppMetricsTest, AccessRecordsCarryTemplatesAndIdentity) {
  http::Response created = Send("POST", "/v3/scm/csr", alice_token_, kCreateBody);
  ASSERT_EQ(created.status, 201);
  Send("GET", "/nowhere?token=" + alice_token_);
  ASSERT_EQ(access_.size(), 2u);
  EXPECT_EQ(access_[0].route, "/v3/scm/csr");
  EXPECT_EQ(access_[0].method, "POST");
  EXPECT_EQ(access_[0].status, 201);
  EXPECT_EQ(access_[0].account_id, account_id_);
  EXPECT_EQ(access_[0].user_id, alice_.id);
  EXPECT_EQ(access_[0].bytes_in, std::string(kCreateBody).size());
  EXPECT_EQ(access_[0].bytes_out, created.body.size());
  EXPECT_EQ(access_[0].remote_addr, "192.0.2.7");
  // An unknown route is logged too (answered in Preflight), as "unmatched".
  EXPECT_EQ(access_[1].route, "unmatched");
  EXPECT_EQ(access_[1].status, 404);
  EXPECT_EQ(access_[1].account_id, "");
}

TEST(AppWithoutMetrics, MetricsRouteIs404) {
  AppDeps deps;  // /metrics touches nothing else
  App app(deps, AppConfig{});
  http::Request req;
  req.method = "GET";
  req.target = req.path = "/metrics";
  EXPECT_EQ(app.Handle(req).status, 404);
}

}  // namespace
}  // namespace csrd::api
