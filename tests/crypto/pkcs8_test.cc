// The hand-written PKCS#8 must be byte for byte what OpenSSL 3's encoder
// writes (what ToPkcs8Pem returned before it existed) for every key csrd can
// hold, and must read back as the same key.
#include "crypto/pkcs8.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "crypto/private_key.h"
#include "crypto/test_util.h"

namespace csrd::crypto {
namespace {

using test_util::RunCmd;
using test_util::TempDir;

// OpenSSL's encoder framework, called directly: the reference.
std::string EncoderPem(EVP_PKEY* pk) {
  OSSL_ENCODER_CTX* ctx =
      OSSL_ENCODER_CTX_new_for_pkey(pk, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr);
  EXPECT_NE(ctx, nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  int ok = ctx != nullptr ? OSSL_ENCODER_to_data(ctx, &data, &len) : 0;
  OSSL_ENCODER_CTX_free(ctx);
  EXPECT_EQ(ok, 1);
  std::string out(reinterpret_cast<char*>(data), ok == 1 ? len : 0);
  OPENSSL_clear_free(data, len);
  return out;
}

// by_hand: whether the hand-written path must be the one that answers (so
// the comparison really tests it and not the fallback).
void ExpectSameAsEncoder(EVP_PKEY* pk, const std::string& what, bool by_hand = true) {
  std::optional<Secret> hand = EncodePkcs8PemByHand(pk);
  EXPECT_EQ(hand.has_value(), by_hand) << what;
  Result<Secret> mine = EncodePkcs8Pem(pk);
  ASSERT_TRUE(mine.ok()) << what << ": " << mine.status().ToString();
  std::string ref = EncoderPem(pk);
  ASSERT_FALSE(ref.empty()) << what;
  EXPECT_EQ(mine->str(), ref) << what;
  Result<Secret> fallback = EncodePkcs8PemWithEncoder(pk);
  ASSERT_TRUE(fallback.ok()) << what;
  EXPECT_EQ(fallback->str(), ref) << what;
  if (hand) {
    EXPECT_EQ(hand->str(), ref) << what;
  }
}

// Reads back as the same key (public and private halves).
void ExpectReadsBack(EVP_PKEY* pk, const std::string& what) {
  Result<Secret> pem = EncodePkcs8Pem(pk);
  ASSERT_TRUE(pem.ok()) << what;
  Result<PrivateKey> back = PrivateKey::FromPem(pem->view());
  ASSERT_TRUE(back.ok()) << what << ": " << back.status().ToString();
  EXPECT_EQ(EVP_PKEY_eq(back->get(), pk), 1) << what;
  EXPECT_EQ(back->ToPkcs8Pem()->str(), pem->str()) << what;
}

struct Count {
  KeyAlgo algo;
  int keys;  // enough EC keys that some scalars start with 0x00 bytes
};

class Pkcs8GeneratedTest : public ::testing::TestWithParam<Count> {};

TEST_P(Pkcs8GeneratedTest, ByteIdenticalToTheEncoderAndReadsBack) {
  auto [algo, keys] = GetParam();
  for (int i = 0; i < keys; ++i) {
    Result<PrivateKey> key = PrivateKey::Generate(algo);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    std::string what = std::string(KeyAlgoName(algo)) + " #" + std::to_string(i);
    ExpectSameAsEncoder(key->get(), what);
    Result<Secret> pem = key->ToPkcs8Pem();
    ASSERT_TRUE(pem.ok());
    EXPECT_EQ(pem->str(), EncoderPem(key->get())) << what;
    if (i < 20) ExpectReadsBack(key->get(), what);
    if (HasFailure()) break;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSix, Pkcs8GeneratedTest,
                         ::testing::Values(Count{KeyAlgo::kEcP256, 1500},
                                           Count{KeyAlgo::kEcP384, 150}, Count{KeyAlgo::kSm2, 300},
                                           Count{KeyAlgo::kRsa2048, 3}, Count{KeyAlgo::kRsa3072, 1},
                                           Count{KeyAlgo::kRsa4096, 1}),
                         [](const auto& info) { return std::string(KeyAlgoName(info.param.algo)); });

// An EC-family key with private scalar d (public d*G), as RebuildEcKey makes.
PkeyPtr EcKeyWithScalar(const char* group_name, int nid, const BIGNUM* d) {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  EC_POINT* pub = group != nullptr ? EC_POINT_new(group) : nullptr;
  unsigned char point[200];
  size_t point_len = 0;
  if (pub != nullptr && EC_POINT_mul(group, pub, d, nullptr, nullptr, nullptr) == 1) {
    point_len = EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point,
                                   nullptr);
  }
  EC_POINT_free(pub);
  EC_GROUP_free(group);
  if (point_len == 0) return nullptr;
  unsigned char native[80] = {};
  if (BN_bn2nativepad(d, native, sizeof native) < 0) return nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group_name),
                                       0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, point_len),
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, sizeof native),
      OSSL_PARAM_construct_end()};
  bool sm2 = nid == NID_sm2;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, sm2 ? "SM2" : "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params) != 1) {
    return nullptr;
  }
  return PkeyPtr(raw);
}

