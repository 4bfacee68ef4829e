// Every refusal the real Authenticator, AK/SK verifier and login service
// produce lands in its class, so a reworded message cannot silently turn
// into "other" on the metrics.
#include "identity/auth_failure.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "aksk_test_util.h"
#include "identity/authenticator.h"
#include "identity/kdf_limiter.h"
#include "identity/login_service.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::SignedRequest;

constexpr int64_t kMinute = 60 * 1000;

class AuthFailureTest : public AkSkFixture {
 protected:
  void SetUp() override {
    AkSkFixture::SetUp();
    auth_ = std::make_unique<Authenticator>(tokens_.get(), verifier_.get());
  }

  AuthFailure Of(const Result<Principal>& r) {
    EXPECT_FALSE(r.ok());
    if (r.ok()) return AuthFailure::kOther;
    auto reason = ClassifyAuthFailure(r.status());
    EXPECT_TRUE(reason.has_value()) << r.status().ToString();
    return reason.value_or(AuthFailure::kOther);
  }
  AuthFailure Refused(const SignedRequest& r, bool one_time = false) {
    return Of(auth_->Authenticate(r.Input(one_time)));
  }
  AuthFailure Token(std::string_view token) {
    AuthInput in;
    in.auth_token = token;
    return Of(auth_->Authenticate(in));
  }

  NewTemporaryCredential Temp(int64_t duration_s = 3600) {
    auto t = creds_->CreateTemporary(TokenPrincipal(), duration_s, "");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : NewTemporaryCredential{};
  }
  SignedRequest SignedTemp(const NewTemporaryCredential& t, std::string_view token) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis());
    r.headers.emplace_back("X-Security-Token", std::string(token));
    r.Sign(t.record.access, t.secret.view());
    return r;
  }

  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthFailureTest, NamesAreDistinctSnakeCase) {
  std::set<std::string_view> names;
  for (AuthFailure f : AllAuthFailures()) {
    std::string_view n = AuthFailureName(f);
    EXPECT_TRUE(names.insert(n).second) << n;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << n;
  }
  EXPECT_EQ(names.size(), kAuthFailureCount);
  EXPECT_EQ(AuthFailureName(AuthFailure::kBadSignature), "bad_signature");
}

TEST_F(AuthFailureTest, TokenPath) {
  EXPECT_EQ(Of(auth_->Authenticate(AuthInput{})), AuthFailure::kMissing);
  EXPECT_EQ(Token("short"), AuthFailure::kBadToken);
  EXPECT_EQ(Token(std::string(64, 'x')), AuthFailure::kBadToken);
  std::string token;
  TokenPrincipal(&token);
  clock_.Advance(25 * 3600 * 1000LL);
  EXPECT_EQ(Token(token), AuthFailure::kExpiredToken);

  AuthInput other;
  other.authorization = "Basic dXNlcjpwdw==";
  EXPECT_EQ(Of(auth_->Authenticate(other)), AuthFailure::kMalformed);
}

TEST_F(AuthFailureTest, SignatureShapes) {
  SignedRequest r = Signed();
  r.authorization = "SDK-HMAC-SHA256 Access=" + ak_;
  EXPECT_EQ(Refused(r), AuthFailure::kMalformed);

  SignedRequest missing_date = Signed();
  missing_date.Remove("X-Sdk-Date");
  EXPECT_EQ(Refused(missing_date), AuthFailure::kMalformed);

  SignedRequest bad_date = Signed();
  bad_date.Remove("X-Sdk-Date");
  bad_date.extra.emplace_back("X-Sdk-Date", "yesterday");
  EXPECT_EQ(Refused(bad_date), AuthFailure::kMalformed);

  SignedRequest custom = SignedRequest::Create(clock_.NowMillis());
  custom.headers.emplace_back("X-Custom", "1");
  custom.Sign(ak_, sk_);
  custom.Remove("X-Custom");
  EXPECT_EQ(Refused(custom), AuthFailure::kMalformed);
}

