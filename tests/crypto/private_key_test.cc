#include "crypto/private_key.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/test_util.h"

namespace csrd::crypto {
namespace {

using test_util::RunCmd;
using test_util::TempDir;

PrivateKey MustGenerate(KeyAlgo algo) {
  Result<PrivateKey> k = PrivateKey::Generate(algo);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return std::move(k).value();
}

PrivateKey MustParse(const std::string& pem) {
  Result<PrivateKey> k = PrivateKey::FromPem(pem);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return std::move(k).value();
}

// The PKCS#8 AlgorithmIdentifier OID and parameter OID, and whether the inner
// ECPrivateKey carries its public key ([1]).
struct Pkcs8Shape {
  std::string alg, param;
  bool ec_has_public = false;
};

Pkcs8Shape ShapeOf(std::string_view pem) {
  Pkcs8Shape shape;
  std::string der = test_util::PemBody(pem);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (p8 == nullptr) return shape;
  const ASN1_OBJECT* alg_obj = nullptr;
  const X509_ALGOR* palg = nullptr;
  const unsigned char* inner = nullptr;
  int inner_len = 0;
  PKCS8_pkey_get0(&alg_obj, &inner, &inner_len, &palg, p8);
  char buf[80];
  OBJ_obj2txt(buf, sizeof(buf), alg_obj, 1);
  shape.alg = buf;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(nullptr, &ptype, &pval, palg);
  if (ptype == V_ASN1_OBJECT) {
    OBJ_obj2txt(buf, sizeof(buf), static_cast<const ASN1_OBJECT*>(pval), 1);
    shape.param = buf;
  }
  // Walk SEQUENCE { version, privateKey, [0]?, [1]? } of the ECPrivateKey.
  long len = 0;
  int tag = 0, cls = 0;
  const unsigned char* q = inner;
  const unsigned char* end = inner + inner_len;
  if (!(ASN1_get_object(&q, &len, &tag, &cls, inner_len) & 0x80)) {
    while (q < end) {
      const unsigned char* start = q;
      if (ASN1_get_object(&q, &len, &tag, &cls, end - q) & 0x80) break;
      if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 1) shape.ec_has_public = true;
      q += len;
      if (q <= start) break;
    }
  }
  PKCS8_PRIV_KEY_INFO_free(p8);
  return shape;
}

class GenerateTest : public ::testing::TestWithParam<KeyAlgo> {};

TEST_P(GenerateTest, MakesTheRightKeyAndExportsPkcs8) {
  KeyAlgo algo = GetParam();
  PrivateKey key = MustGenerate(algo);
  ASSERT_TRUE(key.Algo().ok()) << key.Algo().status().ToString();
  EXPECT_EQ(*key.Algo(), algo);
  EVP_PKEY* pk = key.get();
  switch (algo) {
    case KeyAlgo::kRsa2048: EXPECT_EQ(EVP_PKEY_get_bits(pk), 2048); break;
    case KeyAlgo::kRsa3072: EXPECT_EQ(EVP_PKEY_get_bits(pk), 3072); break;
    case KeyAlgo::kRsa4096: EXPECT_EQ(EVP_PKEY_get_bits(pk), 4096); break;
    case KeyAlgo::kEcP256: EXPECT_EQ(EVP_PKEY_get_bits(pk), 256); break;
    case KeyAlgo::kEcP384: EXPECT_EQ(EVP_PKEY_get_bits(pk), 384); break;
    case KeyAlgo::kSm2: EXPECT_EQ(EVP_PKEY_is_a(pk, "SM2"), 1); break;
  }
  bool rsa = algo == KeyAlgo::kRsa2048 || algo == KeyAlgo::kRsa3072 || algo == KeyAlgo::kRsa4096;
  if (rsa) {
    EXPECT_EQ(EVP_PKEY_is_a(pk, "RSA"), 1);
    BIGNUM* e = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    EXPECT_TRUE(BN_is_word(e, 65537));
    BN_free(e);
  }

  Result<Secret> pem = key.ToPkcs8Pem();
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  std::string_view v = pem->view();
  EXPECT_EQ(v.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_TRUE(v.ends_with("-----END PRIVATE KEY-----\n"));
  EXPECT_EQ(v.find('\r'), std::string_view::npos);

  Pkcs8Shape shape = ShapeOf(v);
  if (rsa) {
    EXPECT_EQ(shape.alg, "1.2.840.113549.1.1.1");
  } else {
    EXPECT_EQ(shape.alg, "1.2.840.10045.2.1");  // id-ecPublicKey, also for SM2
    EXPECT_EQ(shape.param, algo == KeyAlgo::kEcP256   ? "1.2.840.10045.3.1.7"
                           : algo == KeyAlgo::kEcP384 ? "1.3.132.0.34"
                                                      : "1.2.156.10197.1.301");
    EXPECT_TRUE(shape.ec_has_public);
  }

  PrivateKey back = MustParse(pem->str());
  EXPECT_EQ(*back.Algo(), algo);
  EXPECT_EQ(EVP_PKEY_eq(back.get(), key.get()), 1);
  EXPECT_EQ(back.ToPkcs8Pem()->str(), pem->str());
}

INSTANTIATE_TEST_SUITE_P(AllSix, GenerateTest, ::testing::ValuesIn(kAllKeyAlgos),
                         [](const auto& info) { return std::string(KeyAlgoName(info.param)); });

TEST(PrivateKeyTest, GeneratedKeysDiffer) {
  PrivateKey a = MustGenerate(KeyAlgo::kEcP256), b = MustGenerate(KeyAlgo::kEcP256);
  EXPECT_NE(EVP_PKEY_eq(a.get(), b.get()), 1);
}

TEST(PrivateKeyTest, GenerationWithCancelSetReturnsUnavailable) {
  std::atomic<bool> cancel{true};
  for (KeyAlgo a : {KeyAlgo::kRsa2048, KeyAlgo::kEcP256}) {
    auto key = PrivateKey::Generate(a, &cancel);
    ASSERT_FALSE(key.ok());
    EXPECT_TRUE(key.status().IsUnavailable()) << key.status().ToString();
  }
}

TEST(PrivateKeyTest, CancelStopsAnRsaKeygenInProgress) {
  // RSA-4096 takes hundreds of ms at least; the flag turns after 20 ms, so the
  // progress callback must be what ends it.
  std::atomic<bool> cancel{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancel = true;
  });
  auto key = PrivateKey::Generate(KeyAlgo::kRsa4096, &cancel);
  t.join();
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(key.status().IsUnavailable()) << key.status().ToString();
  // The thread's OpenSSL error queue is left clean for the next call.
  EXPECT_TRUE(PrivateKey::Generate(KeyAlgo::kEcP256, nullptr).ok());
}

// Keygen contexts are cached per thread: a cancelled generation must leave
// that thread able to generate keys of the same algorithm (and the cancel flag
// of one call must not stick to the next).
TEST(PrivateKeyTest, ThreadGeneratesAgainAfterACancelledRsaKeygen) {
  bool cancelled = false;
  // RSA-2048 may finish before the flag turns on a fast machine: retry.
  for (int attempt = 0; attempt < 20 && !cancelled; ++attempt) {
    std::atomic<bool> cancel{false};
    std::thread t([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      cancel = true;
    });
    auto key = PrivateKey::Generate(KeyAlgo::kRsa2048, &cancel);
    t.join();
    if (!key.ok()) {
      EXPECT_TRUE(key.status().IsUnavailable()) << key.status().ToString();
      cancelled = true;
    }
  }
  ASSERT_TRUE(cancelled) << "no RSA-2048 keygen was still running after 2 ms in 20 tries";
  std::atomic<bool> flag{false};
  auto again = PrivateKey::Generate(KeyAlgo::kRsa2048, &flag);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again->Algo(), KeyAlgo::kRsa2048);
  // The cached context must not keep the last call's flag: turning it now
  // must not cancel a later call made without one.
  flag = true;
  auto without = PrivateKey::Generate(KeyAlgo::kRsa2048);
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_EQ(*without->Algo(), KeyAlgo::kRsa2048);
  EXPECT_TRUE(PrivateKey::Generate(KeyAlgo::kEcP256).ok());
  EXPECT_TRUE(PrivateKey::Generate(KeyAlgo::kSm2).ok());
}