TEST(Pkcs8Test, ShortEcScalarsArePaddedToTheOrderWidth) {
  struct Curve {
    const char* name;
    int nid;
  } curves[] = {{"prime256v1", NID_X9_62_prime256v1}, {"secp384r1", NID_secp384r1},
                {"SM2", NID_sm2}};
  BignumPtr d(BN_new());
  for (const Curve& c : curves) {
    for (int shift : {0, 7, 8, 100, 200}) {
      ASSERT_EQ(BN_set_word(d.get(), 1), 1);
      ASSERT_EQ(BN_lshift(d.get(), d.get(), shift), 1);
      PkeyPtr pk = EcKeyWithScalar(c.name, c.nid, d.get());
      ASSERT_TRUE(pk) << c.name << " 2^" << shift;
      std::string what = std::string(c.name) + " d=2^" + std::to_string(shift);
      ExpectSameAsEncoder(pk.get(), what);
      ExpectReadsBack(pk.get(), what);
    }
  }
}

// Keys as they arrive with an uploaded CSR (FromPem normalizes them), and keys
// outside the fast path (multi-prime RSA, other curves and types), which go
// through the encoder: the output never depends on the path taken.
TEST(Pkcs8Test, ImportedKeysOfEveryShape) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto r = RunCmd(
      "cd " + dir.Path("") +
      " && openssl genrsa -traditional -out pkcs1.pem 2048"
      " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
      " -pkeyopt rsa_keygen_primes:3 -out mprime.pem"
      " && openssl ecparam -name prime256v1 -genkey -noout | openssl ec -conv_form compressed"
      " -out p256c.pem"
      " && openssl ecparam -name secp384r1 -genkey -noout | openssl ec -param_enc explicit"
      " -out p384x.pem"
      " && openssl ecparam -name prime256v1 -genkey -noout | openssl ec -no_public -out nopub.pem"
      " && openssl genpkey -algorithm SM2 | openssl ec -out sm2sec1.pem"
      " && openssl genpkey -algorithm SM2 -out sm2p8.pem"
      " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem"
      " && openssl genpkey -algorithm ED25519 -out ed.pem");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  struct File {
    const char* name;
    bool by_hand;
  } files[] = {{"pkcs1.pem", true},  {"mprime.pem", false}, {"p256c.pem", true},
               {"p384x.pem", true},  {"nopub.pem", true},   {"sm2sec1.pem", true},
               {"sm2p8.pem", true},  {"p521.pem", false},   {"ed.pem", false}};
  for (auto [f, by_hand] : files) {
    Result<PrivateKey> key = PrivateKey::FromPem(dir.Read(f));
    ASSERT_TRUE(key.ok()) << f << ": " << key.status().ToString();
    ExpectSameAsEncoder(key->get(), f, by_hand);
    ExpectReadsBack(key->get(), f);
    // OpenSSL's CLI reads it and finds the key consistent.
    Result<Secret> pem = key->ToPkcs8Pem();
    ASSERT_TRUE(pem.ok()) << f;
    dir.Write("out.pem", pem->view());
    auto check = RunCmd("openssl pkey -in " + dir.Path("out.pem") + " -check -noout");
    EXPECT_EQ(check.exit_code, 0) << f << ": " << check.output;
  }
  // The multi-prime key really is one (the fallback path was exercised).
  Result<PrivateKey> mp = PrivateKey::FromPem(dir.Read("mprime.pem"));
  BIGNUM* third = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(mp->get(), OSSL_PKEY_PARAM_RSA_FACTOR3, &third), 1);
  BN_clear_free(third);
}

TEST(Pkcs8Test, EmptyKeyIsAnError) {
  EXPECT_FALSE(EncodePkcs8Pem(nullptr).ok());
  EXPECT_FALSE(EncodePkcs8PemByHand(nullptr).has_value());
  EXPECT_FALSE(EncodePkcs8PemWithEncoder(nullptr).ok());
}

}  // namespace
}  // namespace csrd::crypto
