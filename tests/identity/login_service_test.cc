#include "identity/login_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "identity/account_admin.h"
#include "identity/project.h"
#include "identity/roles.h"
#include "identity_test_util.h"

namespace csrd::identity {
namespace {

using testing::CheapParams;
using testing::OpenTestStore;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kMinute = 60'000;
constexpr char kPassword[] = "correct horse battery";
constexpr char kAddrA[] = "192.0.2.10";
constexpr char kAddrB[] = "2001:db8::7";

class LoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    tokens_ = std::make_unique<TokenService>(store_.get(), &clock_);
    login_ = std::make_unique<LoginService>(store_.get(), &clock_, &hasher_, &limiter_,
                                            tokens_.get());
    admin_ = std::make_unique<AccountAdmin>(store_.get(), &clock_, &hasher_);
    auto acme = admin_->CreateAccount("acme");
    ASSERT_TRUE(acme.ok()) << acme.status().ToString();
    account_ = *acme;
    auto other = admin_->CreateAccount("other");
    ASSERT_TRUE(other.ok());
    other_ = *other;
    auto alice = admin_->CreateUser("acme", "alice", Secret(std::string(kPassword)),
                                    store::kRoleScmFullAccess);
    ASSERT_TRUE(alice.ok()) << alice.status().ToString();
    alice_ = *alice;
    // A user of the same name in another account, with another password.
    ASSERT_TRUE(admin_->CreateUser("other", "alice", Secret(std::string("other password")),
                                   store::kRoleScmReadOnly)
                    .ok());
  }

  LoginRequest Req(const Secret& pw, std::string addr = kAddrA) {
    LoginRequest r;
    r.user_name = "alice";
    r.domain_name = "acme";
    r.password = &pw;
    r.remote_addr = std::move(addr);
    return r;
  }

  Result<LoginResult> Login(std::string_view password, std::string addr = kAddrA) {
    Secret pw{std::string(password)};
    return login_->Login(Req(pw, std::move(addr)));
  }

  static void ExpectWrong(const Status& s) {
    EXPECT_TRUE(s.IsUnauthenticated()) << s.ToString();
    EXPECT_EQ(s.message(), "The username or password is wrong.");
  }

  store::Throttle ThrottleOf(const std::string& addr) {
    auto t = store_->GetThrottle("login:" + alice_.id + ":" + addr);
    EXPECT_TRUE(t.ok());
    return t.ok() ? *t : store::Throttle{};
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{kT0};
  PasswordHasher hasher_{CheapParams()};
  KdfLimiter limiter_{2};
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<LoginService> login_;
  std::unique_ptr<AccountAdmin> admin_;
  store::Account account_, other_;
  store::User alice_;
};

TEST_F(LoginTest, Success) {
  auto r = Login(kPassword);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user.id, alice_.id);
  EXPECT_EQ(r->user.name, "alice");
  EXPECT_TRUE(r->user.password_hash.empty());
  EXPECT_EQ(r->account.id, account_.id);
  EXPECT_EQ(r->account.name, "acme");
  EXPECT_EQ(r->token.record.user_id, alice_.id);
  EXPECT_EQ(r->token.record.account_id, account_.id);
  EXPECT_EQ(r->token.record.project_id, "");
  EXPECT_EQ(r->token.record.expires_at, kT0 + 24LL * 3600 * 1000);
  auto rec = tokens_->Lookup(r->token.token.view());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->user_id, alice_.id);
  EXPECT_EQ(limiter_.in_use(), 0);
}

TEST_F(LoginTest, SameNameInAnotherAccountIsAnotherUser) {
  Secret pw{std::string("other password")};
  LoginRequest r = Req(pw);
  r.domain_name = "other";
  auto res = login_->Login(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->account.id, other_.id);
  EXPECT_NE(res->user.id, alice_.id);
  ExpectWrong(Login("other password").status());  // not alice@acme's password
}

