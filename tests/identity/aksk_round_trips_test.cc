// How many store calls one authentication costs: AK/SK and token requests
// read everything they need in ONE store call (Store::GetAkSkContext /
// GetTokenContext), with no cache in between, so the next request sees any
// change. Counted with the MeteredStore decorator over a real SQLite store.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "aksk_test_util.h"
#include "core/metrics.h"
#include "identity/aksk_verifier.h"
#include "identity/authenticator.h"
#include "store/metered_store.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::SignedRequest;

class AuthRoundTripsTest : public AkSkFixture {
 protected:
  void SetUp() override {
    AkSkFixture::SetUp();
    if (HasFatalFailure()) return;
    // A second store on the same database, metered: the verifier under test
    // goes through it, the fixture's set-up calls do not.
    metered_ = std::make_unique<store::MeteredStore>(testing::OpenTestStore(dir_), &registry_);
    mcreds_ = std::make_unique<CredentialService>(metered_.get(), &clock_, sealer_.get());
    mtokens_ = std::make_unique<TokenService>(metered_.get(), &clock_);
    mverifier_ = std::make_unique<AkSkVerifier>(metered_.get(), &clock_, mcreds_.get());
    auth_ = std::make_unique<Authenticator>(mtokens_.get(), mverifier_.get());
  }

  // How many times the store operation ran (its histogram's count).
  int64_t Calls(std::string_view op) {
    const std::string text = registry_.Render();
    const std::string key =
        "csrd_db_operation_duration_seconds_count{operation=\"" + std::string(op) + "\"} ";
    const size_t at = text.find(key);
    if (at == std::string::npos) return 0;
    return std::stoll(text.substr(at + key.size()));
  }

  // Calls of every single-table read the context replaced.
  int64_t SingleReads() {
    int64_t n = 0;
    for (const char* op : {"get_credential", "get_user_by_id", "get_account_by_id",
                           "get_throttle", "get_token"}) {
      n += Calls(op);
    }
    return n;
  }

  metrics::Registry registry_;
  std::unique_ptr<store::MeteredStore> metered_;
  std::unique_ptr<CredentialService> mcreds_;
  std::unique_ptr<TokenService> mtokens_;
  std::unique_ptr<AkSkVerifier> mverifier_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthRoundTripsTest, AkSkRequestIsOneRead) {
  for (int i = 1; i <= 3; ++i) {
    SignedRequest r = Signed();
    auto p = auth_->Authenticate(r.Input());
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->user_name, "alice");
    EXPECT_EQ(Calls("get_aksk_context"), i);
  }
  EXPECT_EQ(SingleReads(), 0);
  EXPECT_EQ(Calls("touch_credential"), 1);  // at most once a minute
  // A refusal costs the same read (and the failure count).
  auto bad = auth_->Authenticate(SignedWith(ak_, "WrongSecretKeyWrongSecretKeyWrongSecret0").Input());
  EXPECT_TRUE(bad.status().IsUnauthenticated());
  EXPECT_EQ(Calls("get_aksk_context"), 4);
  EXPECT_EQ(Calls("record_failure"), 1);
  EXPECT_EQ(SingleReads(), 0);
}

TEST_F(AuthRoundTripsTest, TemporaryKeyIsOneReadToo) {
  auto p = Verify(Signed());
  ASSERT_TRUE(p.ok());
  auto t = creds_->CreateTemporary(*p, 3600, "");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  SignedRequest r = SignedRequest::Create(clock_.NowMillis());
  r.headers.emplace_back("X-Security-Token", std::string(t->security_token.view()));
  r.Sign(t->record.access, t->secret.view());
  auto tp = auth_->Authenticate(r.Input());
  ASSERT_TRUE(tp.ok()) << tp.status().ToString();
  EXPECT_TRUE(tp->temporary);
  EXPECT_EQ(Calls("get_aksk_context"), 1);
  EXPECT_EQ(SingleReads(), 0);  // the parent key came with the context
}

TEST_F(AuthRoundTripsTest, TokenRequestIsOneRead) {
  std::string token;
  TokenPrincipal(&token);
  AuthInput in;
  in.auth_token = token;
  for (int i = 1; i <= 2; ++i) {
    auto p = auth_->Authenticate(in);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->account_name, "acme");
    EXPECT_EQ(Calls("get_token_context"), i);
  }
  EXPECT_EQ(SingleReads(), 0);
}

// No cache: what another store (another replica) commits is seen by the very
// next request.
TEST_F(AuthRoundTripsTest, ChangesCountOnTheNextRequest) {
  std::string token;
  TokenPrincipal(&token);
  AuthInput tin;
  tin.auth_token = token;
  ASSERT_TRUE(auth_->Authenticate(Signed().Input()).ok());
  ASSERT_TRUE(auth_->Authenticate(tin).ok());

  ASSERT_TRUE(store_->SetUserRoles(alice_.id, store::kRoleScmReadOnly).ok());
  EXPECT_EQ(auth_->Authenticate(Signed().Input())->roles, store::kRoleScmReadOnly);
  EXPECT_EQ(auth_->Authenticate(tin)->roles, store::kRoleScmReadOnly);

  ASSERT_TRUE(store_->UpdateCredential(ak_, "inactive", std::nullopt).ok());
  EXPECT_EQ(auth_->Authenticate(Signed().Input()).status().message(),
            "the access key is inactive");
  ASSERT_TRUE(store_->UpdateCredential(ak_, "active", std::nullopt).ok());
  ASSERT_TRUE(auth_->Authenticate(Signed().Input()).ok());

  ASSERT_TRUE(store_->SetUserEnabled(alice_.id, false).ok());
  EXPECT_EQ(auth_->Authenticate(Signed().Input()).status().message(),
            "the access key's user is disabled or gone");
  EXPECT_EQ(auth_->Authenticate(tin).status().message(), "The token is invalid");

  ASSERT_TRUE(store_->DeleteCredential(ak_).ok());
  EXPECT_NE(auth_->Authenticate(Signed().Input()).status().message().find("ak not exist"),
            std::string::npos);
}

}  // namespace
}  // namespace csrd::identity
