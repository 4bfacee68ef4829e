#include "identity/aksk_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aksk_test_util.h"
#include "identity/permissions.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::kAkT0;
using testing::SignedRequest;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr std::string_view kBadSignature = "verify aksk signature fail";
constexpr std::string_view kLocked = "AK access failed to reach the limit,forbidden";

void Expect401(const Status& s, std::string_view message_part) {
  EXPECT_TRUE(s.IsUnauthenticated()) << s.ToString();
  EXPECT_NE(s.message().find(message_part), std::string::npos) << s.ToString();
}

class AkSkVerifierTest : public AkSkFixture {
 protected:
  // A correctly signed request whose SignedHeaders are exactly names (which
  // may leave out x-sdk-date), built by hand since SignRequest signs all.
  SignedRequest SignedOver(const std::vector<std::string>& names) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis());
    SignableRequest req{r.method, r.path, r.query,
                        [&r](std::string_view n) { return r.Header(n); }, r.body};
    auto canonical = CanonicalRequest(req, names, PayloadHash(r.body));
    EXPECT_TRUE(canonical.ok());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ";") + n;
    r.authorization = "SDK-HMAC-SHA256 Access=" + ak_ + ", SignedHeaders=" + list +
                      ", Signature=" +
                      ComputeSignature(sk_, StringToSign(*r.Header("x-sdk-date"), *canonical));
    return r;
  }

  Status Wrong(std::string_view addr = "192.0.2.1") {
    SignedRequest r = SignedWith(ak_, "WrongSecretKeyWrongSecretKeyWrongSecret0");
    r.remote_addr = addr;
    return Verify(r).status();
  }
  Status Right(std::string_view addr = "192.0.2.1") {
    SignedRequest r = Signed();
    r.remote_addr = addr;
    return Verify(r).status();
  }
};

TEST_F(AkSkVerifierTest, ValidPermanentKey) {
  auto p = Verify(Signed());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->method, Principal::Method::kAkSk);
  EXPECT_EQ(p->access_key, ak_);
  EXPECT_FALSE(p->temporary);
  EXPECT_FALSE(p->policy.has_value());
  EXPECT_EQ(p->expires_at, 0);
  EXPECT_EQ(p->account_id, account_.id);
  EXPECT_EQ(p->account_name, "acme");
  EXPECT_EQ(p->user_id, alice_.id);
  EXPECT_EQ(p->user_name, "alice");
  EXPECT_EQ(p->roles, store::kRoleScmFullAccess);
  EXPECT_EQ(p->token_hash, "");
  EXPECT_EQ(p->project_id, "");
}

TEST_F(AkSkVerifierTest, RolesAreReadOnEveryRequest) {
  ASSERT_TRUE(admin_->SetRoles("acme", "alice", store::kRoleScmReadOnly).ok());
  auto p = Verify(Signed());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->roles, store::kRoleScmReadOnly);
}

TEST_F(AkSkVerifierTest, WrongSecretKey) { Expect401(Wrong(), kBadSignature); }

TEST_F(AkSkVerifierTest, UnknownAk) {
  SignedRequest r = SignedWith("NOSUCHKEY00000000000", sk_);
  auto s = Verify(r).status();
  Expect401(s, "ak not exist");
  EXPECT_EQ(s.message(), "Get secretKey failed,ak:NOSUCHKEY00000000000,err:ak not exist");
}

TEST_F(AkSkVerifierTest, MalformedAuthorization) {
  SignedRequest r = Signed();
  const std::string prefix = "SDK-HMAC-SHA256 Access=" + ak_;
  const std::vector<std::string> malformed = {
      prefix,
      prefix + ", SignedHeaders=x-sdk-date, Signature=zz",
      prefix + ", SignedHeaders=, Signature=" + std::string(64, 'a'),
  };
  for (const std::string& bad : malformed) {
    r.authorization = bad;
    Expect401(Verify(r).status(), "malformed SDK-HMAC-SHA256 authorization");
  }
  for (const char* bad : {"garbage", "SDK-HMAC-SHA256", ""}) {
    r.authorization = bad;
    EXPECT_TRUE(Verify(r).status().IsUnauthenticated()) << bad;
  }
}