TEST_F(LoginTest, DomainByIdAndUserById) {
  Secret pw{std::string(kPassword)};
  LoginRequest r = Req(pw);
  r.domain_name.clear();
  r.domain_id = account_.id;
  EXPECT_TRUE(login_->Login(r).ok());

  LoginRequest by_id;
  by_id.user_id = alice_.id;
  by_id.password = &pw;
  by_id.remote_addr = kAddrA;
  EXPECT_TRUE(login_->Login(by_id).ok());

  by_id.domain_id = other_.id;  // a domain that is not the user's
  ExpectWrong(login_->Login(by_id).status());
  by_id.domain_id.clear();
  by_id.user_name = "bob";  // a name that is not the id's
  ExpectWrong(login_->Login(by_id).status());

  r.domain_name = "other";  // name and id disagree
  ExpectWrong(login_->Login(r).status());
}

TEST_F(LoginTest, WrongPasswordUnknownUserUnknownAccountAreIdentical) {
  Secret pw{std::string(kPassword)};
  Status wrong = Login("not the password").status();
  LoginRequest r = Req(pw);
  r.user_name = "mallory";
  Status no_user = login_->Login(r).status();
  r = Req(pw);
  r.domain_name = "nosuchaccount";
  Status no_account = login_->Login(r).status();
  r = Req(pw);
  r.domain_name.clear();
  r.domain_id = "0123456789abcdef0123456789abcdef";
  Status no_account_id = login_->Login(r).status();
  LoginRequest by_id;
  by_id.user_id = "0123456789abcdef0123456789abcdef";
  by_id.password = &pw;
  Status no_user_id = login_->Login(by_id).status();

  for (const Status& s : {wrong, no_user, no_account, no_account_id, no_user_id}) {
    ExpectWrong(s);
    EXPECT_EQ(s.code(), wrong.code());
    EXPECT_EQ(s.message(), wrong.message());
  }
}

TEST_F(LoginTest, FiveFailuresLockThePairFor15Minutes) {
  for (int i = 0; i < 4; ++i) ExpectWrong(Login("wrong password").status());
  EXPECT_TRUE(Login(kPassword, kAddrB).ok());  // another address is another pair
  ExpectWrong(Login("wrong password").status());  // the fifth
  EXPECT_EQ(ThrottleOf(kAddrA).locked_until, kT0 + 15 * kMinute);

  ExpectWrong(Login(kPassword).status());  // the right password, refused while locked
  EXPECT_TRUE(Login(kPassword, kAddrB).ok());
  // Attempts during the lock neither count nor extend it.
  clock_.Advance(10 * kMinute);
  ExpectWrong(Login("wrong password").status());
  ExpectWrong(Login(kPassword).status());
  EXPECT_EQ(ThrottleOf(kAddrA).locked_until, kT0 + 15 * kMinute);

  clock_.Set(kT0 + 15 * kMinute - 1);
  ExpectWrong(Login(kPassword).status());
  clock_.Set(kT0 + 15 * kMinute);
  auto ok = Login(kPassword);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ThrottleOf(kAddrA).locked_until, 0);
}

TEST_F(LoginTest, WindowRestartsAfter15Minutes) {
  for (int i = 0; i < 4; ++i) ExpectWrong(Login("wrong password").status());
  clock_.Advance(15 * kMinute);
  // The window has passed: this failure starts a new one.
  for (int i = 0; i < 4; ++i) ExpectWrong(Login("wrong password").status());
  store::Throttle t = ThrottleOf(kAddrA);
  EXPECT_EQ(t.locked_until, 0);
  EXPECT_EQ(t.failures, 4);
  ExpectWrong(Login("wrong password").status());  // fifth in the new window
  ExpectWrong(Login(kPassword).status());
}

TEST_F(LoginTest, SuccessClearsTheCounter) {
  for (int i = 0; i < 4; ++i) ExpectWrong(Login("wrong password").status());
  ASSERT_TRUE(Login(kPassword).ok());
  EXPECT_EQ(ThrottleOf(kAddrA).failures, 0);
  for (int i = 0; i < 4; ++i) ExpectWrong(Login("wrong password").status());
  EXPECT_TRUE(Login(kPassword).ok());
}

TEST_F(LoginTest, FailuresOfOneUserDoNotLockAnother) {
  ASSERT_TRUE(admin_->CreateUser("acme", "bob", Secret(std::string("bobs password")), 0).ok());
  for (int i = 0; i < 5; ++i) ExpectWrong(Login("wrong password").status());
  Secret pw{std::string("bobs password")};
  LoginRequest r = Req(pw);
  r.user_name = "bob";
  EXPECT_TRUE(login_->Login(r).ok());
}

