// Audit events of the identity layer: failed logins and AK lockouts
// (best-effort: a refused record never changes the answer), new access keys
// (in the key's own transaction), and RecordBestEffort itself. Real SQLite
// store; "the database refuses audit rows" is a trigger on the table.
#include "identity/audit_events.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "aksk_test_util.h"
#include "identity/kdf_limiter.h"
#include "identity/login_service.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::SignedRequest;

constexpr char kAlicePassword[] = "alice password";
constexpr char kWrongPassword[] = "Wr0ng-Secret-Pa55word";
constexpr char kAddr[] = "192.0.2.1";

class AuditEventsTest : public AkSkFixture {
 protected:
  void SetUp() override {
    AkSkFixture::SetUp();
    if (HasFatalFailure()) return;
    auto handler = [this](const store::AuditEvent& e, const Status& st) {
      lost_.push_back(e);
      EXPECT_FALSE(st.ok());
    };
    login_ = std::make_unique<LoginService>(store_.get(), &clock_, &hasher_, &limiter_,
                                            tokens_.get(), LoginPolicy{}, handler);
    verifier_ = std::make_unique<AkSkVerifier>(store_.get(), &clock_, creds_.get(),
                                               AkSkPolicy{}, handler);
  }

  std::vector<store::AuditEvent> Events(const std::string& account_id) {
    store::AuditQuery q;
    auto page = store_->ListAudit(account_id, q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<store::AuditEvent>{};
  }

  Result<LoginResult> Login(std::string_view password, std::string user = "alice",
                            std::string domain = "acme") {
    Secret pw{std::string(password)};
    LoginRequest r;
    r.user_name = std::move(user);
    r.domain_name = std::move(domain);
    r.password = &pw;
    r.remote_addr = kAddr;
    r.request_id = "rq-login";
    return login_->Login(r);
  }

  // A signature made with the wrong SK, from kAddr.
  Status WrongSignature(const std::string& request_id = "rq-ak") {
    SignedRequest r = SignedWith(ak_, "WrongSecretKeyWrongSecretKeyWrongSecret0");
    r.remote_addr = kAddr;
    AuthInput in = r.Input();
    in.request_id = request_id;
    return verifier_->Verify(in, false).status();
  }

  // From now on the database refuses every audit row; everything else works.
  void RefuseAuditRows() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "csrd.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN"
                           " SELECT RAISE(ABORT, 'audit refused'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  static void ExpectNoSecret(const store::AuditEvent& e, std::string_view secret) {
    for (const std::string* f : {&e.account_id, &e.user_id, &e.user_name, &e.action,
                                 &e.resource_id, &e.remote_addr, &e.request_id, &e.outcome,
                                 &e.detail}) {
      EXPECT_EQ(f->find(secret), std::string::npos) << *f;
    }
  }

  KdfLimiter limiter_{2};
  std::unique_ptr<LoginService> login_;
  std::vector<store::AuditEvent> lost_;  // events the handler heard of
};

TEST_F(AuditEventsTest, RecordBestEffortWritesOrReports) {
  store::AuditEvent e;
  e.time = 5;
  e.account_id = account_.id;
  e.action = kAuditLogin;
  e.outcome = kOutcomeFailure;
  int calls = 0;
  AuditFailureHandler count = [&calls](const store::AuditEvent&, const Status&) { ++calls; };
  RecordBestEffort(*store_, e, count);
  EXPECT_EQ(calls, 0);
  ASSERT_EQ(Events(account_.id).size(), 1u);

  RefuseAuditRows();
  RecordBestEffort(*store_, e, count);
  EXPECT_EQ(calls, 1);
  RecordBestEffort(*store_, e, nullptr);  // no handler: nothing happens
  EXPECT_EQ(Events(account_.id).size(), 1u);
}

