// Shared set-up for the AK/SK tests: a signed request as a client sends it,
// and a fixture with a real SQLite store, a sealer, keys and a verifier.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "crypto/sealer.h"
#include "identity/account_admin.h"
#include "identity/aksk_verifier.h"
#include "identity/auth_input.h"
#include "identity/credential_service.h"
#include "identity/sdk_signature.h"
#include "identity/token_service.h"
#include "identity_test_util.h"

namespace csrd::identity::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// 2023-11-14T22:13:20Z, a whole second.
inline constexpr int64_t kAkT0 = 1'700'000'000'000;
inline constexpr std::string_view kCreateBody =
    R"({"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"})";

inline bool HeaderNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A request as the client sends it. Sign() covers `headers`; `extra` headers
// are added after signing (as the Terraform provider adds X-Domain-Id).
struct SignedRequest {
  std::string method = "POST";
  std::string path = "/v3/scm/csr";
  std::string query;
  HeaderList headers;
  HeaderList extra;
  std::string body = std::string(kCreateBody);
  std::string authorization;
  std::string remote_addr = "192.0.2.1";

  // The Example A header set, dated date_ms.
  static SignedRequest Create(int64_t date_ms) {
    SignedRequest r;
    r.headers = {{"Content-Type", "application/json"},
                 {"Host", "scm.example.internal:8443"},
                 {"User-Agent", "huaweicloud-usdk-python/3.0; example-agent"},
                 {"X-Domain-Id", "0123456789abcdef0123456789abcdef"},
                 {"X-Sdk-Date", FormatSdkDate(date_ms)}};
    return r;
  }

  void Sign(std::string_view ak, std::string_view sk) {
    auto a = SignRequest(ak, sk, method, path, query, headers, body);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    authorization = *a;
  }

  // Drops (every copy of) a header, signed or extra.
  void Remove(std::string_view name) {
    for (HeaderList* list : {&headers, &extra}) {
      std::erase_if(*list, [&](const auto& h) { return HeaderNameEquals(h.first, name); });
    }
  }

  std::optional<std::string_view> Header(std::string_view name) const {
    for (const HeaderList* list : {&headers, &extra}) {
      for (const auto& [k, v] : *list) {
        if (HeaderNameEquals(k, name)) return std::string_view(v);
      }
    }
    return std::nullopt;
  }

  // Borrows from *this: keep the request alive while the input is used.
  AuthInput Input(bool one_time = false) const {
    AuthInput in;
    in.authorization = authorization;
    in.remote_addr = remote_addr;
    in.method = method;
    in.path = path;
    in.query = query;
    in.body = body;
    in.header = [this](std::string_view n) { return Header(n); };
    in.one_time = one_time;
    return in;
  }
};

// A real store, clock, sealer, key service and verifier; account "acme" with
// user alice (SCM FullAccess) holding one permanent key.
class AkSkFixture : public ::testing::Test {
 protected:
  virtual store::SqliteOptions Options() const { return {}; }

  void SetUp() override {
    store_ = OpenTestStore(dir_, Options());
    ASSERT_NE(store_, nullptr);
    auto sealer = crypto::KeySealer::Create(Secret(RandomBytes(32)));
    ASSERT_TRUE(sealer.ok()) << sealer.status().ToString();
    sealer_ = std::make_unique<crypto::KeySealer>(std::move(sealer).value());
    creds_ = std::make_unique<CredentialService>(store_.get(), &clock_, sealer_.get());
    tokens_ = std::make_unique<TokenService>(store_.get(), &clock_);
    verifier_ = std::make_unique<AkSkVerifier>(store_.get(), &clock_, creds_.get());
    admin_ = std::make_unique<AccountAdmin>(store_.get(), &clock_, &hasher_);
    auto acme = admin_->CreateAccount("acme");
    ASSERT_TRUE(acme.ok()) << acme.status().ToString();
    account_ = *acme;
    auto alice = admin_->CreateUser("acme", "alice", Secret(std::string("alice password")),
                                    store::kRoleScmFullAccess);
    ASSERT_TRUE(alice.ok()) << alice.status().ToString();
    alice_ = *alice;
    auto key = creds_->CreatePermanent(alice_, "test key");
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    ak_ = key->record.access;
    sk_ = key->secret.str();
  }

  // A create request dated now (+ offset), signed with (ak, sk).
  SignedRequest Signed(int64_t date_offset_ms = 0) { return SignedWith(ak_, sk_, date_offset_ms); }
  SignedRequest SignedWith(std::string_view ak, std::string_view sk, int64_t date_offset_ms = 0) {
    SignedRequest r = SignedRequest::Create(clock_.NowMillis() + date_offset_ms);
    r.Sign(ak, sk);
    return r;
  }

  Result<Principal> Verify(const SignedRequest& r, bool one_time = false) {
    return verifier_->Verify(r.Input(one_time), one_time);
  }

  Result<store::Credential> Stored(std::string_view access) {
    return store_->GetCredential(access);
  }

  // A principal for alice as the token route would make it.
  Principal TokenPrincipal(std::string* token_out = nullptr) {
    auto t = tokens_->Issue(alice_, "", "");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    Principal p;
    p.account_id = account_.id;
    p.account_name = account_.name;
    p.user_id = alice_.id;
    p.user_name = alice_.name;
    p.roles = alice_.roles;
    p.method = Principal::Method::kToken;
    if (t.ok()) {
      p.token_hash = t->record.token_hash;
      p.expires_at = t->record.expires_at;
      if (token_out != nullptr) *token_out = t->token.str();
    }
    return p;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{kAkT0};
  PasswordHasher hasher_{CheapParams()};
  std::unique_ptr<crypto::KeySealer> sealer_;
  std::unique_ptr<CredentialService> creds_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<AkSkVerifier> verifier_;
  std::unique_ptr<AccountAdmin> admin_;
  store::Account account_;
  store::User alice_;
  std::string ak_;
  std::string sk_;
};

}  // namespace csrd::identity::testing