// Each thread has its own contexts; many threads generating every algorithm at
// once get correct, distinct keys (run under TSan/ASan by scripts/build.sh).
TEST(PrivateKeyTest, ManyThreadsGenerateConcurrently) {
  constexpr int kThreads = 8, kEcKeys = 40;
  std::vector<std::vector<std::string>> pubs(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<KeyAlgo> plan;
      for (int i = 0; i < kEcKeys; ++i) {
        plan.push_back(i % 3 == 0 ? KeyAlgo::kSm2 : i % 3 == 1 ? KeyAlgo::kEcP256 : KeyAlgo::kEcP384);
      }
      if (t < 2) plan.push_back(KeyAlgo::kRsa2048);
      for (KeyAlgo a : plan) {
        auto key = PrivateKey::Generate(a);
        if (!key.ok()) return void(errors[t] = key.status().ToString());
        auto algo = key->Algo();
        if (!algo.ok() || *algo != a) return void(errors[t] = "wrong algorithm");
        unsigned char* der = nullptr;
        int n = i2d_PUBKEY(key->get(), &der);
        if (n <= 0) return void(errors[t] = "no public key");
        pubs[t].emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(n));
        OPENSSL_free(der);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  size_t count = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    count += pubs[t].size();
    all.insert(pubs[t].begin(), pubs[t].end());
  }
  EXPECT_EQ(count, size_t{kThreads * kEcKeys + 2});
  EXPECT_EQ(all.size(), count);  // no two keys alike
}