TEST_F(AkSkVerifierTest, InactiveKey) {
  ASSERT_TRUE(store_->UpdateCredential(ak_, "inactive", std::nullopt).ok());
  Expect401(Verify(Signed()).status(), "inactive");
  ASSERT_TRUE(store_->UpdateCredential(ak_, "active", std::nullopt).ok());
  EXPECT_TRUE(Verify(Signed()).ok());
}

TEST_F(AkSkVerifierTest, DateWindowBothWays) {
  for (int64_t off : {-14 * kMinute, 14 * kMinute, -15 * kMinute, 15 * kMinute}) {
    EXPECT_TRUE(Verify(Signed(off)).ok()) << off;
  }
  for (int64_t off : {-16 * kMinute, 16 * kMinute, -15 * kMinute - kSecond,
                      15 * kMinute + kSecond, -24 * 60 * kMinute}) {
    Expect401(Verify(Signed(off)).status(), "X-Sdk-Date");
  }
}

TEST_F(AkSkVerifierTest, XSdkDateRequiredWellFormedAndSigned) {
  SignedRequest control = SignedOver({"content-type", "host", "x-sdk-date"});
  ASSERT_TRUE(Verify(control).ok()) << Verify(control).status().ToString();

  SignedRequest unsigned_date = SignedOver({"content-type", "host", "user-agent", "x-domain-id"});
  Expect401(Verify(unsigned_date).status(), "x-sdk-date must be listed");

  SignedRequest missing = Signed();
  missing.Remove("X-Sdk-Date");
  Expect401(Verify(missing).status(), "X-Sdk-Date header is required");

  SignedRequest r = SignedRequest::Create(kAkT0);
  r.headers.back().second = "2023-11-14T22:13:20Z";
  r.Sign(ak_, sk_);
  Expect401(Verify(r).status(), "YYYYMMDDTHHMMSSZ");
}

TEST_F(AkSkVerifierTest, OnlyListedHeadersAreChecked) {
  // host is not listed: any Host is fine. Extra unsigned headers are ignored.
  SignedRequest r = SignedOver({"content-type", "x-sdk-date"});
  r.Remove("Host");
  r.extra = {{"Host", "elsewhere:1"}, {"X-Project-Id", "p"}, {"X-Whatever", "1"}};
  EXPECT_TRUE(Verify(r).ok());

  SignedRequest s = Signed();
  s.extra = {{"X-Project-Id", "0123"}, {"X-Auth-Token", "ignored"}, {"Accept", "*/*"}};
  EXPECT_TRUE(Verify(s).ok());
}

TEST_F(AkSkVerifierTest, MissingSignedHeaderIsNotCounted) {
  SignedRequest r = SignedRequest::Create(clock_.NowMillis());
  r.headers.emplace_back("X-Custom", "value");
  r.Sign(ak_, sk_);
  ASSERT_TRUE(Verify(r).ok());
  r.Remove("X-Custom");
  for (int i = 0; i < 6; ++i) Expect401(Verify(r).status(), "x-custom");
  EXPECT_TRUE(Right().ok());  // six refusals, no lock
}

TEST_F(AkSkVerifierTest, TamperingBreaksTheSignature) {
  SignedRequest body = Signed();
  body.body.back() = ' ';
  Expect401(Verify(body).status(), kBadSignature);
  SignedRequest path = Signed();
  path.path = "/v3/scm/csr/upload";
  Expect401(Verify(path).status(), kBadSignature);
  SignedRequest query = Signed();
  query.query = "limit=1";
  Expect401(Verify(query).status(), kBadSignature);
  SignedRequest method = Signed();
  method.method = "PUT";
  Expect401(Verify(method).status(), kBadSignature);
  SignedRequest header = Signed();
  header.headers[0].second = "text/plain";
  Expect401(Verify(header).status(), kBadSignature);
}

