// AkSkVerifier with temporary keys (security tokens, parents, expiry, policy).
#include <gtest/gtest.h>

#include <string>

#include "aksk_test_util.h"
#include "identity/aksk_verifier.h"
#include "identity/permissions.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::SignedRequest;

constexpr int64_t kMinute = 60 * 1000;

void Expect401(const Status& s, std::string_view message_part) {
  EXPECT_TRUE(s.IsUnauthenticated()) << s.ToString();
  EXPECT_NE(s.message().find(message_part), std::string::npos) << s.ToString();
}

class AkSkTemporaryTest : public AkSkFixture {
 protected:
  NewTemporaryCredential Temp(const Principal& caller, std::string policy = "",
                              int64_t duration_s = 3600) {
    auto t = creds_->CreateTemporary(caller, duration_s, std::move(policy));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? std::move(t).value() : NewTemporaryCredential{};
  }

  // Signed with the temporary key, X-Security-Token signed too (as the SDKs do).
  SignedRequest SignedTemp(const NewTemporaryCredential& t, std::string_view token) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis());
    r.headers.emplace_back("X-Security-Token", std::string(token));
    r.Sign(t.record.access, t.secret.view());
    return r;
  }
  SignedRequest SignedTemp(const NewTemporaryCredential& t) {
    return SignedTemp(t, t.security_token.view());
  }

  Principal FromPermanentKey() {
    auto p = Verify(Signed());
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : Principal{};
  }
};

TEST_F(AkSkTemporaryTest, WorksWithItsSecurityToken) {
  auto t = Temp(TokenPrincipal(), "Allow scm::list*");
  auto p = Verify(SignedTemp(t));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->method, Principal::Method::kAkSk);
  EXPECT_EQ(p->access_key, t.record.access);
  EXPECT_TRUE(p->temporary);
  EXPECT_EQ(p->expires_at, t.record.expires_at);
  EXPECT_EQ(p->user_id, alice_.id);
  EXPECT_EQ(p->account_id, account_.id);
  ASSERT_TRUE(p->policy.has_value());
  EXPECT_EQ(FormatPolicy(*p->policy), "Allow scm::list*");
}

TEST_F(AkSkTemporaryTest, SecurityTokenMayBeUnsigned) {
  auto t = Temp(TokenPrincipal());
  SignedRequest r = SignedRequest::Create(clock_.NowMillis());
  r.Sign(t.record.access, t.secret.view());
  r.extra.emplace_back("X-Security-Token", t.security_token.str());  // added after signing
  EXPECT_TRUE(Verify(r).ok());
}

TEST_F(AkSkTemporaryTest, RefusedWithoutOrWithAWrongToken) {
  auto t = Temp(TokenPrincipal());
  SignedRequest none = SignedRequest::Create(clock_.NowMillis());
  none.Sign(t.record.access, t.secret.view());
  Expect401(Verify(none).status(), "X-Security-Token is required");

  Expect401(Verify(SignedTemp(t, "not-the-token")).status(), "does not belong");
  Expect401(Verify(SignedTemp(t, "")).status(), "does not belong");
  auto other = Temp(TokenPrincipal());
  Expect401(Verify(SignedTemp(t, other.security_token.view())).status(), "does not belong");
  // The token is checked as given, not trimmed or case-folded.
  std::string upper = t.security_token.str();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != t.security_token.str()) {
    Expect401(Verify(SignedTemp(t, upper)).status(), "does not belong");
  }
  EXPECT_TRUE(Verify(SignedTemp(t)).ok());
}

TEST_F(AkSkTemporaryTest, RefusedAfterExpiry) {
  auto t = Temp(TokenPrincipal(), "", 900);
  clock_.Advance(15 * kMinute - 1000);
  EXPECT_TRUE(Verify(SignedTemp(t)).ok());
  clock_.Advance(1000);
  Expect401(Verify(SignedTemp(t)).status(), "expired");
}

TEST_F(AkSkTemporaryTest, ExpiresWithItsParentToken) {
  Principal caller = TokenPrincipal();
  clock_.Advance(24 * 60 * kMinute - 10 * kMinute);  // ten minutes of the token left
  auto t = Temp(caller, "", 3600);
  EXPECT_EQ(t.record.expires_at, caller.expires_at);
  EXPECT_TRUE(Verify(SignedTemp(t)).ok());
  clock_.Advance(10 * kMinute);
  Expect401(Verify(SignedTemp(t)).status(), "expired");
}

