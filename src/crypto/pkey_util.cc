#include "crypto/pkey_util.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <vector>

namespace csrd::crypto {

bool IsEcFamily(const EVP_PKEY* pk) {
  return pk != nullptr && (EVP_PKEY_is_a(pk, "EC") == 1 || EVP_PKEY_is_a(pk, "SM2") == 1);
}

std::optional<std::string> EcGroupName(const EVP_PKEY* pk) {
  if (!IsEcFamily(pk)) return std::nullopt;
  char buf[80];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, buf, sizeof(buf), &len) != 1) {
    return std::nullopt;
  }
  return std::string(buf, len);
}

static Result<KeyAlgo> RsaAlgoOf(const EVP_PKEY* pk) {
  BIGNUM* e_raw = nullptr;
  if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e_raw) != 1) {
    return Status::InvalidArgument("RSA key without a public exponent");
  }
  BignumPtr e(e_raw);
  if (!BN_is_word(e.get(), RSA_F4)) {
    return Status::InvalidArgument("RSA public exponent must be 65537");
  }
  switch (EVP_PKEY_get_bits(pk)) {
    case 2048: return KeyAlgo::kRsa2048;
    case 3072: return KeyAlgo::kRsa3072;
    case 4096: return KeyAlgo::kRsa4096;
    default:
      return Status::InvalidArgument("RSA modulus must be exactly 2048, 3072 or 4096 bits, got " +
                                     std::to_string(EVP_PKEY_get_bits(pk)));
  }
}

Result<KeyAlgo> KeyAlgoOf(const EVP_PKEY* pk) {
  if (pk == nullptr) return Status::InvalidArgument("no key");
  // RSA-PSS keys (id-RSASSA-PSS) are not "RSA" here: the API has no such algorithm.
  if (EVP_PKEY_is_a(pk, "RSA") == 1) return RsaAlgoOf(pk);
  if (IsEcFamily(pk)) {
    std::optional<std::string> group = EcGroupName(pk);
    if (!group) return Status::InvalidArgument("EC key on an unnamed curve is not supported");
    if (*group == "prime256v1") return KeyAlgo::kEcP256;
    if (*group == "secp384r1") return KeyAlgo::kEcP384;
    if (*group == "SM2") return KeyAlgo::kSm2;
    return Status::InvalidArgument("EC curve " + *group +
                                   " is not supported (P-256, P-384 or SM2 only)");
  }
  const char* type = EVP_PKEY_get0_type_name(pk);
  return Status::InvalidArgument(std::string("key type ") + (type != nullptr ? type : "unknown") +
                                 " is not supported");
}

int CurveNid(KeyAlgo algo) {
  switch (algo) {
    case KeyAlgo::kEcP256: return NID_X9_62_prime256v1;
    case KeyAlgo::kEcP384: return NID_secp384r1;
    case KeyAlgo::kSm2: return NID_sm2;
    default: return NID_undef;
  }
}

Result<PkeyPtr> RebuildEcKey(const EVP_PKEY* pk, bool with_private) {
  std::optional<std::string> group = EcGroupName(pk);
  if (!group) return Status::InvalidArgument("EC key on an unnamed curve is not supported");

  size_t pub_len = 0;
  if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &pub_len) != 1 ||
      pub_len == 0) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("EC key without a public point");
  }
  std::vector<unsigned char> pub(pub_len);
  if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size(),
                                      &pub_len) != 1) {
    return OsslInternal("reading the EC public point");
  }

  // The private scalar travels in a native-endian buffer we wipe ourselves,
  // because OSSL_PARAM_BLD memory is not cleansed on free in 3.0.
  std::vector<unsigned char> priv;
  struct Wipe {
    std::vector<unsigned char>& v;
    ~Wipe() { OPENSSL_cleanse(v.data(), v.size()); }
  } wipe{priv};
  if (with_private) {
    BIGNUM* d_raw = nullptr;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d_raw) != 1) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("EC key without a private scalar");
    }
    BignumPtr d(d_raw);
    priv.resize(static_cast<size_t>(BN_num_bytes(d.get())) + 1);
    if (BN_bn2nativepad(d.get(), priv.data(), static_cast<int>(priv.size())) < 0) {
      return OsslInternal("encoding the EC private scalar");
    }
  }

  OSSL_PARAM params[4];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group->data(), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
  if (with_private) {
    params[n++] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, priv.data(), priv.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  const char* type = *group == "SM2" ? "SM2" : "EC";
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return OsslInternal("EC key import setup");
  EVP_PKEY* out_raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &out_raw,
                        with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("EC key could not be imported");
  }
  PkeyPtr out(out_raw);
  if (with_private) {
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, out.get(), nullptr));
    if (!check) return OsslInternal("EC key check setup");
    if (EVP_PKEY_pairwise_check(check.get()) != 1) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("EC private key does not match its public point");
    }
  }
  return out;
}

}  // namespace csrd::crypto
