#include "client/api_client.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "identity/sdk_signature.h"
#include "loopback_server.h"

namespace csrd::client {
namespace {

constexpr std::string_view kAk = "CLIENTAK000000000001";
constexpr std::string_view kSk = "ClientSecretKey0123456789abcdefghijKLMNO";

TEST(ApiClientTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(PercentEncode("a b&c=d+é/~"), "a%20b%26c%3Dd%2B%C3%A9%2F~");
  EXPECT_EQ(PercentEncode("../x"), "..%2Fx");
}

TEST(ApiClientTest, EncodeQueryIsCanonicalLikeThePythonSdk) {
  // sdk-wire.md §4: sorted by name, encoded, as the Python SDK sends it.
  EXPECT_EQ(EncodeQuery({{"private_key_algo", "RSA_2048"}, {"offset", "0"}, {"name", "my csr/ü"},
                         {"limit", "10"}}),
            "limit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048");
  EXPECT_EQ(EncodeQuery({}), "");
}

struct Fixture {
  testing::LoopbackServer server{[](const http::Request& req) {
    http::Response r;
    r.body = "{}";
    auto header = req.headers.Get("Authorization");
    if (!header) return r;
    auto auth = identity::ParseSdkAuthorization(*header);
    identity::SignableRequest signable{req.method, req.path, req.query,
                                       [&req](std::string_view n) { return req.headers.Get(n); },
                                       req.body};
    if (!auth.ok() || !identity::VerifySignature(signable, *auth, kSk,
                                                 req.headers.Get("X-Sdk-Date").value_or(""))
                           .ok()) {
      r.status = 401;
    }
    return r;
  }};
  ManualClock clock{1764489600000};  // 2025-11-30T08:00:00Z
};

Credentials AkSk(std::string domain_id = "", std::string project_id = "") {
  Credentials c;
  c.kind = Credentials::Kind::kAkSk;
  c.access_key = std::string(kAk);
  c.secret_key = Secret(kSk);
  c.domain_id = std::move(domain_id);
  c.project_id = std::move(project_id);
  return c;
}

TEST(ApiClientTest, AkSkRequestsCarryWhatTheSdkSendsAndVerify) {
  Fixture f;
  ApiClient api(HttpClient(f.server.endpoint(), {}), AkSk("d0d0", "p0p0"), f.clock, "csrctl/test");
  auto resp = api.Call("GET", "/v3/scm/csr/" + PercentEncode("a b/c"),
                       {{"name", "my csr/ü"}, {"limit", "10"}}, "");
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  auto seen = f.server.last();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->target, "/v3/scm/csr/a%20b%2Fc?limit=10&name=my%20csr%2F%C3%BC");
  EXPECT_EQ(seen->headers.Get("Host").value_or(""), f.server.endpoint().authority);
  EXPECT_EQ(seen->headers.Get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(seen->headers.Get("X-Sdk-Date").value_or(""), "20251130T080000Z");
  EXPECT_EQ(seen->headers.Get("X-Domain-Id").value_or(""), "d0d0");
  EXPECT_EQ(seen->headers.Get("X-Project-Id").value_or(""), "p0p0");
  EXPECT_EQ(seen->headers.Get("User-Agent").value_or(""), "csrctl/test");
  EXPECT_FALSE(seen->headers.Get("X-Auth-Token").has_value());
  std::string auth(seen->headers.Get("Authorization").value_or(""));
  EXPECT_EQ(auth.rfind("SDK-HMAC-SHA256 Access=CLIENTAK000000000001, SignedHeaders=content-type;"
                       "host;user-agent;x-domain-id;x-project-id;x-sdk-date, Signature=", 0),
            0u)
      << auth;

  // A body is signed too.
  resp = api.Call("POST", "/v3/scm/csr", {}, R"({"name": "x"})");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(f.server.last()->body, R"({"name": "x"})");
}

TEST(ApiClientTest, AWrongSkIsRefusedByTheVerifier) {
  Fixture f;
  Credentials c = AkSk();
  c.secret_key = Secret(std::string_view("WrongSecretKey0123456789abcdefghijKLMNOP"));
  ApiClient api(HttpClient(f.server.endpoint(), {}), std::move(c), f.clock, "csrctl/test");
  auto resp = api.Call("GET", "/v3/scm/csr", {}, "");
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 401);
}

TEST(ApiClientTest, TokenAndAnonymousRequests) {
  Fixture f;
  Credentials c;
  c.kind = Credentials::Kind::kToken;
  c.token = Secret(std::string_view("tok-0123456789abcdef0123456789abcdef"));
  ApiClient api(HttpClient(f.server.endpoint(), {}), std::move(c), f.clock, "csrctl/test");
  ASSERT_TRUE(api.Call("GET", "/v3/scm/csr", {}, "").ok());
  auto seen = f.server.last();
  EXPECT_EQ(seen->headers.Get("X-Auth-Token").value_or(""), "tok-0123456789abcdef0123456789abcdef");
  EXPECT_FALSE(seen->headers.Get("Authorization").has_value());
  EXPECT_FALSE(seen->headers.Get("X-Sdk-Date").has_value());

  ASSERT_TRUE(api.Call("POST", "/v3/auth/tokens", {}, "{}", ApiClient::Auth::kAnonymous,
                       {{"X-Extra", "1"}})
                  .ok());
  seen = f.server.last();
  EXPECT_FALSE(seen->headers.Get("X-Auth-Token").has_value());
  EXPECT_FALSE(seen->headers.Get("Authorization").has_value());
  EXPECT_EQ(seen->headers.Get("X-Extra").value_or(""), "1");
}

TEST(ApiClientTest, NoCredentialsIsRefusedBeforeSending) {
  Fixture f;
  ApiClient api(HttpClient(f.server.endpoint(), {}), Credentials{}, f.clock, "csrctl/test");
  auto resp = api.Call("GET", "/v3/scm/csr", {}, "");
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_FALSE(f.server.last().has_value());
}

}  // namespace
}  // namespace csrd::client