TEST_F(AkSkVerifierTest, BodyHashedOnGetAndDeleteToo) {
  for (const char* m : {"GET", "DELETE"}) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis());
    r.method = m;
    r.body = "{}";
    r.Sign(ak_, sk_);
    EXPECT_TRUE(Verify(r).ok()) << m;
    // Signed over no body but sent with one: refused.
    SignedRequest e = SignedRequest::Create(clock_.NowMillis());
    e.method = m;
    e.body = "";
    e.Sign(ak_, sk_);
    ASSERT_TRUE(Verify(e).ok());
    e.body = "{}";
    Expect401(Verify(e).status(), kBadSignature);
  }
}

TEST_F(AkSkVerifierTest, ContentSha256Header) {
  SignedRequest r = SignedRequest::Create(clock_.NowMillis());
  r.headers.emplace_back("X-Sdk-Content-Sha256", PayloadHash(r.body));
  r.Sign(ak_, sk_);
  EXPECT_TRUE(Verify(r).ok());

  SignedRequest upper = SignedRequest::Create(clock_.NowMillis());
  std::string hash = PayloadHash(upper.body);
  for (char& c : hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.extra.emplace_back("X-Sdk-Content-Sha256", hash);
  upper.Sign(ak_, sk_);
  EXPECT_TRUE(Verify(upper).ok());

  SignedRequest wrong = SignedRequest::Create(clock_.NowMillis());
  wrong.headers.emplace_back("X-Sdk-Content-Sha256", std::string(kEmptyBodySha256));
  wrong.Sign(ak_, sk_);
  Expect401(Verify(wrong).status(), "X-Sdk-Content-Sha256 does not match");

  SignedRequest unsigned_payload = SignedRequest::Create(clock_.NowMillis());
  unsigned_payload.headers.emplace_back("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
  unsigned_payload.Sign(ak_, sk_);
  Expect401(Verify(unsigned_payload).status(), "UNSIGNED-PAYLOAD");
}

TEST_F(AkSkVerifierTest, LockoutPerAkAndAddress) {
  for (int i = 0; i < 5; ++i) Expect401(Wrong(), kBadSignature);
  Expect401(Right(), kLocked);                // the right signature does not help
  EXPECT_TRUE(Right("198.51.100.7").ok());    // another address is unaffected
  clock_.Advance(4 * kMinute);
  Expect401(Wrong(), kLocked);                // neither counted ...
  Expect401(Right(), kLocked);
  clock_.Advance(kMinute);                    // ... nor extending: 5 min after the lock
  EXPECT_TRUE(Right().ok());
  // The lock consumed the count: four more wrong ones do not lock again.
  for (int i = 0; i < 4; ++i) Expect401(Wrong(), kBadSignature);
  EXPECT_TRUE(Right().ok());
}

TEST_F(AkSkVerifierTest, SuccessResetsTheCount) {
  for (int i = 0; i < 4; ++i) Expect401(Wrong(), kBadSignature);
  EXPECT_TRUE(Right().ok());
  for (int i = 0; i < 4; ++i) Expect401(Wrong(), kBadSignature);
  EXPECT_TRUE(Right().ok());
  for (int i = 0; i < 5; ++i) Expect401(Wrong(), kBadSignature);
  Expect401(Right(), kLocked);
}

TEST_F(AkSkVerifierTest, ShapeErrorsAreNotCounted) {
  for (int i = 0; i < 4; ++i) Expect401(Wrong(), kBadSignature);
  Expect401(Verify(Signed(20 * kMinute)).status(), "X-Sdk-Date");
  SignedRequest stray = Signed();
  stray.extra.emplace_back("X-Security-Token", "stray");
  Expect401(Verify(stray).status(), "temporary");
  SignedRequest hash = Signed();
  hash.extra.emplace_back("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
  Expect401(Verify(hash).status(), "UNSIGNED-PAYLOAD");
  SignedRequest replay = Signed();
  ASSERT_TRUE(Verify(replay, true).ok());  // a success: resets the count too
  for (int i = 0; i < 4; ++i) Expect401(Wrong(), kBadSignature);
  Expect401(Verify(replay, true).status(), "replayed signature");
  EXPECT_TRUE(Right().ok());
}

TEST_F(AkSkVerifierTest, OneTimeSignatures) {
  SignedRequest r = Signed();
  EXPECT_TRUE(Verify(r).ok());
  EXPECT_TRUE(Verify(r).ok());  // replays are fine where one_time is not asked for
  EXPECT_TRUE(Verify(r, true).ok());
  Expect401(Verify(r, true).status(), "replayed signature");
  clock_.Advance(10 * kMinute);
  Expect401(Verify(r, true).status(), "replayed signature");
  EXPECT_TRUE(Verify(r).ok());
  clock_.Advance(6 * kMinute);  // out of the window: refused by date, not remembered forever
  Expect401(Verify(r, true).status(), "X-Sdk-Date");
  EXPECT_TRUE(Verify(Signed(), true).ok());
}

TEST_F(AkSkVerifierTest, DisabledUserRefused) {
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", false).ok());
  const SignedRequest r = Signed();
  Expect401(Verify(r, true).status(), "disabled");
  // The refusal left no trace: the key was not touched and the one-time
  // signature was not spent.
  EXPECT_EQ(Stored(ak_)->last_use_time, 0);
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", true).ok());
  EXPECT_TRUE(Verify(r, true).ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0);
}

TEST_F(AkSkVerifierTest, LastUseTouchedAtMostOncePerMinute) {
  ASSERT_EQ(Stored(ak_)->last_use_time, 0);
  ASSERT_TRUE(Verify(Signed()).ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0);
  clock_.Advance(30 * kSecond);
  ASSERT_TRUE(Verify(Signed()).ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0);
  clock_.Advance(29 * kSecond);
  ASSERT_TRUE(Verify(Signed()).ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0);
  clock_.Advance(1 * kSecond);
  ASSERT_TRUE(Verify(Signed()).ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0 + kMinute);
  // A refused request does not touch.
  clock_.Advance(2 * kMinute);
  ASSERT_FALSE(Wrong().ok());
  EXPECT_EQ(Stored(ak_)->last_use_time, kAkT0 + kMinute);
}

TEST_F(AkSkVerifierTest, MessagesNeverCarrySecrets) {
  SignedRequest wrong_sig = SignedWith(ak_, "WrongSecretKeyWrongSecretKeyWrongSecret0");
  const std::string sig = ParseSdkAuthorization(wrong_sig.authorization)->signature;
  std::vector<Status> seen = {Verify(wrong_sig).status()};
  SignedRequest stray = Signed();
  stray.extra.emplace_back("X-Security-Token", "SecretSecurityTokenValue");
  seen.push_back(Verify(stray).status());
  SignedRequest r = Signed();
  seen.push_back(Verify(r, true).status());
  seen.push_back(Verify(r, true).status());
  for (int i = 0; i < 5; ++i) seen.push_back(Wrong());
  for (const Status& s : seen) {
    EXPECT_EQ(s.message().find(sk_), std::string::npos);
    EXPECT_EQ(s.message().find(sig), std::string::npos);
    EXPECT_EQ(s.message().find(ParseSdkAuthorization(r.authorization)->signature),
              std::string::npos);
    EXPECT_EQ(s.message().find("SecretSecurityTokenValue"), std::string::npos);
  }
}

// A writer holding the database lock: the verifier's writes fail, and the
// failure is reported as what it is (Unavailable), never as a 401.
class AkSkVerifierStoreDownTest : public AkSkVerifierTest {
 protected:
  store::SqliteOptions Options() const override { return testing::QuickBusyOptions(); }
};

TEST_F(AkSkVerifierStoreDownTest, WriteFailuresAreNotUnauthenticated) {
  SignedRequest once = Signed();
  {
    testing::WriteLockHolder lock(dir_);
    EXPECT_TRUE(Wrong().IsUnavailable()) << Wrong().ToString();  // the count cannot be written
    EXPECT_TRUE(Right().IsUnavailable());  // last_use_time cannot be written
  }
  ASSERT_TRUE(Right().ok());  // now touched
  {
    testing::WriteLockHolder lock(dir_);
    EXPECT_TRUE(Right().ok());  // reads only: works while writes are stuck
    EXPECT_TRUE(Verify(once, true).status().IsUnavailable());
  }
  EXPECT_TRUE(Verify(once, true).ok());  // the failed attempt did not burn the signature
}

}  // namespace
}  // namespace csrd::identity