TEST_F(LoginTest, DisabledUserRefused) {
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", false).ok());
  ExpectWrong(Login(kPassword).status());
  EXPECT_EQ(ThrottleOf(kAddrA).failures, 0);  // not a password failure
  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", true).ok());
  EXPECT_TRUE(Login(kPassword).ok());
}

TEST_F(LoginTest, PasswordResetRevokesTokens) {
  auto first = Login(kPassword);
  auto second = Login(kPassword);  // many tokens may coexist
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(tokens_->Lookup(first->token.token.view()).ok());
  EXPECT_TRUE(tokens_->Lookup(second->token.token.view()).ok());
  ASSERT_TRUE(admin_->ResetPassword("acme", "alice", Secret(std::string("a new password"))).ok());
  EXPECT_EQ(tokens_->Lookup(first->token.token.view()).status().message(), "The token is invalid");
  EXPECT_EQ(tokens_->Lookup(second->token.token.view()).status().message(),
            "The token is invalid");
  ExpectWrong(Login(kPassword).status());
  EXPECT_TRUE(Login("a new password").ok());
}

TEST_F(LoginTest, DomainScope) {
  Secret pw{std::string(kPassword)};
  LoginRequest r = Req(pw);
  r.scope_domain_name = "acme";
  EXPECT_TRUE(login_->Login(r).ok());
  r.scope_domain_name.clear();
  r.scope_domain_id = account_.id;
  EXPECT_TRUE(login_->Login(r).ok());

  r.scope_domain_id = other_.id;
  Status s = login_->Login(r).status();
  EXPECT_TRUE(s.IsUnauthenticated());
  EXPECT_EQ(s.message(), "The scope names another account");
  r.scope_domain_id.clear();
  r.scope_domain_name = "other";
  EXPECT_TRUE(login_->Login(r).status().IsUnauthenticated());
  r.scope_domain_name = "nosuchaccount";
  EXPECT_TRUE(login_->Login(r).status().IsUnauthenticated());
}

TEST_F(LoginTest, ProjectScope) {
  Secret pw{std::string(kPassword)};
  LoginRequest r = Req(pw);
  r.scope_project_name = "cn-north-4";
  auto a = login_->Login(r);
  auto b = login_->Login(r);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  const std::string id = a->token.record.project_id;
  EXPECT_TRUE(IsProjectId(id)) << id;
  EXPECT_EQ(id, ProjectIdFor(account_.id, "cn-north-4"));
  EXPECT_EQ(b->token.record.project_id, id);  // stable
  EXPECT_EQ(a->token.record.project_name, "cn-north-4");
  auto stored = tokens_->Lookup(a->token.token.view());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->project_id, id);
  EXPECT_EQ(stored->project_name, "cn-north-4");

  // Project wins over an (own) domain scope.
  r.scope_domain_name = "acme";
  auto c = login_->Login(r);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->token.record.project_id, id);

  // Another account, same project name: another id.
  Secret opw{std::string("other password")};
  LoginRequest o = Req(opw);
  o.domain_name = "other";
  o.scope_project_name = "cn-north-4";
  auto d = login_->Login(o);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d->token.record.project_id, id);
}

TEST_F(LoginTest, ProjectScopeByIdOrBoth) {
  Secret pw{std::string(kPassword)};
  LoginRequest r = Req(pw);
  r.scope_project_id = "0123456789abcdef0123456789abcdef";
  auto a = login_->Login(r);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->token.record.project_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a->token.record.project_name, "");

  r.scope_project_name = "cn-north-4";  // id and name disagree
  EXPECT_TRUE(login_->Login(r).status().IsUnauthenticated());
  r.scope_project_id = ProjectIdFor(account_.id, "cn-north-4");
  EXPECT_TRUE(login_->Login(r).ok());

  // A domain scope naming another account fails even with a project.
  r.scope_domain_id = other_.id;
  EXPECT_TRUE(login_->Login(r).status().IsUnauthenticated());
}