TEST_F(AuditEventsTest, WrongPasswordIsRecordedWithoutThePassword) {
  EXPECT_TRUE(Login(kWrongPassword).status().IsUnauthenticated());
  auto events = Events(account_.id);
  ASSERT_EQ(events.size(), 1u);
  const store::AuditEvent& e = events[0];
  EXPECT_EQ(e.time, clock_.NowMillis());
  EXPECT_EQ(e.account_id, account_.id);
  EXPECT_EQ(e.user_id, alice_.id);
  EXPECT_EQ(e.user_name, "alice");
  EXPECT_EQ(e.action, "iam::login");
  EXPECT_EQ(e.resource_id, "");
  EXPECT_EQ(e.remote_addr, kAddr);
  EXPECT_EQ(e.request_id, "rq-login");
  EXPECT_EQ(e.outcome, "failure");
  EXPECT_EQ(e.detail, "wrong password");
  ExpectNoSecret(e, kWrongPassword);
  EXPECT_TRUE(lost_.empty());

  // A success records nothing.
  ASSERT_TRUE(Login(kAlicePassword).ok());
  EXPECT_EQ(Events(account_.id).size(), 1u);
}

TEST_F(AuditEventsTest, UnknownNamesAreNotRecorded) {
  // An unknown user of a known account: the account's trail, without the
  // name that was tried (it could be a password typed in the wrong field).
  EXPECT_TRUE(Login(kAlicePassword, kWrongPassword).status().IsUnauthenticated());
  auto events = Events(account_.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user_id, "");
  EXPECT_EQ(events[0].user_name, "");
  EXPECT_EQ(events[0].detail, "unknown user");
  ExpectNoSecret(events[0], kWrongPassword);
  ExpectNoSecret(events[0], kAlicePassword);

  // An unknown account: no account to file it under.
  EXPECT_TRUE(Login(kAlicePassword, "alice", "nowhere").status().IsUnauthenticated());
  auto orphans = Events("");
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].detail, "unknown account");
  EXPECT_EQ(orphans[0].user_name, "");
  EXPECT_EQ(orphans[0].remote_addr, kAddr);
  EXPECT_EQ(Events(account_.id).size(), 1u);

  // Malformed requests are 400s, not failed logins.
  Secret pw{std::string(kAlicePassword)};
  LoginRequest bad;
  bad.user_name = "alice";
  bad.password = &pw;
  EXPECT_TRUE(login_->Login(bad).status().IsInvalidArgument());
  EXPECT_EQ(Events("").size(), 1u);
}

TEST_F(AuditEventsTest, LockDisabledAndScopeFailuresSayWhy) {
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Login(kWrongPassword).ok());
  EXPECT_FALSE(Login(kAlicePassword).ok());  // locked
  auto events = Events(account_.id);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].detail, "locked out from this address after wrong passwords");
  EXPECT_EQ(events[1].detail,
            "wrong password; the user is now locked out from this address for 900 s");
  EXPECT_EQ(events[2].detail, "wrong password");

  clock_.Advance(16 * 60 * 1000);
  Secret pw{std::string(kAlicePassword)};
  LoginRequest r;
  r.user_name = "alice";
  r.domain_name = "acme";
  r.scope_domain_name = "other";
  r.password = &pw;
  r.remote_addr = kAddr;
  EXPECT_TRUE(login_->Login(r).status().IsUnauthenticated());
  events = Events(account_.id);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].detail, "right password, but the scope names another account");
  EXPECT_EQ(events[0].user_id, alice_.id);

  ASSERT_TRUE(admin_->SetEnabled("acme", "alice", false).ok());
  EXPECT_FALSE(Login(kAlicePassword).ok());
  events = Events(account_.id);
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[0].detail, "the user is disabled");
}

