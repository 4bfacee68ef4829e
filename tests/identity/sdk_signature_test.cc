#include "identity/sdk_signature.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/encoding.h"

namespace csrd::identity {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// sdk-wire.md §6.4, inputs common to the three worked examples.
constexpr std::string_view kAk = "EXAMPLEAK0123456789AB";
constexpr std::string_view kSk = "ExampleSecretKey0123456789abcdefghijKLMN";
constexpr std::string_view kDate = "20250101T120000Z";
constexpr std::string_view kBodyA =
    R"({"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"})";
constexpr std::string_view kWireQueryB = "limit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048";
constexpr std::string_view kSigA = "15dbd3c79d35677ff5fa44e234f9aa829246d8f9381037f1d3f8e0b76c7887e5";
constexpr std::string_view kSigB = "527a2c18f08deb71a6875d009d99ae0fc08c4ffc56110d1f0e12e975b6693e82";
constexpr std::string_view kSigC = "b1575308a89ae27ca368a3a1a1eb1afd3c9ff8e2b985d4df4d33f7a7452e4492";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A received request: headers as they arrived (any case, duplicates allowed).
struct Wire {
  std::string method;
  std::string path;
  std::string query;
  HeaderList headers;
  std::string body;

  SignableRequest Signable() const {
    return SignableRequest{method, path, query,
                           [this](std::string_view n) -> std::optional<std::string_view> {
                             for (const auto& [k, v] : headers) {
                               if (EqualsIgnoreCase(k, n)) return std::string_view(v);
                             }
                             return std::nullopt;
                           },
                           body};
  }
};

HeaderList ExampleHeaders(bool domain_id) {
  HeaderList h = {{"Content-Type", "application/json"},
                  {"User-Agent", "huaweicloud-usdk-python/3.0; example-agent"},
                  {"X-Sdk-Date", std::string(kDate)},
                  {"Host", "scm.example.internal:8443"}};
  if (domain_id) h.emplace_back("X-Domain-Id", "0123456789abcdef0123456789abcdef");
  return h;
}

Wire ExampleA() { return Wire{"POST", "/v3/scm/csr", "", ExampleHeaders(true), std::string(kBodyA)}; }

// Signs w with SignRequest and returns the Authorization value (test fails on error).
std::string Sign(const Wire& w, std::string_view sk = kSk) {
  auto auth = SignRequest(kAk, sk, w.method, w.path, w.query, w.headers, w.body);
  EXPECT_TRUE(auth.ok()) << auth.status().ToString();
  return auth.ok() ? auth.value() : std::string();
}

Status Verify(const Wire& w, const std::string& authorization, std::string_view sk = kSk,
              std::string_view date = kDate) {
  auto parsed = ParseSdkAuthorization(authorization);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return parsed.status();
  return VerifySignature(w.Signable(), parsed.value(), sk, date);
}

std::string SignatureOf(const std::string& authorization) {
  auto parsed = ParseSdkAuthorization(authorization);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->signature : std::string();
}

// ---- §6.4 worked examples, byte for byte ----

TEST(SdkSignatureTest, ExampleACreate) {
  ASSERT_EQ(kBodyA.size(), 103u);
  Wire w = ExampleA();
  std::vector<std::string> signed_headers = {"content-type", "host", "user-agent", "x-domain-id",
                                             "x-sdk-date"};
  auto canonical = CanonicalRequest(w.Signable(), signed_headers, PayloadHash(w.body));
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(canonical.value(),
            "POST\n"
            "/v3/scm/csr/\n"
            "\n"
            "content-type:application/json\n"
            "host:scm.example.internal:8443\n"
            "user-agent:huaweicloud-usdk-python/3.0; example-agent\n"
            "x-domain-id:0123456789abcdef0123456789abcdef\n"
            "x-sdk-date:20250101T120000Z\n"
            "\n"
            "content-type;host;user-agent;x-domain-id;x-sdk-date\n"
            "6e8bc4f5b690f0ed4c36960eafa59b595b4fa1f3ae18f5d14dda50ebd6f7e096");
  std::string sts = StringToSign(kDate, canonical.value());
  EXPECT_EQ(sts,
            "SDK-HMAC-SHA256\n20250101T120000Z\n"
            "0890508fcc5738b829dc792a55e27caa3416d595b6278d000719260e1b0602f2");
  EXPECT_EQ(ComputeSignature(kSk, sts), kSigA);

  std::string auth = Sign(w);
  EXPECT_EQ(auth,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, "
            "SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date, "
            "Signature=15dbd3c79d35677ff5fa44e234f9aa829246d8f9381037f1d3f8e0b76c7887e5");
  EXPECT_TRUE(Verify(w, auth).ok());
}

TEST(SdkSignatureTest, ExampleBListWithAwkwardName) {
  auto query = CanonicalQuery(kWireQueryB);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query.value(), "limit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048");