TEST_F(LoginTest, MalformedRequests) {
  Secret pw{std::string(kPassword)};
  LoginRequest r = Req(pw);
  r.password = nullptr;
  EXPECT_TRUE(login_->Login(r).status().IsInvalidArgument());
  r = Req(pw);
  r.user_name.clear();
  EXPECT_TRUE(login_->Login(r).status().IsInvalidArgument());
  r = Req(pw);
  r.domain_name.clear();
  EXPECT_TRUE(login_->Login(r).status().IsInvalidArgument());
  r = Req(pw);
  r.scope_project_name = "a b";
  EXPECT_TRUE(login_->Login(r).status().IsInvalidArgument());
  r = Req(pw);
  r.scope_project_id = "not-an-id";
  EXPECT_TRUE(login_->Login(r).status().IsInvalidArgument());
}

TEST_F(LoginTest, NoKdfPermitIsResourceExhausted) {
  KdfLimiter one(1);
  LoginService login(store_.get(), &clock_, &hasher_, &one, tokens_.get());
  Secret pw{std::string(kPassword)};
  Secret bad{std::string("wrong password")};
  {
    auto held = one.TryAcquire();
    ASSERT_TRUE(held);
    Status s = login.Login(Req(pw)).status();
    EXPECT_TRUE(s.IsResourceExhausted()) << s.ToString();
    EXPECT_EQ(s.message(), "too many concurrent logins");
    // A refused attempt is not a counted failure.
    for (int i = 0; i < 6; ++i) EXPECT_TRUE(login.Login(Req(bad)).status().IsResourceExhausted());
    EXPECT_EQ(ThrottleOf(kAddrA).failures, 0);
  }
  EXPECT_TRUE(login.Login(Req(pw)).ok());
  EXPECT_EQ(one.in_use(), 0);
}

TEST_F(LoginTest, CustomPolicy) {
  LoginService strict(store_.get(), &clock_, &hasher_, &limiter_, tokens_.get(),
                      LoginPolicy{2, kMinute, 2 * kMinute});
  Secret pw{std::string(kPassword)};
  Secret bad{std::string("wrong password")};
  ExpectWrong(strict.Login(Req(bad)).status());
  ExpectWrong(strict.Login(Req(bad)).status());
  ExpectWrong(strict.Login(Req(pw)).status());
  clock_.Advance(2 * kMinute);
  EXPECT_TRUE(strict.Login(Req(pw)).ok());
}

// Store failures are never turned into a 401 (which would also let a failure
// go uncounted): a wrong password whose failure cannot be recorded, and a
// right one whose token cannot be stored, both answer Unavailable.
TEST(LoginStoreDownTest, UnavailableNot401) {
  TempDir dir;
  auto store = OpenTestStore(dir, testing::QuickBusyOptions());
  ASSERT_NE(store, nullptr);
  ManualClock clock(kT0);
  PasswordHasher hasher(CheapParams());
  KdfLimiter limiter(1);
  TokenService tokens(store.get(), &clock);
  LoginService login(store.get(), &clock, &hasher, &limiter, &tokens);
  AccountAdmin admin(store.get(), &clock, &hasher);
  ASSERT_TRUE(admin.CreateAccount("acme").ok());
  ASSERT_TRUE(admin.CreateUser("acme", "alice", Secret(std::string(kPassword)), 0).ok());
  Secret right{std::string(kPassword)};
  Secret wrong{std::string("wrong password")};
  LoginRequest r;
  r.user_name = "alice";
  r.domain_name = "acme";
  r.remote_addr = kAddrA;
  {
    testing::WriteLockHolder lock(dir);
    r.password = &wrong;
    Status s = login.Login(r).status();
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    r.password = &right;
    s = login.Login(r).status();
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    // Unknown users never write, so they still get the plain 401.
    r.user_name = "mallory";
    s = login.Login(r).status();
    EXPECT_TRUE(s.IsUnauthenticated()) << s.ToString();
    r.user_name = "alice";
  }
  EXPECT_EQ(limiter.in_use(), 0);
  EXPECT_TRUE(login.Login(r).ok());
}

}  // namespace
}  // namespace csrd::identity
