// The Store contract, part 3: the one-round-trip authentication reads
// (GetAkSkContext, GetTokenContext). Runs on SQLite, SQLite behind
// MeteredStore and PostgreSQL (see store_contract_fixture.h), interface only.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store_contract_fixture.h"

namespace csrd::store {
namespace {

using testing::MakeKey;
using testing::MakeTemp;

constexpr int kCap = 4;

class AuthContextTest : public testing::TwoAccountsContractBase {
 protected:
  AuthContextTest() : TwoAccountsContractBase(BobIn::kOther, kCap) {}

  // A second store on the same database: another replica.
  std::unique_ptr<Store> OpenReplica() {
    if (GetParam() == "postgres") {
      auto r = OpenPostgresStore(db_->url());
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      return r.ok() ? std::move(r).value() : nullptr;
    }
    return testing::MustOpen(dir_.File("csrd.db"));
  }
};

void ExpectSameCredential(const Credential& got, const Credential& want) {
  EXPECT_EQ(got.access, want.access);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.sealed_secret, want.sealed_secret);  // binary, NUL and 0xff included
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.create_time, want.create_time);
  EXPECT_EQ(got.last_use_time, want.last_use_time);
  EXPECT_EQ(got.temporary, want.temporary);
  EXPECT_EQ(got.security_token_hash, want.security_token_hash);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.parent_token_hash, want.parent_token_hash);
  EXPECT_EQ(got.parent_access, want.parent_access);
  EXPECT_EQ(got.policy, want.policy);
}

TEST_P(AuthContextTest, UnknownKeyIsNotFound) {
  EXPECT_TRUE(store_->GetAkSkContext("NOSUCHKEY", "aksk:x").status().IsNotFound());
  // '' is every permanent key's parent_access: never a key of its own.
  Put(MakeKey(u1_, "AK1", 100));
  EXPECT_TRUE(store_->GetAkSkContext("", "aksk:x").status().IsNotFound());
  // Bytes that are not text name no key on any backend.
  EXPECT_TRUE(store_->GetAkSkContext(std::string("AK\xff\x00", 4), "k").status().IsNotFound());
}

TEST_P(AuthContextTest, PermanentKeyComesWithItsUserAccountAndNoParents) {
  const Credential k = MakeKey(u1_, "AK1", 100);
  Put(k);
  auto ctx = store_->GetAkSkContext("AK1", "aksk:AK1:127.0.0.1");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  ExpectSameCredential(ctx->credential, k);
  ExpectSameCredential(ctx->credential, *store_->GetCredential("AK1"));
  ASSERT_TRUE(ctx->user.has_value());
  EXPECT_EQ(ctx->user->id, u1_.id);
  EXPECT_EQ(ctx->user->name, "alice");
  EXPECT_EQ(ctx->user->account_id, a_.id);
  EXPECT_EQ(ctx->user->roles, u1_.roles);
  EXPECT_EQ(ctx->user->password_hash, u1_.password_hash);
  EXPECT_TRUE(ctx->user->enabled);
  ASSERT_TRUE(ctx->account.has_value());
  EXPECT_EQ(ctx->account->id, a_.id);
  EXPECT_EQ(ctx->account->name, "default");
  EXPECT_EQ(ctx->account->create_time, 10);
  EXPECT_EQ(ctx->throttle.failures, 0);
  EXPECT_EQ(ctx->throttle.window_start, 0);
  EXPECT_EQ(ctx->throttle.locked_until, 0);
  EXPECT_FALSE(ctx->parent_token.has_value());
  EXPECT_FALSE(ctx->parent_access_status.has_value());
}

TEST_P(AuthContextTest, ThrottleIsTheOneNamedAndMatchesGetThrottle) {
  Put(MakeKey(u1_, "AK1", 100));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(store_->RecordFailure("aksk:AK1:a", 5000 + i, 60'000, 3, 300'000).ok());
  auto ctx = store_->GetAkSkContext("AK1", "aksk:AK1:a");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->throttle.failures, 2);
  EXPECT_EQ(ctx->throttle.window_start, 5000);
  EXPECT_EQ(ctx->throttle.locked_until, 0);
  ASSERT_TRUE(store_->RecordFailure("aksk:AK1:a", 5002, 60'000, 3, 300'000).ok());
  ctx = store_->GetAkSkContext("AK1", "aksk:AK1:a");
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->throttle.locked_until, 5002 + 300'000);
  EXPECT_EQ(ctx->throttle.locked_until, store_->GetThrottle("aksk:AK1:a")->locked_until);
  // Another address's throttle is its own.
  auto other = store_->GetAkSkContext("AK1", "aksk:AK1:b");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->throttle.failures, 0);
  EXPECT_EQ(other->throttle.locked_until, 0);
  ASSERT_TRUE(store_->ClearThrottle("aksk:AK1:a").ok());
  EXPECT_EQ(store_->GetAkSkContext("AK1", "aksk:AK1:a")->throttle.locked_until, 0);
}