struct CliKeyCase {
  const char* name;
  const char* cmd;  // writes k.pem in the current directory
  KeyAlgo algo;
  const char* label;  // expected first PEM line of k.pem
};

class FromPemCliTest : public ::testing::TestWithParam<CliKeyCase> {};

TEST_P(FromPemCliTest, ImportsAndNormalizes) {
  const CliKeyCase& c = GetParam();
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto r = RunCmd("cd " + dir.Path("") + " && " + c.cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pem = dir.Read("k.pem");
  ASSERT_NE(pem.find(c.label), std::string::npos) << pem.substr(0, 80);
  PrivateKey key = MustParse(pem);
  ASSERT_TRUE(key.Algo().ok()) << key.Algo().status().ToString();
  EXPECT_EQ(*key.Algo(), c.algo);
  if (c.algo == KeyAlgo::kSm2) {
    EXPECT_EQ(EVP_PKEY_is_a(key.get(), "SM2"), 1);
  }
  Result<Secret> p8 = key.ToPkcs8Pem();
  ASSERT_TRUE(p8.ok());
  EXPECT_EQ(p8->view().rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  Pkcs8Shape shape = ShapeOf(p8->view());
  if (c.algo != KeyAlgo::kRsa2048) {
    EXPECT_EQ(shape.alg, "1.2.840.10045.2.1");
    EXPECT_FALSE(shape.param.empty());  // named curve, even from explicit params
    EXPECT_TRUE(shape.ec_has_public);   // even from a SEC1 key without it
  }
  // The same key as OpenSSL itself reads it.
  dir.Write("p8.pem", p8->view());
  // Normalization re-encodes explicit parameters and compressed points.
  std::string opts = std::string_view(c.name).find("Explicit") != std::string_view::npos
                         ? " -ec_param_enc named_curve -ec_conv_form uncompressed"
                         : "";
  auto a = RunCmd("openssl pkey -in " + dir.Path("k.pem") + " -pubout" + opts);
  auto b = RunCmd("openssl pkey -in " + dir.Path("p8.pem") + " -pubout");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, FromPemCliTest,
    ::testing::Values(
        CliKeyCase{"Pkcs1Rsa", "openssl genrsa -traditional -out k.pem 2048", KeyAlgo::kRsa2048,
                   "-----BEGIN RSA PRIVATE KEY-----"},
        CliKeyCase{"Pkcs8Rsa", "openssl genpkey -algorithm RSA -out k.pem", KeyAlgo::kRsa2048,
                   "-----BEGIN PRIVATE KEY-----"},
        CliKeyCase{"Sec1P256WithParamsBlock",
                   "openssl ecparam -name prime256v1 -genkey -out t.pem && "
                   "openssl ec -in t.pem -out e.pem && cat t.pem | head -3 > k.pem && "
                   "cat e.pem >> k.pem",
                   KeyAlgo::kEcP256, "-----BEGIN EC PRIVATE KEY-----"},
        CliKeyCase{"Sec1P384", "openssl ecparam -name secp384r1 -genkey -noout | openssl ec -out k.pem",
                   KeyAlgo::kEcP384, "-----BEGIN EC PRIVATE KEY-----"},
        CliKeyCase{"Sec1P256NoPublic",
                   "openssl ecparam -name prime256v1 -genkey -noout | openssl ec -no_public -out k.pem",
                   KeyAlgo::kEcP256, "-----BEGIN EC PRIVATE KEY-----"},
        CliKeyCase{"Sec1P256ExplicitCompressed",
                   "openssl ecparam -name prime256v1 -genkey -noout | openssl ec -param_enc explicit "
                   "-conv_form compressed -out k.pem",
                   KeyAlgo::kEcP256, "-----BEGIN EC PRIVATE KEY-----"},
        CliKeyCase{"Pkcs8Sm2", "openssl genpkey -algorithm SM2 -out k.pem", KeyAlgo::kSm2,
                   "-----BEGIN PRIVATE KEY-----"},
        CliKeyCase{"Sec1Sm2OpensslLabel", "openssl genpkey -algorithm SM2 | openssl ec -out k.pem",
                   KeyAlgo::kSm2, "-----BEGIN SM2 PRIVATE KEY-----"},
        CliKeyCase{"Sec1Sm2EcLabel",
                   "openssl genpkey -algorithm SM2 | openssl ec | sed \"s/SM2 PRIVATE/EC PRIVATE/\" > k.pem",
                   KeyAlgo::kSm2, "-----BEGIN EC PRIVATE KEY-----"}),
    [](const auto& info) { return std::string(info.param.name); });

void ExpectRefused(const std::string& pem, std::string_view reason_part) {
  Result<PrivateKey> k = PrivateKey::FromPem(pem);
  ASSERT_FALSE(k.ok());
  EXPECT_TRUE(k.status().IsInvalidArgument()) << k.status().ToString();
  EXPECT_NE(k.status().message().find(reason_part), std::string::npos) << k.status().ToString();
  // Never echo key material: no 12-character run of the input's base64 lines.
  for (size_t pos = 0; (pos = pem.find('\n', pos)) != std::string::npos; ++pos) {
    std::string run = pem.substr(pos + 1, 12);
    if (run.size() == 12 && run[0] != '-') {
      EXPECT_EQ(k.status().message().find(run), std::string::npos);
    }
  }
}

TEST(PrivateKeyTest, RefusesEncryptedPem) {
  TempDir dir;
  auto r = RunCmd("cd " + dir.Path("") +
               " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
               "-pass pass:x -out p8.pem && openssl ecparam -name prime256v1 -genkey -noout | "
               "openssl ec -aes256 -passout pass:x -out sec1.pem");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string p8 = dir.Read("p8.pem"), sec1 = dir.Read("sec1.pem");
  ASSERT_NE(p8.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  ASSERT_NE(sec1.find("Proc-Type: 4,ENCRYPTED"), std::string::npos);
  ExpectRefused(p8, "encrypted");
  ExpectRefused(sec1, "encrypted");
}

TEST(PrivateKeyTest, RefusesGarbage) {
  std::string good = MustGenerate(KeyAlgo::kEcP256).ToPkcs8Pem()->str();
  ExpectRefused("", "no unencrypted PEM private key");
  ExpectRefused("hello world", "no unencrypted PEM private key");
  ExpectRefused(good.substr(0, good.size() / 2), "no unencrypted PEM private key");
  ExpectRefused(std::string(5000, '\0'), "no unencrypted PEM private key");
  ExpectRefused(test_util::ToPem("PRIVATE KEY", "not DER at all"), "could not be parsed");
  ExpectRefused(test_util::ToPem("RSA PRIVATE KEY", test_util::PemBody(good)), "could not be parsed");
  ExpectRefused(test_util::ToPem("PRIVATE KEY", test_util::PemBody(good) + "xx"), "");
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", "x"), "no unencrypted PEM private key");
}

TEST(PrivateKeyTest, RefusesSec1WhosePublicPointIsNotItsOwn) {
  TempDir dir;
  auto r = RunCmd("cd " + dir.Path("") +
               " && for i in a b; do openssl ecparam -name prime256v1 -genkey -noout | "
               "openssl ec -outform DER -out $i.der; done");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string a = dir.Read("a.der"), b = dir.Read("b.der");
  ASSERT_EQ(a.size(), b.size());
  // The public point (65 bytes) ends the structure: graft b's onto a.
  std::string franken = a.substr(0, a.size() - 65) + b.substr(b.size() - 65);
  ASSERT_TRUE(PrivateKey::FromPem(test_util::ToPem("EC PRIVATE KEY", a)).ok());
  ExpectRefused(test_util::ToPem("EC PRIVATE KEY", franken), "does not match");
}

TEST(PrivateKeyTest, ParsesKeysOutsideTheSixButAlgoRefusesThem) {
  TempDir dir;
  auto r = RunCmd("cd " + dir.Path("") +
               " && openssl genpkey -algorithm ED25519 -out ed.pem"
               " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem"
               " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out r1024.pem"
               " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
               " -pkeyopt rsa_keygen_pubexp:3 -out e3.pem");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"ed.pem", "p521.pem", "r1024.pem", "e3.pem"}) {
    PrivateKey k = MustParse(dir.Read(f));
    Result<KeyAlgo> a = k.Algo();
    ASSERT_FALSE(a.ok()) << f;
    EXPECT_TRUE(a.status().IsInvalidArgument()) << f;
  }
  EXPECT_NE(MustParse(dir.Read("e3.pem")).Algo().status().message().find("65537"),
            std::string::npos);
}

TEST(PrivateKeyTest, MoveTransfersOwnership) {
  PrivateKey a = MustGenerate(KeyAlgo::kEcP256);
  EVP_PKEY* raw = a.get();
  PrivateKey b = std::move(a);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(*b.Algo(), KeyAlgo::kEcP256);
}

}  // namespace
}  // namespace csrd::crypto
