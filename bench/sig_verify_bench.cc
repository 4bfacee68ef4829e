// What AK/SK verification costs per request:
//  - BM_VerifySignature: the pure SDK-HMAC-SHA256 check of a typical SDK
//    request (sdk-wire.md §6.4 Example A: POST /v3/scm/csr, five signed
//    headers, a 103-byte JSON body);
//  - BM_AkSkVerify: the whole AkSkVerifier::Verify of the same request against
//    a real SQLite store in a temp dir, in steady state (the key's lockout
//    counter is empty and last_use_time was written less than a minute ago,
//    so a request is reads only: key, throttle, user, account, plus unsealing
//    the SK);
//  - BM_AkSkVerifyOneTime: the same with one_time (a fresh signature each
//    time, remembered with a durable write); includes signing the request.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/encoding.h"
#include "crypto/sealer.h"
#include "identity/aksk_verifier.h"
#include "identity/credential_service.h"
#include "identity/sdk_signature.h"
#include "store/sqlite/sqlite_store.h"

namespace csrd::identity {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kAk = "EXAMPLEAK0123456789AB";
constexpr std::string_view kSk = "ExampleSecretKey0123456789abcdefghijKLMN";
constexpr std::string_view kDate = "20250101T120000Z";
constexpr std::string_view kBody =
    R"({"name": "demo", "domain_name": "www.example.com", "private_key_algo": "RSA_2048", "usage": "PERSONAL"})";

HeaderList ExampleHeaders() {
  return {{"Content-Type", "application/json"},
          {"Host", "scm.example.internal:8443"},
          {"User-Agent", "huaweicloud-usdk-python/3.0; example-agent"},
          {"X-Domain-Id", "0123456789abcdef0123456789abcdef"},
          {"X-Sdk-Date", std::string(kDate)}};
}

bool NameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Linear, case-insensitive, like a small HTTP header map.
std::optional<std::string_view> Find(const HeaderList& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (NameEquals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

[[noreturn]] void Die(const char* what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::abort();
}

void BM_VerifySignature(benchmark::State& state) {
  const HeaderList headers = ExampleHeaders();
  auto authorization = SignRequest(kAk, kSk, "POST", "/v3/scm/csr", "", headers, kBody);
  if (!authorization.ok()) Die("sign", authorization.status());
  auto auth = ParseSdkAuthorization(*authorization);
  if (!auth.ok()) Die("parse", auth.status());
  const SignableRequest req{"POST", "/v3/scm/csr", "",
                            [&headers](std::string_view n) { return Find(headers, n); }, kBody};
  if (Status s = VerifySignature(req, *auth, kSk, kDate); !s.ok()) Die("verify", s);
  for (auto _ : state) {
    Status s = VerifySignature(req, *auth, kSk, kDate);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_VerifySignature);

// A store in a fresh temp dir with account, user and one permanent key.
class Setup {
 public:
  Setup() : clock_(*ParseSdkDate(kDate)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csrd-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    auto store = store::OpenSqliteStore((dir_ / "csrd.db").string());
    if (!store.ok()) Die("open store", store.status());
    store_ = std::move(store).value();
    auto sealer = crypto::KeySealer::Create(Secret(RandomBytes(32)));
    if (!sealer.ok()) Die("sealer", sealer.status());
    sealer_ = std::make_unique<crypto::KeySealer>(std::move(sealer).value());
    creds_ = std::make_unique<CredentialService>(store_.get(), &clock_, sealer_.get());
    verifier_ = std::make_unique<AkSkVerifier>(store_.get(), &clock_, creds_.get());

    store::Account account{NewId(), "bench", clock_.NowMillis()};
    if (Status s = store_->CreateAccount(account); !s.ok()) Die("account", s);
    store::User user;
    user.id = NewId();
    user.account_id = account.id;
    user.name = "bench";
    user.password_hash = "unused";
    user.roles = store::kRoleScmFullAccess;
    user.create_time = clock_.NowMillis();
    if (Status s = store_->CreateUser(user); !s.ok()) Die("user", s);
    auto key = creds_->CreatePermanent(user, "bench");
    if (!key.ok()) Die("key", key.status());
    ak_ = key->record.access;
    sk_ = key->secret.str();
  }
  ~Setup() {
    verifier_.reset();
    creds_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The Example A request signed with this store's key, ready to verify.
  struct Request {
    HeaderList headers = ExampleHeaders();
    std::string query;
    std::string authorization;
    AuthInput Input(bool one_time) const {
      AuthInput in;
      in.authorization = authorization;
      in.remote_addr = "192.0.2.1";
      in.method = "POST";
      in.path = "/v3/scm/csr";
      in.query = query;
      in.body = kBody;
      in.header = [this](std::string_view n) { return Find(headers, n); };
      in.one_time = one_time;
      return in;
    }
  };
  void Sign(Request& r) const {
    auto a = SignRequest(ak_, sk_, "POST", "/v3/scm/csr", r.query, r.headers, kBody);
    if (!a.ok()) Die("sign", a.status());
    r.authorization = std::move(a).value();
  }

  const AkSkVerifier& verifier() const { return *verifier_; }

 private:
  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::KeySealer> sealer_;
  std::unique_ptr<CredentialService> creds_;
  std::unique_ptr<AkSkVerifier> verifier_;
  std::string ak_;
  std::string sk_;
};

void BM_AkSkVerify(benchmark::State& state) {
  Setup setup;
  Setup::Request r;
  setup.Sign(r);
  const AuthInput in = r.Input(false);
  // The first use writes last_use_time; from then on the minute has not passed.
  if (auto p = setup.verifier().Verify(in, false); !p.ok()) Die("first verify", p.status());
  for (auto _ : state) {
    auto p = setup.verifier().Verify(in, false);
    if (!p.ok()) Die("verify", p.status());
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_AkSkVerify);

void BM_AkSkVerifyOneTime(benchmark::State& state) {
  Setup setup;
  Setup::Request r;
  int64_t n = 0;
  for (auto _ : state) {
    r.query = "n=" + std::to_string(n++);  // a new signature per request
    setup.Sign(r);
    auto p = setup.verifier().Verify(r.Input(true), true);
    if (!p.ok()) Die("verify", p.status());
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_AkSkVerifyOneTime);

}  // namespace
}  // namespace csrd::identity

BENCHMARK_MAIN();