TEST_P(AuthContextTest, ChangesAreSeenByTheNextCallOnEveryReplica) {
  Put(MakeKey(u1_, "AK1", 100));
  auto replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  // Warm both (a cache, if there were one, would now hold the rows).
  ASSERT_TRUE(store_->GetAkSkContext("AK1", "t").ok());
  ASSERT_TRUE(replica->GetAkSkContext("AK1", "t").ok());

  ASSERT_TRUE(replica->UpdateCredential("AK1", std::string("inactive"), std::nullopt).ok());
  EXPECT_EQ(store_->GetAkSkContext("AK1", "t")->credential.status, "inactive");
  ASSERT_TRUE(replica->SetUserRoles(u1_.id, kRoleScmReadOnly).ok());
  EXPECT_EQ(store_->GetAkSkContext("AK1", "t")->user->roles,
            static_cast<uint32_t>(kRoleScmReadOnly));
  ASSERT_TRUE(replica->SetUserEnabled(u1_.id, false).ok());
  EXPECT_FALSE(store_->GetAkSkContext("AK1", "t")->user->enabled);
  ASSERT_TRUE(replica->RecordFailure("t", 1, 60'000, 1, 1000).ok());
  EXPECT_EQ(store_->GetAkSkContext("AK1", "t")->throttle.locked_until, 1001);
  ASSERT_TRUE(replica->DeleteCredential("AK1").ok());
  EXPECT_TRUE(store_->GetAkSkContext("AK1", "t").status().IsNotFound());
}

TEST_P(AuthContextTest, TemporaryKeyFromAnAccessKeyCarriesTheParentsStatus) {
  Put(MakeKey(u1_, "PARENT", 100));
  const Credential t = MakeTemp(u1_, "TEMP1", 9'000'000, "PARENT");
  Put(t);
  auto ctx = store_->GetAkSkContext("TEMP1", "k");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  ExpectSameCredential(ctx->credential, t);
  EXPECT_EQ(ctx->parent_access_status, "active");
  EXPECT_FALSE(ctx->parent_token.has_value());
  ASSERT_TRUE(store_->UpdateCredential("PARENT", std::string("inactive"), std::nullopt).ok());
  EXPECT_EQ(store_->GetAkSkContext("TEMP1", "k")->parent_access_status, "inactive");
  ASSERT_TRUE(store_->DeleteCredential("PARENT").ok());  // takes its children with it
  EXPECT_TRUE(store_->GetAkSkContext("TEMP1", "k").status().IsNotFound());
}

TEST_P(AuthContextTest, TemporaryKeyFromATokenCarriesTheToken) {
  const Token tok = testing::PutToken(*store_, u1_);
  Put(MakeTemp(u1_, "TEMP2", 9'000'000, "", tok.token_hash));
  auto ctx = store_->GetAkSkContext("TEMP2", "k");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_FALSE(ctx->parent_access_status.has_value());
  ASSERT_TRUE(ctx->parent_token.has_value());
  EXPECT_EQ(ctx->parent_token->token_hash, tok.token_hash);
  EXPECT_EQ(ctx->parent_token->user_id, u1_.id);
  EXPECT_EQ(ctx->parent_token->expires_at, tok.expires_at);
  EXPECT_FALSE(ctx->parent_token->revoked);
  ASSERT_TRUE(store_->RevokeToken(tok.token_hash).ok());
  ctx = store_->GetAkSkContext("TEMP2", "k");
  ASSERT_TRUE(ctx.ok());
  ASSERT_TRUE(ctx->parent_token.has_value());
  EXPECT_TRUE(ctx->parent_token->revoked);
}

TEST_P(AuthContextTest, KeysOfAnotherAccountReadTheirOwnRows) {
  Put(MakeKey(u2_, "AKB", 100));
  auto ctx = store_->GetAkSkContext("AKB", "k");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->user->id, u2_.id);
  EXPECT_EQ(ctx->account->id, b_.id);
  EXPECT_EQ(ctx->account->name, "other");
}

TEST_P(AuthContextTest, TokenContext) {
  EXPECT_TRUE(store_->GetTokenContext(std::string(64, '0')).status().IsNotFound());
  EXPECT_TRUE(store_->GetTokenContext(std::string("\xff\x00", 2)).status().IsNotFound());
  Token tok = testing::MakeToken(u1_, 100, 200);
  tok.project_id = "p1";
  tok.project_name = "cn-north-4";
  ASSERT_TRUE(store_->InsertToken(tok).ok());
  auto ctx = store_->GetTokenContext(tok.token_hash);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->token.token_hash, tok.token_hash);
  EXPECT_EQ(ctx->token.user_id, u1_.id);
  EXPECT_EQ(ctx->token.account_id, a_.id);
  EXPECT_EQ(ctx->token.project_id, "p1");
  EXPECT_EQ(ctx->token.project_name, "cn-north-4");
  EXPECT_EQ(ctx->token.issued_at, 100);
  EXPECT_EQ(ctx->token.expires_at, 200);  // expired ones too: the caller decides
  EXPECT_FALSE(ctx->token.revoked);
  ASSERT_TRUE(ctx->user.has_value());
  EXPECT_EQ(ctx->user->name, "alice");
  EXPECT_TRUE(ctx->user->enabled);
  ASSERT_TRUE(ctx->account.has_value());
  EXPECT_EQ(ctx->account->name, "default");

  auto replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  ASSERT_TRUE(replica->SetUserEnabled(u1_.id, false).ok());  // also revokes the token
  ctx = store_->GetTokenContext(tok.token_hash);
  ASSERT_TRUE(ctx.ok());
  EXPECT_TRUE(ctx->token.revoked);
  EXPECT_FALSE(ctx->user->enabled);
  ASSERT_TRUE(replica->DeleteUser(u1_.id).ok());  // and its tokens
  EXPECT_TRUE(store_->GetTokenContext(tok.token_hash).status().IsNotFound());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthContextTest,
                         ::testing::ValuesIn(testing::ContractBackends()), testing::BackendName);

}  // namespace
}  // namespace csrd::store