TEST_F(AkSkTemporaryTest, RefusedOnceTheParentTokenIsRevoked) {
  std::string token;
  auto t = Temp(TokenPrincipal(&token));
  ASSERT_TRUE(Verify(SignedTemp(t)).ok());
  ASSERT_TRUE(tokens_->Revoke(token).ok());
  Expect401(Verify(SignedTemp(t)).status(), "no longer valid");
}

TEST_F(AkSkTemporaryTest, RefusedOnceTheUsersTokensAreRevoked) {
  auto t = Temp(TokenPrincipal());
  ASSERT_TRUE(admin_->ResetPassword("acme", "alice", Secret(std::string("new password"))).ok());
  // The store may also drop the key itself; either way it stops working.
  EXPECT_TRUE(Verify(SignedTemp(t)).status().IsUnauthenticated());
}

TEST_F(AkSkTemporaryTest, FollowsItsParentAccessKey) {
  auto t = Temp(FromPermanentKey());
  EXPECT_EQ(t.record.parent_access, ak_);
  ASSERT_TRUE(Verify(SignedTemp(t)).ok());
  ASSERT_TRUE(store_->UpdateCredential(ak_, "inactive", std::nullopt).ok());
  Expect401(Verify(SignedTemp(t)).status(), "no longer valid");
  ASSERT_TRUE(store_->UpdateCredential(ak_, "active", std::nullopt).ok());
  EXPECT_TRUE(Verify(SignedTemp(t)).ok());
  ASSERT_TRUE(store_->DeleteCredential(ak_).ok());
  EXPECT_TRUE(Verify(SignedTemp(t)).status().IsUnauthenticated());
}

TEST_F(AkSkTemporaryTest, InactiveTemporaryKeyRefused) {
  auto t = Temp(TokenPrincipal());
  ASSERT_TRUE(store_->UpdateCredential(t.record.access, "inactive", std::nullopt).ok());
  Expect401(Verify(SignedTemp(t)).status(), "inactive");
}

TEST_F(AkSkTemporaryTest, PolicyEnforced) {
  auto list_only = Verify(SignedTemp(Temp(TokenPrincipal(), "Allow scm::list*")));
  ASSERT_TRUE(list_only.ok()) << list_only.status().ToString();
  EXPECT_TRUE(IsAllowed(*list_only, Action::kListCsr));
  EXPECT_FALSE(IsAllowed(*list_only, Action::kCreateCsr));
  EXPECT_FALSE(IsAllowed(*list_only, Action::kGetCsrPrivateKey));

  auto deny =
      Verify(SignedTemp(Temp(TokenPrincipal(), "Allow scm::*\nDeny scm::getCsrPrivateKey")));
  ASSERT_TRUE(deny.ok());
  EXPECT_TRUE(IsAllowed(*deny, Action::kCreateCsr));
  EXPECT_TRUE(IsAllowed(*deny, Action::kGetCsr));
  EXPECT_FALSE(IsAllowed(*deny, Action::kGetCsrPrivateKey));

  auto none = Verify(SignedTemp(Temp(TokenPrincipal())));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->policy.has_value());
  EXPECT_TRUE(IsAllowed(*none, Action::kGetCsrPrivateKey));

  // The policy never widens the roles, read now.
  ASSERT_TRUE(admin_->SetRoles("acme", "alice", store::kRoleScmReadOnly).ok());
  auto reader = Verify(SignedTemp(Temp(TokenPrincipal(), "Allow *")));
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(IsAllowed(*reader, Action::kGetCsr));
  EXPECT_FALSE(IsAllowed(*reader, Action::kCreateCsr));
}

TEST_F(AkSkTemporaryTest, WrongSignatureCountsLikeAPermanentKey) {
  auto t = Temp(TokenPrincipal());
  for (int i = 0; i < 5; ++i) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis());
    r.headers.emplace_back("X-Security-Token", t.security_token.str());
    r.Sign(t.record.access, "WrongSecretKeyWrongSecretKeyWrongSecret0");
    Expect401(Verify(r).status(), "verify aksk signature fail");
  }
  Expect401(Verify(SignedTemp(t)).status(), "AK access failed to reach the limit,forbidden");
}

}  // namespace
}  // namespace csrd::identity
