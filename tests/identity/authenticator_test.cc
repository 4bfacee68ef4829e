#include "identity/authenticator.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "identity/account_admin.h"
#include "identity/login_service.h"
#include "identity/roles.h"
#include "aksk_test_util.h"
#include "identity_test_util.h"

namespace csrd::identity {
namespace {

using testing::CheapParams;
using testing::OpenTestStore;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(const store::SqliteOptions& options) {
    store_ = OpenTestStore(dir_, options);
    ASSERT_NE(store_, nullptr);
    tokens_ = std::make_unique<TokenService>(store_.get(), &clock_);
    auth_ = std::make_unique<Authenticator>(tokens_.get());
    admin_ = std::make_unique<AccountAdmin>(store_.get(), &clock_, &hasher_);
    auto acme = admin_->CreateAccount("acme");
    ASSERT_TRUE(acme.ok()) << acme.status().ToString();
    account_ = *acme;
    auto alice = admin_->CreateUser("acme", "alice", Secret(std::string("alice password")),
                                    store::kRoleScmReadOnly);
    ASSERT_TRUE(alice.ok());
    alice_ = *alice;
  }

  std::string IssueFor(const store::User& u, std::string project_id = "",
                       std::string project_name = "") {
    auto t = tokens_->Issue(u, std::move(project_id), std::move(project_name));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->token.str() : std::string();
  }

  Result<Principal> WithToken(std::string_view token) {
    AuthInput in;
    in.auth_token = token;
    in.remote_addr = "192.0.2.1";
    return auth_->Authenticate(in);
  }

  static void Expect401(const Status& s, std::string_view message) {
    EXPECT_TRUE(s.IsUnauthenticated()) << s.ToString();
    EXPECT_EQ(s.message(), message);
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{kT0};
  PasswordHasher hasher_{CheapParams()};
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<AccountAdmin> admin_;
  store::Account account_;
  store::User alice_;
};

TEST_F(AuthenticatorTest, MissingCredentials) {
  AuthInput in;
  Expect401(auth_->Authenticate(in).status(), "missing credentials");
}

TEST_F(AuthenticatorTest, ValidTokenGivesPrincipal) {
  const std::string token = IssueFor(alice_);
  auto p = WithToken(token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->account_id, account_.id);
  EXPECT_EQ(p->account_name, "acme");
  EXPECT_EQ(p->user_id, alice_.id);
  EXPECT_EQ(p->user_name, "alice");
  EXPECT_EQ(p->roles, store::kRoleScmReadOnly);
  EXPECT_EQ(p->project_id, "");
  EXPECT_EQ(p->project_name, "");
  EXPECT_EQ(p->method, Principal::Method::kToken);
  EXPECT_EQ(p->token_hash, TokenHash(token));
  EXPECT_EQ(p->expires_at, kT0 + kDefaultTokenLifetimeMs);
}

TEST_F(AuthenticatorTest, ProjectScopeIsCarried) {
  const std::string token = IssueFor(alice_, "0123456789abcdef0123456789abcdef", "cn-north-4");
  auto p = WithToken(token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->project_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p->project_name, "cn-north-4");
}

TEST_F(AuthenticatorTest, RolesAreReadOnEveryCall) {
  const std::string token = IssueFor(alice_);
  ASSERT_EQ(WithToken(token)->roles, store::kRoleScmReadOnly);
  ASSERT_TRUE(admin_->SetRoles("acme", "alice", store::kRoleScmFullAccess | store::kRoleSecurityAdmin)
                  .ok());
  auto p = WithToken(token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->roles, store::kRoleScmFullAccess | store::kRoleSecurityAdmin);
  ASSERT_TRUE(admin_->SetRoles("acme", "alice", 0).ok());
  EXPECT_EQ(WithToken(token)->roles, 0u);  // still authenticated, just no rights
}

TEST_F(AuthenticatorTest, TokenLengthBounds) {
  Expect401(WithToken("").status(), "The token is invalid");
  Expect401(WithToken(std::string(31, 'a')).status(), "The token is invalid");
  // 32 characters reaches the lookup and is simply unknown.
  Expect401(WithToken(std::string(32, 'a')).status(), "The token is invalid");
  Expect401(WithToken(std::string(kMaxTokenChars, 'a')).status(), "The token is invalid");
  Expect401(WithToken(std::string(kMaxTokenChars + 1, 'a')).status(), "The token is invalid");
  EXPECT_EQ(kMinTokenChars, 32u);
  EXPECT_EQ(kMaxTokenChars, 2097152u);
}

TEST_F(AuthenticatorTest, ExpiredAndRevokedTokens) {
  const std::string expiring = IssueFor(alice_);
  const std::string revoked = IssueFor(alice_);
  ASSERT_TRUE(tokens_->Revoke(revoked).ok());
  Expect401(WithToken(revoked).status(), "The token is invalid");
  clock_.Advance(kDefaultTokenLifetimeMs);
  Expect401(WithToken(expiring).status(), "The token must be updated");
}

TEST_F(AuthenticatorTest, DisabledUserRefused) {
  const std::string token = IssueFor(alice_);
  ASSERT_TRUE(WithToken(token).ok());
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", false).ok());
  EXPECT_TRUE(WithToken(token).status().IsUnauthenticated());
  // Re-enabling does not bring revoked tokens back.
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", true).ok());
  EXPECT_TRUE(WithToken(token).status().IsUnauthenticated());
  EXPECT_TRUE(WithToken(IssueFor(alice_)).ok());
}

TEST_F(AuthenticatorTest, AuthorizationAloneDecides) {
  const std::string token = IssueFor(alice_);
  AuthInput in;
  in.auth_token = token;  // valid, but ignored
  std::string bearer = "Bearer " + token;
  in.authorization = bearer;
  Expect401(auth_->Authenticate(in).status(), "unsupported authorization scheme");
  in.authorization = "";
  Expect401(auth_->Authenticate(in).status(), "unsupported authorization scheme");
  in.authorization =
      "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=host;x-sdk-date, "
      "Signature=0000";
  Expect401(auth_->Authenticate(in).status(), "AK/SK authentication is not enabled");
}

TEST_F(AuthenticatorTest, TokenFromLogin) {
  KdfLimiter limiter(1);
  LoginService login(store_.get(), &clock_, &hasher_, &limiter, tokens_.get());
  Secret pw{std::string("alice password")};
  LoginRequest r;
  r.user_name = "alice";
  r.domain_name = "acme";
  r.password = &pw;
  r.scope_project_name = "cn-north-4";
  auto res = login.Login(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  auto p = WithToken(res->token.token.view());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user_id, alice_.id);
  EXPECT_EQ(p->project_name, "cn-north-4");
  EXPECT_EQ(p->project_id, res->token.record.project_id);
}

}  // namespace
}  // namespace csrd::identity

