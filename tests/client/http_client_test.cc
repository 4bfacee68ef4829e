#include "client/http_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "loopback_server.h"

namespace csrd::client {
namespace {

using testing::LocalEndpoint;
using testing::LoopbackServer;

http::Response Echo(const http::Request& req) {
  http::Response r;
  r.status = req.path == "/teapot" ? 418 : 200;
  r.SetHeader("X-Echo-Method", req.method);
  r.body = req.body.empty() ? "{}" : req.body;
  return r;
}

TEST(HttpClientTest, SendsTheRequestAsGivenAndReadsTheResponse) {
  LoopbackServer server(Echo);
  HttpClient client(server.endpoint(), {});
  HttpRequest req{"POST", "/v3/scm/csr?limit=10&name=a%20b", {{"Host", "h.example:1"}, {"X-One", "1"}},
                  R"({"name":"x"})"};
  auto resp = client.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, R"({"name":"x"})");
  EXPECT_EQ(resp->Header("x-echo-method").value_or(""), "POST");
  EXPECT_TRUE(resp->Header("X-Request-Id").has_value());
  EXPECT_FALSE(resp->Header("nope").has_value());

  auto seen = server.last();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->target, "/v3/scm/csr?limit=10&name=a%20b");
  EXPECT_EQ(seen->headers.Get("Host").value_or(""), "h.example:1");
  EXPECT_EQ(seen->headers.Get("X-One").value_or(""), "1");
  EXPECT_EQ(seen->headers.Get("Content-Length").value_or(""), "12");
}

TEST(HttpClientTest, ContentLengthLikeTheSdks) {
  LoopbackServer server(Echo);
  HttpClient client(server.endpoint(), {});
  // DELETE carries "Content-Length: 0"; GET none.
  auto resp = client.Send({"DELETE", "/x", {{"Host", "h"}}, ""});
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(server.last()->headers.Get("Content-Length").value_or("absent"), "0");
  resp = client.Send({"GET", "/x", {{"Host", "h"}}, ""});
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE(server.last()->headers.Get("Content-Length").has_value());
}

TEST(HttpClientTest, AnErrorStatusIsAResponseNotAFailure) {
  LoopbackServer server(Echo);
  HttpClient client(server.endpoint(), {});
  auto resp = client.Send({"GET", "/teapot", {{"Host", "h"}}, ""});
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 418);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailableAndSaysSo) {
  HttpClient client(LocalEndpoint(testing::ClosedPort()), {});
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(resp.status().IsUnavailable());
  EXPECT_NE(resp.status().message().find("connection refused"), std::string::npos)
      << resp.status().message();
}

TEST(HttpClientTest, ASilentServerTimesOut) {
  testing::SilentListener silent;
  HttpOptions opts;
  opts.timeout_ms = 300;
  HttpClient client(LocalEndpoint(silent.port()), opts);
  auto t0 = std::chrono::steady_clock::now();
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(resp.status().IsUnavailable());
  EXPECT_NE(resp.status().message().find("timed out after 0.3 s"), std::string::npos)
      << resp.status().message();
  EXPECT_NE(resp.status().message().find("waiting for the response"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(HttpClientTest, HttpsAgainstAPlainServerFailsTheHandshake) {
  LoopbackServer server(Echo);
  HttpClient client(LocalEndpoint(server.port(), /*tls=*/true), {});
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(resp.status().IsUnavailable());
  EXPECT_NE(resp.status().message().find("TLS handshake"), std::string::npos)
      << resp.status().message();
}

TEST(HttpClientTest, AnUnreadableCaFileIsAConfigurationError) {
  LoopbackServer server(Echo);
  HttpOptions opts;
  opts.ca_file = "/nonexistent/ca.pem";
  HttpClient client(LocalEndpoint(server.port(), /*tls=*/true), opts);
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(resp.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(HttpClientTest, AnOversizedResponseIsRefused) {
  LoopbackServer server([](const http::Request&) {
    http::Response r;
    r.body.assign(4096, 'x');
    return r;
  });
  HttpOptions opts;
  opts.max_body = 1024;
  HttpClient client(server.endpoint(), opts);
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.status().message().find("too large"), std::string::npos) << resp.status().message();
}

TEST(HttpClientTest, UnresolvableHost) {
  Endpoint ep;
  ep.tls = false;
  ep.host = "nonexistent.invalid";
  ep.port = 80;
  ep.authority = "nonexistent.invalid";
  HttpOptions opts;
  opts.timeout_ms = 5000;
  HttpClient client(ep, opts);
  auto resp = client.Send({"GET", "/", {{"Host", "h"}}, ""});
  ASSERT_FALSE(resp.ok());
  EXPECT_TRUE(resp.status().IsUnavailable());
  // Either the resolver says so, or (no DNS at all in a sandbox) it times out.
  std::string m = resp.status().message();
  EXPECT_TRUE(m.find("cannot resolve host 'nonexistent.invalid'") != std::string::npos ||
              m.find("timed out") != std::string::npos)
      << m;
}

}  // namespace
}  // namespace csrd::client
