#include "identity/credential_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include "aksk_test_util.h"

namespace csrd::identity {
namespace {

using testing::AkSkFixture;
using testing::kAkT0;

constexpr int64_t kMinute = 60 * 1000;

bool AllMatch(const std::string& s, const char* re) { return std::regex_match(s, std::regex(re)); }

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class CredentialServiceTest : public AkSkFixture {};

TEST_F(CredentialServiceTest, PermanentKeyShapesAndRecord) {
  auto c = creds_->CreatePermanent(alice_, "ci deploy");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(AllMatch(c->record.access, "[A-Z0-9]{20}")) << c->record.access;
  EXPECT_TRUE(AllMatch(c->secret.str(), "[A-Za-z0-9]{40}"));
  EXPECT_EQ(c->record.user_id, alice_.id);
  EXPECT_EQ(c->record.account_id, account_.id);
  EXPECT_EQ(c->record.status, "active");
  EXPECT_EQ(c->record.description, "ci deploy");
  EXPECT_EQ(c->record.create_time, kAkT0);
  EXPECT_FALSE(c->record.temporary);
  EXPECT_EQ(c->record.last_use_time, 0);

  auto stored = Stored(c->record.access);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->sealed_secret, c->record.sealed_secret);
  EXPECT_EQ(stored->description, "ci deploy");
  EXPECT_EQ(stored->sealed_secret.find(c->secret.str()), std::string::npos);
}

TEST_F(CredentialServiceTest, KeysAreRandom) {
  std::set<std::string> aks = {ak_};
  std::set<std::string> sks = {sk_};
  auto bob = admin_->CreateUser("acme", "bob", Secret(std::string("bob password")), 0);
  ASSERT_TRUE(bob.ok());
  auto c = creds_->CreatePermanent(*bob, "");
  ASSERT_TRUE(c.ok());
  aks.insert(c->record.access);
  sks.insert(c->secret.str());
  for (int i = 0; i < 5; ++i) {
    auto t = creds_->CreateTemporary(TokenPrincipal(), 900, "");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    aks.insert(t->record.access);
    sks.insert(t->secret.str());
  }
  EXPECT_EQ(aks.size(), 7u);
  EXPECT_EQ(sks.size(), 7u);
}

TEST_F(CredentialServiceTest, OpenSecretRoundTripAndBinding) {
  auto stored = Stored(ak_);
  ASSERT_TRUE(stored.ok());
  auto sk = creds_->OpenSecret(*stored);
  ASSERT_TRUE(sk.ok()) << sk.status().ToString();
  EXPECT_EQ(sk->str(), sk_);

  // The seal is bound to the row: moved to another AK or account, it fails.
  store::Credential moved = *stored;
  moved.access = "AAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(creds_->OpenSecret(moved).status().code(), Status::Code::kCorruption);
  moved = *stored;
  moved.account_id = std::string(32, '0');
  EXPECT_EQ(creds_->OpenSecret(moved).status().code(), Status::Code::kCorruption);
  moved = *stored;
  moved.sealed_secret[moved.sealed_secret.size() / 2] ^= 1;
  EXPECT_EQ(creds_->OpenSecret(moved).status().code(), Status::Code::kCorruption);
}

TEST_F(CredentialServiceTest, SecretNeverStoredInTheClear) {
  auto t = creds_->CreateTemporary(TokenPrincipal(), 900, "");
  ASSERT_TRUE(t.ok());
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) all += ReadFile(e.path());
  ASSERT_NE(all.find(ak_), std::string::npos);  // the scan does see the rows
  EXPECT_EQ(all.find(sk_), std::string::npos);
  EXPECT_EQ(all.find(t->secret.str()), std::string::npos);
  EXPECT_EQ(all.find(t->security_token.str()), std::string::npos);
}

TEST_F(CredentialServiceTest, AtMostTwoPermanentKeysPerUser) {
  auto second = creds_->CreatePermanent(alice_, "");
  ASSERT_TRUE(second.ok());
  // An inactive key still counts.
  ASSERT_TRUE(store_->UpdateCredential(second->record.access, "inactive", std::nullopt).ok());
  auto third = creds_->CreatePermanent(alice_, "");
  EXPECT_TRUE(third.status().IsResourceExhausted());
  EXPECT_EQ(third.status().message(), "akSkNumExceed");
  // Temporary keys do not count, and are not capped by it.
  EXPECT_TRUE(creds_->CreateTemporary(TokenPrincipal(), 900, "").ok());
  // Another user has its own quota.
  auto bob = admin_->CreateUser("acme", "bob", Secret(std::string("bob password")), 0);
  ASSERT_TRUE(bob.ok());
  EXPECT_TRUE(creds_->CreatePermanent(*bob, "").ok());
  // Deleting one frees a slot.
  ASSERT_TRUE(store_->DeleteCredential(second->record.access).ok());
  EXPECT_TRUE(creds_->CreatePermanent(alice_, "").ok());
  EXPECT_TRUE(creds_->CreatePermanent(alice_, "").status().IsResourceExhausted());
}

