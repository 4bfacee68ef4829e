#include "client/request_signer.h"

#include <gtest/gtest.h>

#include "http/message.h"
#include "identity/sdk_signature.h"
#include "loopback_server.h"

namespace csrd::client {
namespace {

constexpr std::string_view kAk = "EXAMPLEAK0123456789AB";
constexpr std::string_view kSk = "ExampleSecretKey0123456789abcdefghijKLMN";
constexpr int64_t k20250101T120000Z = 1735732800000;

// What the server's verifier does with a request as it arrived.
Status VerifyAsServer(const http::Request& req, std::string_view sk) {
  auto auth_header = req.headers.Get("Authorization");
  if (!auth_header) return Status::Unauthenticated("no Authorization");
  auto auth = identity::ParseSdkAuthorization(*auth_header);
  if (!auth.ok()) return auth.status();
  auto date = req.headers.Get("X-Sdk-Date");
  if (!date) return Status::Unauthenticated("no X-Sdk-Date");
  identity::SignableRequest signable{
      req.method, req.path, req.query,
      [&req](std::string_view n) { return req.headers.Get(n); }, req.body};
  return identity::VerifySignature(signable, *auth, sk, *date);
}

TEST(RequestSignerTest, ReproducesTheSpecsWorkedExampleA) {
  // sdk-wire.md §6.4 example A, signed through the client's glue.
  HttpRequest req{"POST", "/v3/scm/csr",
                  {{"Content-Type", "application/json"},
                   {"Host", "scm.example.internal:8443"},
                   {"User-Agent", "huaweicloud-usdk-python/3.0; example-agent"},
                   {"X-Domain-Id", "0123456789abcdef0123456789abcdef"}},
                  R"({"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"})"};
  ASSERT_TRUE(SignRequestInPlace(req, kAk, kSk, k20250101T120000Z).ok());
  ASSERT_EQ(req.headers.size(), 6u);
  EXPECT_EQ(req.headers[4], (std::pair<std::string, std::string>("X-Sdk-Date", "20250101T120000Z")));
  EXPECT_EQ(req.headers[5].first, "Authorization");
  EXPECT_EQ(req.headers[5].second,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, "
            "SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, "
            "Signature=15dbd3c79d35677ff5fa44e234f9aa829246d8f9381037f1d3f8e0b76c7887e5");
}

TEST(RequestSignerTest, WhatItSendsIsWhatTheServerVerifies) {
  testing::LoopbackServer server([](const http::Request& req) {
    http::Response r;
    Status st = VerifyAsServer(req, kSk);
    r.status = st.ok() ? 200 : 401;
    r.body = st.ok() ? "{}" : st.message();
    return r;
  });
  HttpClient client(server.endpoint(), {});
  // An awkward query and path, a body on a GET: all hashed as received.
  HttpRequest req{"GET", "/v3/scm/csr/a%20b%2Fc?name=my%20csr%2F%C3%BC&limit=10&offset=0",
                  {{"Host", server.endpoint().authority},
                   {"Content-Type", "application/json"},
                   {"X-Project-Id", "p1"}},
                  "ignored body"};
  ASSERT_TRUE(SignRequestInPlace(req, kAk, kSk, 1764489600000).ok());
  // Sent after signing: not signed, and must not break verification.
  req.headers.emplace_back("User-Agent", "csrctl/test");
  // The server checks the date window; this test is about the signature.
  auto resp = client.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200) << resp->body;

  // The same request with another SK, or a changed body, does not verify.
  auto seen = server.last();
  ASSERT_TRUE(seen);
  EXPECT_NE(seen->headers.Get("Authorization")->find(
                "SignedHeaders=content-type;host;x-project-id;x-sdk-date,"),
            std::string_view::npos);
  EXPECT_TRUE(VerifyAsServer(*seen, kSk).ok());
  EXPECT_FALSE(VerifyAsServer(*seen, "AnotherSecretKey0123456789abcdefghijKLMN").ok());
  http::Request tampered = *seen;
  tampered.body = "other body";
  EXPECT_FALSE(VerifyAsServer(tampered, kSk).ok());
}

TEST(RequestSignerTest, RefusesBadInputWithoutLeakingTheSk) {
  HttpRequest req{"GET", "/x", {{"Host", "h"}}, ""};
  Status st = SignRequestInPlace(req, "bad ak!", kSk, 0);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(st.message().find(kSk), std::string::npos);
  EXPECT_EQ(req.headers.size(), 1u) << "a failed signing leaves the request as it was";

  HttpRequest dated{"GET", "/x", {{"Host", "h"}, {"x-sdk-date", "20250101T120000Z"}}, ""};
  EXPECT_TRUE(SignRequestInPlace(dated, kAk, kSk, 0).IsInvalidArgument());
  HttpRequest authed{"GET", "/x", {{"Authorization", "x"}}, ""};
  EXPECT_TRUE(SignRequestInPlace(authed, kAk, kSk, 0).IsInvalidArgument());
  HttpRequest bad_escape{"GET", "/x%zz", {{"Host", "h"}}, ""};
  EXPECT_TRUE(SignRequestInPlace(bad_escape, kAk, kSk, 0).IsInvalidArgument());
}

}  // namespace
}  // namespace csrd::client
