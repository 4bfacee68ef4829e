#include "crypto/pkey_util.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <vector>

#include "crypto/private_key.h"

namespace csrd::crypto {
namespace {

PkeyPtr EcKeygen(const char* type, const char* group) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return nullptr;
  }
  return PkeyPtr(raw);
}

std::vector<unsigned char> PubOf(const EVP_PKEY* pk) {
  std::vector<unsigned char> pub(200);
  size_t n = 0;
  EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size(), &n);
  pub.resize(n);
  return pub;
}

TEST(PkeyUtilTest, KeyAlgoOfEcCurves) {
  EXPECT_EQ(*KeyAlgoOf(EcKeygen("EC", "P-256").get()), KeyAlgo::kEcP256);
  EXPECT_EQ(*KeyAlgoOf(EcKeygen("EC", "P-384").get()), KeyAlgo::kEcP384);
  EXPECT_EQ(*KeyAlgoOf(EcKeygen("SM2", "SM2").get()), KeyAlgo::kSm2);
  Result<KeyAlgo> p521 = KeyAlgoOf(EcKeygen("EC", "P-521").get());
  ASSERT_FALSE(p521.ok());
  EXPECT_NE(p521.status().message().find("secp521r1"), std::string::npos);
  EXPECT_FALSE(KeyAlgoOf(EcKeygen("EC", "brainpoolP256r1").get()).ok());
  EXPECT_FALSE(KeyAlgoOf(nullptr).ok());
}

TEST(PkeyUtilTest, KeyAlgoOfOtherTypes) {
  PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  Result<KeyAlgo> a = KeyAlgoOf(ed.get());
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.status().IsInvalidArgument());
  EXPECT_FALSE(IsEcFamily(ed.get()));
  EXPECT_FALSE(EcGroupName(ed.get()).has_value());
  PkeyPtr rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_TRUE(rsa1024);
  Result<KeyAlgo> r = KeyAlgoOf(rsa1024.get());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1024"), std::string::npos);
}

TEST(PkeyUtilTest, CurveNids) {
  EXPECT_EQ(CurveNid(KeyAlgo::kEcP256), NID_X9_62_prime256v1);
  EXPECT_EQ(CurveNid(KeyAlgo::kEcP384), NID_secp384r1);
  EXPECT_EQ(CurveNid(KeyAlgo::kSm2), NID_sm2);
  EXPECT_EQ(CurveNid(KeyAlgo::kRsa2048), NID_undef);
}

TEST(PkeyUtilTest, RebuildKeepsTheKeyAndPicksTheManager) {
  for (auto [type, group] : {std::pair{"EC", "P-256"}, {"EC", "P-384"}, {"SM2", "SM2"}}) {
    PkeyPtr pk = EcKeygen(type, group);
    ASSERT_TRUE(pk) << group;
    Result<PkeyPtr> priv = RebuildEcKey(pk.get(), true);
    ASSERT_TRUE(priv.ok()) << priv.status().ToString();
    EXPECT_EQ(EVP_PKEY_eq(priv->get(), pk.get()), 1) << group;
    EXPECT_EQ(EVP_PKEY_is_a(priv->get(), type), 1) << group;
    Result<PkeyPtr> pub = RebuildEcKey(pk.get(), false);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_EQ(EVP_PKEY_eq(pub->get(), pk.get()), 1) << group;
  }
}

TEST(PkeyUtilTest, RebuildTurnsAnEcManagedSm2CurveKeyIntoAnSm2Key) {
  PkeyPtr pk = EcKeygen("EC", "SM2");
  if (!pk) GTEST_SKIP() << "the EC key manager does not generate on the SM2 curve";
  Result<PkeyPtr> r = RebuildEcKey(pk.get(), true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(EVP_PKEY_is_a(r->get(), "SM2"), 1);
  EXPECT_EQ(*KeyAlgoOf(r->get()), KeyAlgo::kSm2);
  EXPECT_EQ(PubOf(r->get()), PubOf(pk.get()));
}

TEST(PkeyUtilTest, RebuildRefusesAPrivateScalarThatIsNotThePointsOwn) {
  PkeyPtr a = EcKeygen("EC", "P-256"), b = EcKeygen("EC", "P-256");
  ASSERT_TRUE(a && b);
  BIGNUM* d = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(a.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
  BignumPtr dp(d);
  std::vector<unsigned char> pub = PubOf(b.get());
  std::vector<unsigned char> dbuf(static_cast<size_t>(BN_num_bytes(d)));
  BN_bn2nativepad(d, dbuf.data(), static_cast<int>(dbuf.size()));
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()),
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, dbuf.data(), dbuf.size()),
      OSSL_PARAM_construct_end()};
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params), 1);
  PkeyPtr franken(raw);
  Result<PkeyPtr> r = RebuildEcKey(franken.get(), true);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  // The public half alone is fine.
  EXPECT_TRUE(RebuildEcKey(franken.get(), false).ok());
}

}  // namespace
}  // namespace csrd::crypto