TEST_F(CredentialServiceTest, TemporaryFromToken) {
  Principal caller = TokenPrincipal();
  auto t = creds_->CreateTemporary(caller, 3600, "Allow scm::list*\r\nDeny scm::listAudit*\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const store::Credential& r = t->record;
  EXPECT_TRUE(AllMatch(r.access, "[A-Z0-9]{20}"));
  EXPECT_TRUE(AllMatch(t->secret.str(), "[A-Za-z0-9]{40}"));
  // 256 bits, URL-safe, no padding.
  EXPECT_TRUE(AllMatch(t->security_token.str(), "[A-Za-z0-9_-]{43,}")) << t->security_token.str();
  EXPECT_TRUE(r.temporary);
  EXPECT_EQ(r.status, "active");
  EXPECT_EQ(r.user_id, alice_.id);
  EXPECT_EQ(r.account_id, account_.id);
  EXPECT_EQ(r.expires_at, kAkT0 + 3600 * 1000);
  EXPECT_EQ(r.security_token_hash, Sha256Hex(t->security_token.view()));
  EXPECT_EQ(r.parent_token_hash, caller.token_hash);
  EXPECT_EQ(r.parent_access, "");
  EXPECT_EQ(r.policy, "Allow scm::list*\nDeny scm::listAudit*");  // normalised

  auto stored = Stored(r.access);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(stored->temporary);
  EXPECT_EQ(stored->security_token_hash, r.security_token_hash);
  EXPECT_EQ(stored->expires_at, r.expires_at);
  EXPECT_EQ(stored->parent_token_hash, caller.token_hash);
  EXPECT_EQ(stored->policy, r.policy);
  auto sk = creds_->OpenSecret(*stored);
  ASSERT_TRUE(sk.ok());
  EXPECT_EQ(sk->str(), t->secret.str());
}

TEST_F(CredentialServiceTest, TemporaryFromPermanentKey) {
  auto p = Verify(Signed());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto t = creds_->CreateTemporary(*p, 86400, "");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->record.parent_access, ak_);
  EXPECT_EQ(t->record.parent_token_hash, "");
  EXPECT_EQ(t->record.expires_at, kAkT0 + 86400LL * 1000);  // a permanent key does not clamp
  EXPECT_EQ(t->record.policy, "");
}

TEST_F(CredentialServiceTest, DurationBounds) {
  Principal caller = TokenPrincipal();
  for (int64_t bad : {-1LL, 0LL, 899LL, 86401LL, 1LL << 40}) {
    EXPECT_TRUE(creds_->CreateTemporary(caller, bad, "").status().IsInvalidArgument()) << bad;
  }
  auto lo = creds_->CreateTemporary(caller, kMinTemporaryDurationS, "");
  ASSERT_TRUE(lo.ok());
  EXPECT_EQ(lo->record.expires_at, kAkT0 + 900 * 1000);
  auto hi = creds_->CreateTemporary(caller, kMaxTemporaryDurationS, "");
  ASSERT_TRUE(hi.ok());
  // The token lives 24 h from kAkT0: exactly the maximum.
  EXPECT_EQ(hi->record.expires_at, kAkT0 + 86400LL * 1000);
  EXPECT_EQ(kDefaultTemporaryDurationS, 900);
}

TEST_F(CredentialServiceTest, ExpiryClampedToTheParentToken) {
  Principal caller = TokenPrincipal();  // expires at kAkT0 + 24 h
  clock_.Advance(23 * 60 * kMinute);    // one hour of the token left
  auto t = creds_->CreateTemporary(caller, 7200, "");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->record.expires_at, caller.expires_at);
  auto shorter = creds_->CreateTemporary(caller, 900, "");
  ASSERT_TRUE(shorter.ok());
  EXPECT_EQ(shorter->record.expires_at, clock_.NowMillis() + 900 * 1000);
  // A caller whose credential has run out gets nothing.
  clock_.Set(caller.expires_at);
  EXPECT_TRUE(creds_->CreateTemporary(caller, 900, "").status().IsUnauthenticated());
}

TEST_F(CredentialServiceTest, TemporaryCallerCannotMintMore) {
  std::string token;
  Principal caller = TokenPrincipal(&token);
  auto t = creds_->CreateTemporary(caller, 900, "");
  ASSERT_TRUE(t.ok());
  testing::SignedRequest r = testing::SignedRequest::Create(clock_.NowMillis());
  r.headers.emplace_back("X-Security-Token", t->security_token.str());
  r.Sign(t->record.access, t->secret.view());
  auto temp = Verify(r);
  ASSERT_TRUE(temp.ok()) << temp.status().ToString();
  ASSERT_TRUE(temp->temporary);
  auto again = creds_->CreateTemporary(*temp, 900, "");
  EXPECT_TRUE(again.status().IsPermissionDenied()) << again.status().ToString();
}

TEST_F(CredentialServiceTest, BadPolicyRefused) {
  Principal caller = TokenPrincipal();
  EXPECT_TRUE(creds_->CreateTemporary(caller, 900, "Allow").status().IsInvalidArgument());
  EXPECT_TRUE(creds_->CreateTemporary(caller, 900, "Grant *").status().IsInvalidArgument());
  EXPECT_TRUE(creds_->CreateTemporary(caller, 900, "\n").status().IsInvalidArgument());
  EXPECT_TRUE(creds_->CreateTemporary(caller, 900, "Allow a b").status().IsInvalidArgument());
}

}  // namespace
}  // namespace csrd::identity