TEST_F(AuthFailureTest, KeyAndSignatureChecks) {
  EXPECT_EQ(Refused(SignedWith("NOSUCHKEY0123456789", sk_)), AuthFailure::kUnknownAk);
  EXPECT_EQ(Refused(Signed(20 * kMinute)), AuthFailure::kClockSkew);

  SignedRequest tampered = Signed();
  tampered.body += " ";
  EXPECT_EQ(Refused(tampered), AuthFailure::kBadSignature);

  SignedRequest hash = Signed();
  hash.extra.emplace_back("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
  EXPECT_EQ(Refused(hash), AuthFailure::kBadSignature);
  SignedRequest wrong_hash = Signed();
  wrong_hash.extra.emplace_back("X-Sdk-Content-Sha256", std::string(64, '0'));
  EXPECT_EQ(Refused(wrong_hash), AuthFailure::kBadSignature);

  SignedRequest stray = Signed();
  stray.extra.emplace_back("X-Security-Token", "stray");
  EXPECT_EQ(Refused(stray), AuthFailure::kBadSecurityToken);

  SignedRequest once = Signed();
  ASSERT_TRUE(auth_->Authenticate(once.Input(true)).ok());
  EXPECT_EQ(Refused(once, true), AuthFailure::kReplay);

  for (int i = 0; i < 4; ++i) EXPECT_EQ(Refused(SignedWith(ak_, "wrong")), AuthFailure::kBadSignature);
  EXPECT_EQ(Refused(SignedWith(ak_, "wrong")), AuthFailure::kBadSignature);  // the fifth locks
  EXPECT_EQ(Refused(Signed()), AuthFailure::kLocked);
  clock_.Advance(6 * kMinute);

  ASSERT_TRUE(store_->UpdateCredential(ak_, "inactive", std::nullopt).ok());
  EXPECT_EQ(Refused(Signed()), AuthFailure::kInactiveAk);
  ASSERT_TRUE(store_->UpdateCredential(ak_, "active", std::nullopt).ok());

  ASSERT_TRUE(store_->SetUserEnabled(alice_.id, false).ok());
  EXPECT_EQ(Refused(Signed()), AuthFailure::kDisabledUser);
}

TEST_F(AuthFailureTest, TemporaryKeys) {
  auto t = Temp(900);
  SignedRequest no_token = SignedRequest::Create(clock_.NowMillis());
  no_token.Sign(t.record.access, t.secret.view());
  EXPECT_EQ(Refused(no_token), AuthFailure::kBadSecurityToken);
  EXPECT_EQ(Refused(SignedTemp(t, "not-the-token")), AuthFailure::kBadSecurityToken);

  clock_.Advance(16 * kMinute);
  EXPECT_EQ(Refused(SignedTemp(t, t.security_token.view())), AuthFailure::kExpiredAk);
}

TEST_F(AuthFailureTest, Login) {
  KdfLimiter limiter(2);
  LoginService login(store_.get(), &clock_, &hasher_, &limiter, tokens_.get(), LoginPolicy{});
  Secret wrong(std::string("not alice's password"));
  LoginRequest r;
  r.user_name = "alice";
  r.domain_name = "acme";
  r.password = &wrong;
  r.remote_addr = "192.0.2.9";
  EXPECT_EQ(ClassifyAuthFailure(login.Login(r).status()), AuthFailure::kBadPassword);

  Secret right(std::string("alice password"));
  r.password = &right;
  r.scope_domain_name = "globex";
  EXPECT_EQ(ClassifyAuthFailure(login.Login(r).status()), AuthFailure::kDomainMismatch);
}

TEST(AuthFailureClassify, NonRefusals) {
  EXPECT_EQ(ClassifyAuthFailure(Status::ResourceExhausted("too many concurrent logins")),
            AuthFailure::kThrottled);
  EXPECT_EQ(ClassifyAuthFailure(Status::Unavailable("database down")), std::nullopt);
  EXPECT_EQ(ClassifyAuthFailure(Status::Ok()), std::nullopt);
  EXPECT_EQ(ClassifyAuthFailure(Status::Unauthenticated("something new")), AuthFailure::kOther);
}

}  // namespace
}  // namespace csrd::identity