namespace csrd::identity {
namespace {

class AuthenticatorAkSkTest : public testing::AkSkFixture {
 protected:
  void SetUp() override {
    AkSkFixture::SetUp();
    auth_ = std::make_unique<Authenticator>(tokens_.get(), verifier_.get());
  }
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorAkSkTest, SignatureGoesToTheVerifier) {
  testing::SignedRequest r = Signed();
  auto p = auth_->Authenticate(r.Input());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->method, Principal::Method::kAkSk);
  EXPECT_EQ(p->access_key, ak_);
  EXPECT_EQ(p->user_id, alice_.id);
}

TEST_F(AuthenticatorAkSkTest, TokenIgnoredBesideASignature) {
  std::string token;
  TokenPrincipal(&token);
  testing::SignedRequest r = SignedWith(ak_, "WrongSecretKeyWrongSecretKeyWrongSecret0");
  AuthInput in = r.Input();
  in.auth_token = token;  // valid, but the signature alone decides
  auto s = auth_->Authenticate(in).status();
  EXPECT_TRUE(s.IsUnauthenticated());
  EXPECT_EQ(s.message(), "verify aksk signature fail");
  in.authorization.reset();
  EXPECT_TRUE(auth_->Authenticate(in).ok());  // the token alone works
}

TEST_F(AuthenticatorAkSkTest, OnlyTheExactScheme) {
  testing::SignedRequest r = Signed();
  r.authorization.insert(std::string_view("SDK-HMAC-SHA256").size(), "X");
  auto s = auth_->Authenticate(r.Input()).status();
  EXPECT_EQ(s.message(), "unsupported authorization scheme") << s.ToString();
  r = Signed();
  r.authorization = "sdk-hmac-sha256" + r.authorization.substr(15);
  EXPECT_EQ(auth_->Authenticate(r.Input()).status().message(), "unsupported authorization scheme");
}

TEST_F(AuthenticatorAkSkTest, OneTimeFromTheInput) {
  testing::SignedRequest r = Signed();
  EXPECT_TRUE(auth_->Authenticate(r.Input(true)).ok());
  EXPECT_TRUE(auth_->Authenticate(r.Input(false)).ok());
  EXPECT_EQ(auth_->Authenticate(r.Input(true)).status().message(), "replayed signature");
}

}  // namespace
}  // namespace csrd::identity
