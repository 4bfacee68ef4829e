#include "identity/token_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/encoding.h"
#include "identity_test_util.h"

namespace csrd::identity {
namespace {

using testing::OpenTestStore;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    store::Account a{NewId(), "acme", kT0};
    ASSERT_TRUE(store_->CreateAccount(a).ok());
    user_.id = NewId();
    user_.account_id = a.id;
    user_.name = "alice";
    user_.password_hash = "$argon2id$not-used-here";
    user_.roles = store::kRoleScmFullAccess;
    ASSERT_TRUE(store_->CreateUser(user_).ok());
  }

  // Every byte of every file of the database (main file, WAL, ...).
  std::string AllDatabaseBytes() {
    std::string all;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::ifstream in(e.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{kT0};
  store::User user_;
};

bool UrlSafe(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST_F(TokenServiceTest, TokenShape) {
  TokenService tokens(store_.get(), &clock_);
  EXPECT_EQ(tokens.lifetime_ms(), 24LL * 3600 * 1000);
  auto t = tokens.Issue(user_, "", "");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string_view text = t->token.view();
  EXPECT_GE(text.size(), 32u);
  EXPECT_EQ(text.size(), 48u);  // "csrd_" + 43 characters of base64url (256 bits)
  EXPECT_EQ(text.substr(0, 5), "csrd_");
  EXPECT_TRUE(UrlSafe(text)) << text;
  EXPECT_EQ(t->record.token_hash, Sha256Hex(text));
  EXPECT_EQ(t->record.token_hash, TokenHash(text));
  EXPECT_EQ(t->record.user_id, user_.id);
  EXPECT_EQ(t->record.account_id, user_.account_id);
  EXPECT_EQ(t->record.issued_at, kT0);
  EXPECT_EQ(t->record.expires_at, kT0 + 24LL * 3600 * 1000);
  EXPECT_FALSE(t->record.revoked);
}

TEST_F(TokenServiceTest, TokensAreUnique) {
  TokenService tokens(store_.get(), &clock_);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto t = tokens.Issue(user_, "", "");
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(seen.insert(t->token.str()).second);
  }
}

TEST_F(TokenServiceTest, OnlyTheHashIsStored) {
  TokenService tokens(store_.get(), &clock_);
  auto t = tokens.Issue(user_, "0123456789abcdef0123456789abcdef", "cn-north-4");
  ASSERT_TRUE(t.ok());
  const std::string db = AllDatabaseBytes();
  ASSERT_FALSE(db.empty());
  // The hash is there (so we are looking at the right bytes) ...
  EXPECT_NE(db.find(t->record.token_hash), std::string::npos);
  // ... the token text is not, nor its random part alone.
  EXPECT_EQ(db.find(t->token.str()), std::string::npos);
  EXPECT_EQ(db.find(t->token.str().substr(5)), std::string::npos);
  auto rec = store_->GetToken(t->record.token_hash);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->project_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(rec->project_name, "cn-north-4");
}

TEST_F(TokenServiceTest, LookupFindsALiveToken) {
  TokenService tokens(store_.get(), &clock_);
  auto t = tokens.Issue(user_, "", "");
  ASSERT_TRUE(t.ok());
  auto rec = tokens.Lookup(t->token.view());
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->token_hash, t->record.token_hash);
  EXPECT_EQ(rec->user_id, user_.id);
  EXPECT_EQ(rec->expires_at, t->record.expires_at);
}

TEST_F(TokenServiceTest, ExpiresAtExactlyTheLifetime) {
  constexpr int64_t kLife = 60'000;
  TokenService tokens(store_.get(), &clock_, kLife);
  auto t = tokens.Issue(user_, "", "");
  ASSERT_TRUE(t.ok());
  clock_.Set(kT0 + kLife - 1);
  EXPECT_TRUE(tokens.Lookup(t->token.view()).ok());
  clock_.Set(kT0 + kLife);
  Status s = tokens.Lookup(t->token.view()).status();
  EXPECT_TRUE(s.IsUnauthenticated());
  EXPECT_EQ(s.message(), "The token must be updated");
}

TEST_F(TokenServiceTest, DefaultLifetimeIs24Hours) {
  TokenService tokens(store_.get(), &clock_);
  auto t = tokens.Issue(user_, "", "");
  ASSERT_TRUE(t.ok());
  clock_.Advance(24LL * 3600 * 1000 - 1);
  EXPECT_TRUE(tokens.Lookup(t->token.view()).ok());
  clock_.Advance(1);
  EXPECT_EQ(tokens.Lookup(t->token.view()).status().message(), "The token must be updated");
}

TEST_F(TokenServiceTest, UnknownTokenIsInvalid) {
  TokenService tokens(store_.get(), &clock_);
  for (std::string_view bad : {"", "csrd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x"}) {
    Status s = tokens.Lookup(bad).status();
    EXPECT_TRUE(s.IsUnauthenticated());
    EXPECT_EQ(s.message(), "The token is invalid");
  }
}

TEST_F(TokenServiceTest, Revoke) {
  TokenService tokens(store_.get(), &clock_);
  auto keep = tokens.Issue(user_, "", "");
  auto drop = tokens.Issue(user_, "", "");
  ASSERT_TRUE(keep.ok() && drop.ok());
  ASSERT_TRUE(tokens.Revoke(drop->token.view()).ok());
  Status s = tokens.Lookup(drop->token.view()).status();
  EXPECT_TRUE(s.IsUnauthenticated());
  EXPECT_EQ(s.message(), "The token is invalid");
  EXPECT_TRUE(tokens.Lookup(keep->token.view()).ok());  // others are untouched
  EXPECT_TRUE(tokens.Revoke("csrd_never-issued-never-issued-never-issued").IsNotFound());
}

TEST_F(TokenServiceTest, RevokedBeatsExpired) {
  TokenService tokens(store_.get(), &clock_, 1000);
  auto t = tokens.Issue(user_, "", "");
  ASSERT_TRUE(t.ok());
  clock_.Advance(5000);
  ASSERT_TRUE(tokens.Revoke(t->token.view()).ok());  // an expired token can be revoked
  EXPECT_EQ(tokens.Lookup(t->token.view()).status().message(), "The token is invalid");
}

// The one-round-trip lookup refuses exactly as Lookup does, and brings the
// token's owner along.
TEST_F(TokenServiceTest, LookupWithOwnerRefusesAsLookupDoes) {
  constexpr int64_t kLife = 60'000;
  TokenService tokens(store_.get(), &clock_, kLife);
  auto live = tokens.Issue(user_, "", "");
  auto revoked = tokens.Issue(user_, "", "");
  ASSERT_TRUE(live.ok() && revoked.ok());
  ASSERT_TRUE(tokens.Revoke(revoked->token.view()).ok());
  auto ctx = tokens.LookupWithOwner(live->token.view());
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->token.token_hash, live->record.token_hash);
  ASSERT_TRUE(ctx->user.has_value());
  EXPECT_EQ(ctx->user->id, user_.id);
  ASSERT_TRUE(ctx->account.has_value());
  EXPECT_EQ(ctx->account->id, user_.account_id);
  for (std::string_view t : {revoked->token.view(), std::string_view("csrd_never-issued")}) {
    Status s = tokens.LookupWithOwner(t).status();
    EXPECT_TRUE(s.IsUnauthenticated());
    EXPECT_EQ(s.message(), "The token is invalid");
    EXPECT_EQ(tokens.Lookup(t).status().message(), s.message());
  }
  clock_.Set(kT0 + kLife - 1);
  EXPECT_TRUE(tokens.LookupWithOwner(live->token.view()).ok());
  clock_.Set(kT0 + kLife);
  Status s = tokens.LookupWithOwner(live->token.view()).status();
  EXPECT_TRUE(s.IsUnauthenticated());
  EXPECT_EQ(s.message(), "The token must be updated");
  EXPECT_EQ(tokens.Lookup(live->token.view()).status().message(), s.message());
}

// A database that cannot take the write is the server's problem, not a 401.
TEST(TokenServiceStoreDownTest, IssueFailsUnavailableLookupStillWorks) {
  TempDir dir;
  auto store = OpenTestStore(dir, testing::QuickBusyOptions());
  ASSERT_NE(store, nullptr);
  ManualClock clock(kT0);
  store::Account a{NewId(), "acme", kT0};
  ASSERT_TRUE(store->CreateAccount(a).ok());
  store::User u;
  u.id = NewId();
  u.account_id = a.id;
  u.name = "alice";
  u.password_hash = "x";
  ASSERT_TRUE(store->CreateUser(u).ok());
  TokenService tokens(store.get(), &clock);
  auto before = tokens.Issue(u, "", "");
  ASSERT_TRUE(before.ok());
  {
    testing::WriteLockHolder lock(dir);
    Status s = tokens.Issue(u, "", "").status();
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    s = tokens.Revoke(before->token.view());
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    EXPECT_TRUE(tokens.Lookup(before->token.view()).ok());  // readers are not blocked
  }
  EXPECT_TRUE(tokens.Issue(u, "", "").ok());
}

}  // namespace
}  // namespace csrd::identity
