#include "crypto/pkcs8.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <array>
#include <cstring>
#include <optional>

#include "crypto/der.h"

namespace csrd::crypto {

namespace {

using std::string_view;

constexpr string_view kLabel = "PRIVATE KEY";

// DER of the AlgorithmIdentifier contents (OID TLVs) for each supported key.
constexpr unsigned char kIdEcPublicKey[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr unsigned char kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr unsigned char kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr unsigned char kSm2Curve[] = {0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};
constexpr unsigned char kRsaEncryption[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                            0xf7, 0x0d, 0x01, 0x01, 0x01};
constexpr unsigned char kDerNull[] = {0x05, 0x00};

string_view Bytes(const unsigned char* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}
template <size_t N>
string_view Bytes(const unsigned char (&a)[N]) {
  return Bytes(a, N);
}

// PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING
// { inner } } around an inner private key whose DER is already in `inner`;
// then the PEM of it into a Secret sized exactly.
Secret FinishPkcs8(string_view alg_oid, string_view alg_param, const Secret& inner) {
  size_t alg_content = alg_oid.size() + alg_param.size();
  size_t content = 3 + der::TlvSize(alg_content) + der::TlvSize(inner.size());
  Secret der;
  der.mutable_str().reserve(der::TlvSize(content));
  std::string& d = der.mutable_str();
  der::PutHeader(d, der::kSequence, content);
  d.append("\x02\x01\x00", 3);
  der::PutHeader(d, der::kSequence, alg_content);
  d.append(alg_oid).append(alg_param);
  der::PutHeader(d, der::kOctetString, inner.size());
  d.append(inner.view());

  Secret pem;
  pem.mutable_str().reserve(der::PemSize(kLabel, d.size()));
  der::PutPem(pem.mutable_str(), kLabel, d);
  return pem;
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
using SecretBn = std::unique_ptr<BIGNUM, BnFree>;

SecretBn GetBn(EVP_PKEY* pk, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1) return nullptr;
  return SecretBn(bn);
}

std::optional<Secret> EcPkcs8(EVP_PKEY* pk) {
  char group[32] = {};
  char encoding[32] = {};
  unsigned char point[200];
  int include_public = 1;
  std::array<OSSL_PARAM, 5> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group),
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof encoding),
      // PUB_KEY (not ENCODED_PUBLIC_KEY): in the key's own point format, as
      // i2d_ECPrivateKey writes it.
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, &include_public),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_get_params(pk, params.data()) != 1 || !OSSL_PARAM_modified(&params[0]) ||
      !OSSL_PARAM_modified(&params[2]) || params[2].return_size == 0 ||
      params[2].return_size > sizeof point) {
    return std::nullopt;
  }
  if (OSSL_PARAM_modified(&params[1]) && std::strcmp(encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
    return std::nullopt;  // explicit parameters
  }
  if (OSSL_PARAM_modified(&params[3]) && include_public == 0) return std::nullopt;

  string_view curve;
  size_t width = 0;
  string_view g(group);
  if (g == "prime256v1") {
    curve = Bytes(kP256), width = 32;
  } else if (g == "secp384r1") {
    curve = Bytes(kP384), width = 48;
  } else if (g == "SM2") {
    curve = Bytes(kSm2Curve), width = 32;
  } else {
    return std::nullopt;
  }
  SecretBn d = GetBn(pk, OSSL_PKEY_PARAM_PRIV_KEY);
  if (!d) return std::nullopt;

  // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
  //                              [1] BIT STRING publicKey }  (no [0]: PKCS#8
  // names the curve in the AlgorithmIdentifier)
  string_view pub = Bytes(point, params[2].return_size);
  size_t bits = 1 + pub.size();
  size_t content = 3 + der::TlvSize(width) + der::TlvSize(der::TlvSize(bits));
  Secret inner;
  std::string& s = inner.mutable_str();
  s.reserve(der::TlvSize(content));
  der::PutHeader(s, der::kSequence, content);
  s.append("\x02\x01\x01", 3);
  der::PutHeader(s, der::kOctetString, width);
  if (!der::PutFixedWidth(s, d.get(), width)) return std::nullopt;
  der::PutHeader(s, 0xa1, der::TlvSize(bits));
  der::PutHeader(s, der::kBitString, bits);
  s.push_back('\0');  // no unused bits
  s.append(pub);
  return FinishPkcs8(Bytes(kIdEcPublicKey), curve, inner);
}

std::optional<Secret> RsaPkcs8(EVP_PKEY* pk) {
  // A third prime means a multi-prime (version 1) key: left to the encoder.
  if (SecretBn third = GetBn(pk, OSSL_PKEY_PARAM_RSA_FACTOR3)) return std::nullopt;
  static constexpr const char* kNames[] = {
      OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
      OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::array<SecretBn, std::size(kNames)> v;
  // RSAPrivateKey ::= SEQUENCE { version 0, n, e, d, p, q, dP, dQ, qInv }
  size_t content = 3;
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = GetBn(pk, kNames[i]);
    if (!v[i] || BN_is_negative(v[i].get())) return std::nullopt;
    content += der::TlvSize(der::IntegerContentSize(v[i].get()));
  }
  Secret inner;
  std::string& s = inner.mutable_str();
  s.reserve(der::TlvSize(content));
  der::PutHeader(s, der::kSequence, content);
  s.append("\x02\x01\x00", 3);
  for (const SecretBn& bn : v) {
    if (!der::PutInteger(s, bn.get())) return std::nullopt;
  }
  return FinishPkcs8(Bytes(kRsaEncryption), Bytes(kDerNull), inner);
}

}  // namespace

std::optional<Secret> EncodePkcs8PemByHand(EVP_PKEY* pk) {
  if (pk == nullptr) return std::nullopt;
  if (EVP_PKEY_is_a(pk, "EC") == 1 || EVP_PKEY_is_a(pk, "SM2") == 1) return EcPkcs8(pk);
  if (EVP_PKEY_is_a(pk, "RSA") == 1) return RsaPkcs8(pk);
  return std::nullopt;
}

Result<Secret> EncodePkcs8Pem(EVP_PKEY* pk) {
  if (pk == nullptr) return Status::Internal("PrivateKey is empty");
  if (std::optional<Secret> out = EncodePkcs8PemByHand(pk)) return std::move(*out);
  DrainOpenSslErrors();  // from probing params the key does not have
  return EncodePkcs8PemWithEncoder(pk);
}

Result<Secret> EncodePkcs8PemWithEncoder(EVP_PKEY* pk) {
  if (pk == nullptr) return Status::Internal("PrivateKey is empty");
  // A secure-memory BIO cleanses its buffer when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return OsslInternal("BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pk, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OsslInternal("PKCS#8 encoding");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return Status::Internal("PKCS#8 encoding produced nothing");
  return Secret(std::string(data, static_cast<size_t>(len)));
}

}  // namespace csrd::crypto