TEST_F(AuditEventsTest, RefusedLoginRecordStaysA401) {
  RefuseAuditRows();
  Status st = Login(kWrongPassword).status();
  EXPECT_TRUE(st.IsUnauthenticated()) << st.ToString();
  ASSERT_EQ(lost_.size(), 1u);
  EXPECT_EQ(lost_[0].user_id, alice_.id);
  EXPECT_EQ(lost_[0].request_id, "rq-login");
  EXPECT_TRUE(Login(kAlicePassword, "nobody").status().IsUnauthenticated());
  EXPECT_EQ(lost_.size(), 2u);
  EXPECT_TRUE(Events(account_.id).empty());
}

TEST_F(AuditEventsTest, AkLockIsRecordedOncePerLock) {
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(WrongSignature().IsUnauthenticated());
  EXPECT_TRUE(Events(account_.id).empty());  // single failures are not events
  EXPECT_TRUE(WrongSignature("rq-locking").IsUnauthenticated());
  EXPECT_TRUE(WrongSignature().IsUnauthenticated());  // during the lock: not again
  auto events = Events(account_.id);
  ASSERT_EQ(events.size(), 1u);
  const store::AuditEvent& e = events[0];
  EXPECT_EQ(e.action, "iam::akLocked");
  EXPECT_EQ(e.resource_id, ak_);
  EXPECT_EQ(e.account_id, account_.id);
  EXPECT_EQ(e.user_id, alice_.id);
  EXPECT_EQ(e.user_name, "alice");
  EXPECT_EQ(e.remote_addr, kAddr);
  EXPECT_EQ(e.request_id, "rq-locking");
  EXPECT_EQ(e.outcome, "failure");
  EXPECT_EQ(e.detail, "5 wrong signatures in a row from this address; locked for 300 s");
  ExpectNoSecret(e, sk_);

  clock_.Advance(5 * 60 * 1000);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(WrongSignature().IsUnauthenticated());
  EXPECT_EQ(Events(account_.id).size(), 2u);  // a new lock, a new event
}

TEST_F(AuditEventsTest, RefusedLockRecordStaysA401) {
  RefuseAuditRows();
  for (int i = 0; i < 5; ++i) {
    Status st = WrongSignature();
    EXPECT_TRUE(st.IsUnauthenticated()) << st.ToString();
  }
  ASSERT_EQ(lost_.size(), 1u);
  EXPECT_EQ(lost_[0].action, "iam::akLocked");
  EXPECT_EQ(lost_[0].resource_id, ak_);
  // The lock itself holds.
  SignedRequest right = Signed();
  right.remote_addr = kAddr;
  EXPECT_TRUE(Verify(right).status().IsUnauthenticated());
}

TEST_F(AuditEventsTest, NewKeysCarryTheirEventInTheirTransaction) {
  store::AuditEvent ev;
  ev.time = clock_.NowMillis();
  ev.account_id = account_.id;
  ev.user_id = alice_.id;
  ev.action = kAuditCreateCredential;
  ev.outcome = kOutcomeSuccess;
  ev.detail = "permanent";
  auto key = creds_->CreatePermanent(alice_, "second", &ev);  // alice's second (last) key
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto temp = creds_->CreateTemporary(TokenPrincipal(), 900, "", &ev);
  ASSERT_TRUE(temp.ok()) << temp.status().ToString();
  auto events = Events(account_.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].resource_id, temp->record.access);  // filled in by the service
  EXPECT_EQ(events[1].resource_id, key->record.access);
  ExpectNoSecret(events[0], temp->secret.view());
  ExpectNoSecret(events[1], key->secret.view());

  EXPECT_TRUE(creds_->CreatePermanent(alice_, "third", &ev).status().IsResourceExhausted());
  EXPECT_EQ(Events(account_.id).size(), 2u);  // refused: no event

  RefuseAuditRows();
  auto temp2 = creds_->CreateTemporary(TokenPrincipal(), 900, "", &ev);
  EXPECT_FALSE(temp2.ok());  // no key without its record
  EXPECT_TRUE(creds_->CreateTemporary(TokenPrincipal(), 900, "").ok());
}

}  // namespace
}  // namespace csrd::identity