  Wire w{"GET", "/v3/scm/csr", std::string(kWireQueryB), ExampleHeaders(false), ""};
  auto canonical = CanonicalRequest(w.Signable(), {"content-type", "host", "user-agent", "x-sdk-date"},
                                    PayloadHash(w.body));
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(canonical.value(),
            "GET\n"
            "/v3/scm/csr/\n"
            "limit=10&name=my%20csr%2F%C3%BC&offset=0&private_key_algo=RSA_2048\n"
            "content-type:application/json\n"
            "host:scm.example.internal:8443\n"
            "user-agent:huaweicloud-usdk-python/3.0; example-agent\n"
            "x-sdk-date:20250101T120000Z\n"
            "\n"
            "content-type;host;user-agent;x-sdk-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts = StringToSign(kDate, canonical.value());
  EXPECT_EQ(sts.substr(sts.rfind('\n') + 1),
            "0c5fe99477777b11012c9642d090dabc6dc666e0a6486e3d6d5ff51c550bc8e4");
  EXPECT_EQ(ComputeSignature(kSk, sts), kSigB);
  std::string auth = Sign(w);
  EXPECT_EQ(auth,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, "
            "SignedHeaders=content-type;host;user-agent;x-sdk-date, Signature=" +
                std::string(kSigB));
  EXPECT_TRUE(Verify(w, auth).ok());
}

TEST(SdkSignatureTest, ExampleCPrivateKeyWithSecurityToken) {
  HeaderList h = ExampleHeaders(true);
  h.emplace_back("X-Security-Token", "example-sts-token");
  Wire w{"GET", "/v3/scm/csr/csr-0001/private-key", "", h, ""};
  EXPECT_EQ(CanonicalUri(w.path).value(), "/v3/scm/csr/csr-0001/private-key/");
  std::vector<std::string> signed_headers = {"content-type", "host",       "user-agent",
                                             "x-domain-id",  "x-sdk-date", "x-security-token"};
  auto canonical = CanonicalRequest(w.Signable(), signed_headers, PayloadHash(""));
  ASSERT_TRUE(canonical.ok());
  std::string sts = StringToSign(kDate, canonical.value());
  EXPECT_EQ(sts.substr(sts.rfind('\n') + 1),
            "3b8690d909def2ed5ab7908063202a17840bb3f0fbc956dc18992ef5de9d337a");
  EXPECT_EQ(ComputeSignature(kSk, sts), kSigC);
  std::string auth = Sign(w);
  EXPECT_EQ(auth,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, "
            "SignedHeaders=content-type;host;user-agent;x-domain-id;x-sdk-date;x-security-token, "
            "Signature=" + std::string(kSigC));
  EXPECT_TRUE(Verify(w, auth).ok());
}

// The Node.js core sends the query in the caller's order and sorts only for signing.
TEST(SdkSignatureTest, NodeStyleUnsortedQuerySignsLikeSorted) {
  Wire w{"GET", "/v3/scm/csr", "limit=10&offset=0&name=my%20csr%2F%C3%BC&private_key_algo=RSA_2048",
         ExampleHeaders(false), ""};
  // A Python-SDK signature over the sorted wire form verifies against the unsorted one.
  std::string python_auth =
      "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, "
      "SignedHeaders=content-type;host;user-agent;x-sdk-date, Signature=" + std::string(kSigB);
  EXPECT_TRUE(Verify(w, python_auth).ok());
  EXPECT_EQ(SignatureOf(Sign(w)), kSigB);
  // Node encodes with encodeURIComponent; lower-case hex decodes to the same bytes.
  w.query = "private_key_algo=RSA_2048&name=my%20csr%2f%c3%bc&offset=0&limit=10";
  EXPECT_TRUE(Verify(w, python_auth).ok());
}

TEST(SdkSignatureTest, SignThenVerifyRoundTrip) {
  Wire w{"PUT", "/v3/scm/csr/a%20b%2Fc%3Fd%25e%2B%C3%BC", "x=1&y=%E2%82%AC",
         ExampleHeaders(true), R"({"name": "renamed"})"};
  std::string auth = Sign(w);
  EXPECT_TRUE(Verify(w, auth).ok());
  // The same request arriving with extra unsigned headers, other name case and
  // padded values still verifies.
  Wire received = w;
  received.headers = {{"Accept", "*/*"},
                      {"HOST", "  scm.example.internal:8443\t"},
                      {"content-type", "application/json"},
                      {"Connection", "keep-alive"},
                      {"user-agent", "huaweicloud-usdk-python/3.0; example-agent"},
                      {"x-domain-id", "0123456789abcdef0123456789abcdef"},
                      {"X-SDK-DATE", std::string(kDate)},
                      {"Content-Length", "19"}};
  EXPECT_TRUE(Verify(received, auth).ok());
}

// ---- tampering ----

TEST(SdkSignatureTest, TamperedRequestsFail) {
  Wire w = ExampleA();
  std::string auth = Sign(w);
  ASSERT_TRUE(Verify(w, auth).ok());

  auto expect_mismatch = [&](const Wire& changed, std::string_view sk, std::string_view date,
                             const char* what) {
    Status s = Verify(changed, auth, sk, date);
    EXPECT_TRUE(s.IsUnauthenticated()) << what << ": " << s.ToString();
    EXPECT_EQ(s.message(), "verify aksk signature fail") << what;
  };
  Wire body = w;
  body.body.back() = ' ';
  expect_mismatch(body, kSk, kDate, "body");
  Wire no_body = w;
  no_body.body.clear();
  expect_mismatch(no_body, kSk, kDate, "body dropped");
  expect_mismatch(w, "ExampleSecretKey0123456789abcdefghijKLMn", kDate, "secret key");
  expect_mismatch(w, kSk, "20250101T120001Z", "date");
  Wire header = w;
  header.headers[0].second = "application/json;charset=UTF-8";
  expect_mismatch(header, kSk, kDate, "signed header value");
  Wire path = w;
  path.path = "/v3/scm/csr/upload";
  expect_mismatch(path, kSk, kDate, "path");
  Wire query = w;
  query.query = "a=1";
  expect_mismatch(query, kSk, kDate, "query");
  Wire method = w;
  method.method = "PUT";
  expect_mismatch(method, kSk, kDate, "method");

  // The signature covers no AK: binding AK to SK is the key lookup's job.
  auto parsed = ParseSdkAuthorization(auth);
  ASSERT_TRUE(parsed.ok());
  parsed->access = "SOMEOTHERAK";
  EXPECT_TRUE(VerifySignature(w.Signable(), parsed.value(), kSk, kDate).ok());
  // Dropping a name from SignedHeaders changes the canonical request.
  parsed->signed_headers.erase(parsed->signed_headers.begin() + 2);  // user-agent
  EXPECT_TRUE(VerifySignature(w.Signable(), parsed.value(), kSk, kDate).IsUnauthenticated());
}

TEST(SdkSignatureTest, MissingSignedHeaderFails) {
  Wire w = ExampleA();
  std::string auth = Sign(w);
  Wire missing = w;
  missing.headers.erase(missing.headers.begin() + 4);  // X-Domain-Id
  auto canonical = CanonicalRequest(missing.Signable(), {"host", "x-domain-id"}, kEmptyBodySha256);
  ASSERT_TRUE(canonical.status().IsInvalidArgument());
  EXPECT_NE(canonical.status().message().find("x-domain-id"), std::string::npos);
  Status s = Verify(missing, auth);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  // No lookup at all behaves like an empty header set.
  SignableRequest bare{"GET", "/", "", nullptr, ""};
  EXPECT_TRUE(CanonicalRequest(bare, {"host"}, kEmptyBodySha256).status().IsInvalidArgument());
}

// ---- pieces ----

TEST(SdkSignatureTest, PayloadHash) {
  EXPECT_EQ(PayloadHash(""), kEmptyBodySha256);
  EXPECT_EQ(Sha256Hex(""), kEmptyBodySha256);
  EXPECT_EQ(PayloadHash("{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  Wire empty{"POST", "/v3/scm/csr", "", ExampleHeaders(false), ""};
  Wire braces = empty;
  braces.body = "{}";
  EXPECT_NE(SignatureOf(Sign(empty)), SignatureOf(Sign(braces)));
  EXPECT_TRUE(Verify(braces, Sign(empty)).IsUnauthenticated());
}

TEST(SdkSignatureTest, CanonicalUri) {
  EXPECT_EQ(CanonicalUri("/v3/scm/csr").value(), "/v3/scm/csr/");
  EXPECT_EQ(CanonicalUri("/v3/scm/csr/").value(), "/v3/scm/csr/");
  EXPECT_EQ(CanonicalUri("/v3/scm/csr/abc/private-key").value(), "/v3/scm/csr/abc/private-key/");
  EXPECT_EQ(CanonicalUri("").value(), "/");
  EXPECT_EQ(CanonicalUri("/").value(), "/");
  // Python SDK id encoding: decoded once, %2F becomes a real separator.
  EXPECT_EQ(CanonicalUri("/v3/scm/csr/a%20b%2Fc%3Fd%25e%2B%C3%BC").value(),
            "/v3/scm/csr/a%20b/c%3Fd%25e%2B%C3%BC/");
  // Node.js puts ids raw; the canonical form is the same.
  EXPECT_EQ(CanonicalUri("/v3/scm/csr/a b/c?d%25e+\xc3\xbc").value(),
            "/v3/scm/csr/a%20b/c%3Fd%25e%2B%C3%BC/");
  EXPECT_EQ(CanonicalUri("/x/%7e%41%2d%5F%2e/%c3%bc").value(), "/x/~A-_./%C3%BC/");
  EXPECT_EQ(CanonicalUri("/a%252F").value(), "/a%252F/");  // decoded once only
  EXPECT_EQ(CanonicalUri("/a//b").value(), "/a//b/");
  for (std::string_view bad : {"/a%", "/a%2", "/a%G0", "/a%0g/b", "%"}) {
    EXPECT_TRUE(CanonicalUri(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(SdkSignatureTest, CanonicalQuery) {
  EXPECT_EQ(CanonicalQuery("").value(), "");
  EXPECT_EQ(CanonicalQuery("&&").value(), "");
  // '+' is a literal plus, not a space.
  EXPECT_EQ(CanonicalQuery("name=a+b").value(), "name=a%2Bb");
  EXPECT_EQ(CanonicalQuery("name=a%20b").value(), "name=a%20b");
  // Duplicate names sort by value; a missing '=' is an empty value.
  EXPECT_EQ(CanonicalQuery("b=2&a=z&a=y&a&&a=").value(), "a=&a=&a=y&a=z&b=2");
  // Byte order: upper case before lower case, ASCII before UTF-8.
  EXPECT_EQ(CanonicalQuery("n=%C3%BC&n=z&N=1").value(), "N=1&n=z&n=%C3%BC");
  // Only the first '=' splits; escapes are normalised.
  EXPECT_EQ(CanonicalQuery("k=a=b&%6b%65y=%7e%c3%bc").value(), "k=a%3Db&key=~%C3%BC");
  EXPECT_EQ(CanonicalQuery("=v").value(), "=v");
  EXPECT_EQ(CanonicalQuery(kWireQueryB).value(), kWireQueryB);
  for (std::string_view bad : {"a=%", "a=%2", "a%zz=1", "a=1&b=%G1"}) {
    EXPECT_TRUE(CanonicalQuery(bad).status().IsInvalidArgument()) << bad;
  }

  Wire plus{"GET", "/v3/scm/csr", "name=a+b", ExampleHeaders(false), ""};
  Wire space = plus;
  space.query = "name=a%20b";
  EXPECT_NE(SignatureOf(Sign(plus)), SignatureOf(Sign(space)));
  EXPECT_TRUE(Verify(space, Sign(plus)).IsUnauthenticated());
}

TEST(SdkSignatureTest, SignRequestHeaderRules) {
  HeaderList h = ExampleHeaders(false);
  h.emplace_back("X_Custom", "not signed");
  h.emplace_back("  ", "x");
  auto bad_name = SignRequest(kAk, kSk, "GET", "/", "", h, "");
  EXPECT_TRUE(bad_name.status().IsInvalidArgument());
  h.pop_back();
  auto auth = SignRequest(kAk, kSk, "GET", "/", "", h, "");
  ASSERT_TRUE(auth.ok());
  auto parsed = ParseSdkAuthorization(auth.value());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->signed_headers,
            (std::vector<std::string>{"content-type", "host", "user-agent", "x-sdk-date"}));

  // Header values are trimmed before signing.
  HeaderList padded = ExampleHeaders(false);
  padded[0].second = "  application/json \t";
  EXPECT_EQ(SignRequest(kAk, kSk, "GET", "/", "", padded, "").value(),
            SignRequest(kAk, kSk, "GET", "/", "", ExampleHeaders(false), "").value());

  HeaderList no_date = {{"Host", "h"}};
  EXPECT_TRUE(SignRequest(kAk, kSk, "GET", "/", "", no_date, "").status().IsInvalidArgument());
  HeaderList twice = ExampleHeaders(false);
  twice.emplace_back("host", "other");
  EXPECT_TRUE(SignRequest(kAk, kSk, "GET", "/", "", twice, "").status().IsInvalidArgument());
  HeaderList authz = ExampleHeaders(false);
  authz.emplace_back("Authorization", "x");
  EXPECT_TRUE(SignRequest(kAk, kSk, "GET", "/", "", authz, "").status().IsInvalidArgument());
  for (std::string_view ak : {"", "AK-1", "0123456789012345678901234567890123456789X"}) {
    EXPECT_TRUE(SignRequest(ak, kSk, "GET", "/", "", h, "").status().IsInvalidArgument()) << ak;
  }
  EXPECT_TRUE(SignRequest(kAk, kSk, "GET", "/%zz", "", h, "").status().IsInvalidArgument());
}

// ---- Authorization header ----

TEST(SdkSignatureTest, ParseAuthorizationWellFormed) {
  auto a = ParseSdkAuthorization(
      "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=content-type;host;x-sdk-date, "
      "Signature=" + std::string(kSigA));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->access, kAk);
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"content-type", "host", "x-sdk-date"}));
  EXPECT_EQ(a->signature, kSigA);

  // Odd spacing, other order, upper-case names and hex.
  std::string upper_sig = "15DBD3C79D35677FF5FA44E234F9AA829246D8F9381037F1D3F8E0B76C7887E5";
  auto b = ParseSdkAuthorization("  SDK-HMAC-SHA256 \t Signature = " + upper_sig +
                                 " ,Access=AK1  ,   SignedHeaders =Host;X-Sdk-Date  ");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->access, "AK1");
  EXPECT_EQ(b->signed_headers, (std::vector<std::string>{"host", "x-sdk-date"}));
  EXPECT_EQ(b->signature, kSigA);

  auto c = ParseSdkAuthorization("SDK-HMAC-SHA256 Access=" + std::string(40, 'A') +
                                 ",SignedHeaders=x-sdk-date,Signature=" + std::string(64, 'f'));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

TEST(SdkSignatureTest, ParseAuthorizationRejects) {
  const std::string sig(kSigA);
  const std::string good_tail = "SignedHeaders=host;x-sdk-date, Signature=" + sig;
  const std::vector<std::string> bad = {
      "",
      "Bearer abc",
      "SDK-HMAC-SHA256",
      "SDK-HMAC-SHA256 ",
      "sdk-hmac-sha256 Access=AK, " + good_tail,
      "SDK-HMAC-SHA256X Access=AK, " + good_tail,
      "SDK-HMAC-SM3 Access=AK, " + good_tail,
      "SDK-HMAC-SHA256,Access=AK, " + good_tail,
      // missing parts
      "SDK-HMAC-SHA256 SignedHeaders=host, Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
      // duplicate and unknown parts, stray commas
      "SDK-HMAC-SHA256 Access=AK, Access=AK, " + good_tail,
      "SDK-HMAC-SHA256 Access=AK, " + good_tail + ", Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, Credential=x, " + good_tail,
      "SDK-HMAC-SHA256 access=AK, " + good_tail,
      "SDK-HMAC-SHA256 Access=AK, " + good_tail + ",",
      "SDK-HMAC-SHA256 Access=AK,, " + good_tail,
      "SDK-HMAC-SHA256 Access AK, " + good_tail,
      // bad Access
      "SDK-HMAC-SHA256 Access=, " + good_tail,
      "SDK-HMAC-SHA256 Access=AK-1, " + good_tail,
      "SDK-HMAC-SHA256 Access=" + std::string(41, 'A') + ", " + good_tail,
      // bad SignedHeaders
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;, Signature=" + sig,
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host; x-sdk-date, Signature=" + sig,
      // bad Signature
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig.substr(1),
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig + "0",
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=" + sig.substr(1) + "g",
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=",
  };
  for (const std::string& v : bad) {
    auto r = ParseSdkAuthorization(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << v;
    // The reason never echoes what was sent.
    EXPECT_EQ(r.status().message().find(sig.substr(0, 16)), std::string::npos) << v;
    EXPECT_EQ(r.status().message().find("AK"), std::string::npos) << r.status().message();
  }
}

// ---- X-Sdk-Date ----

TEST(SdkSignatureTest, ParseSdkDate) {
  EXPECT_EQ(ParseSdkDate("20250101T120000Z").value(), 1735732800000);
  EXPECT_EQ(ParseSdkDate("19700101T000000Z").value(), 0);
  EXPECT_EQ(ParseSdkDate("20240229T235959Z").value(), 1709251199000);
  EXPECT_EQ(ParseSdkDate("20001231T000000Z").value(), 978220800000);
  for (std::string_view bad :
       {"", "2025-01-01T12:00:00Z", "20251301T120000Z", "20250001T120000Z", "20250100T120000Z",
        "20250132T120000Z", "20230229T120000Z", "21000229T000000Z", "20250431T000000Z",
        "20250101T240000Z", "20250101T126000Z", "20250101T120060Z", "20250101T120000Z ",
        " 20250101T120000Z", "20250101T120000ZZ", "20250101T120000", "20250101t120000z",
        "20250101 120000Z", "+2025101T120000Z", "2025010AT120000Z", "20250101T12000-Z"}) {
    EXPECT_TRUE(ParseSdkDate(bad).status().IsInvalidArgument()) << bad;
  }
}

TEST(SdkSignatureTest, FormatSdkDate) {
  EXPECT_EQ(FormatSdkDate(1735732800000), "20250101T120000Z");
  EXPECT_EQ(FormatSdkDate(1735732800999), "20250101T120000Z");
  EXPECT_EQ(FormatSdkDate(0), "19700101T000000Z");
  EXPECT_EQ(FormatSdkDate(-1), "19691231T235959Z");
  EXPECT_EQ(FormatSdkDate(1709251199000), "20240229T235959Z");
  // Round trip over a spread of instants, leap days and century years included.
  for (int64_t ms = -2208988800000; ms < 4102444800000; ms += int64_t{86399999} * 37) {
    int64_t floored = ms - ((ms % 1000) + 1000) % 1000;
    auto back = ParseSdkDate(FormatSdkDate(ms));
    ASSERT_TRUE(back.ok()) << FormatSdkDate(ms);
    EXPECT_EQ(back.value(), floored) << ms;
  }
}

}  // namespace
}  // namespace csrd::identity

namespace csrd::identity {
namespace {

TEST(SdkSignatureLimitsTest, SignedHeadersAreBoundedAndUnique) {
  std::string names = "x-sdk-date";
  for (size_t i = 1; i < kMaxSignedHeaders; ++i) names += ";h" + std::to_string(i);
  const std::string sig = ", Signature=" + std::string(64, 'a');
  auto ok = ParseSdkAuthorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=" + names + sig);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->signed_headers.size(), kMaxSignedHeaders);
  auto too_many =
      ParseSdkAuthorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=" + names + ";extra" + sig);
  EXPECT_FALSE(too_many.ok());
  auto dup = ParseSdkAuthorization(
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date;Host" + sig);
  EXPECT_FALSE(dup.ok());
}

}  // namespace
}  // namespace csrd::identity
