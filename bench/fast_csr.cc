#include "fast_csr.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include <algorithm>

namespace csrd::bench {

namespace {

using crypto::KeyAlgo;
using crypto::OsslInternal;

constexpr char kSm2Id[] = "1234567812345678";

void DerLength(size_t len, std::string* out) {
  if (len < 0x80) {
    out->push_back(static_cast<char>(len));
    return;
  }
  char tmp[8];
  int n = 0;
  while (len > 0) {
    tmp[n++] = static_cast<char>(len & 0xff);
    len >>= 8;
  }
  out->push_back(static_cast<char>(0x80 | n));
  while (n > 0) out->push_back(tmp[--n]);
}

// DER INTEGER of a non-negative BIGNUM.
void DerInteger(const BIGNUM* bn, std::string* out) {
  int n = BN_num_bytes(bn);
  std::string mag(static_cast<size_t>(n), '\0');
  if (n > 0) BN_bn2bin(bn, reinterpret_cast<unsigned char*>(mag.data()));
  if (mag.empty() || (static_cast<unsigned char>(mag[0]) & 0x80)) mag.insert(mag.begin(), '\0');
  out->push_back(0x02);
  DerLength(mag.size(), out);
  out->append(mag);
}

const char* DigestName(KeyAlgo a) {
  return a == KeyAlgo::kSm2 ? "SM3" : a == KeyAlgo::kEcP384 ? "SHA384" : "SHA256";
}

int CurveNidOf(KeyAlgo a) {
  return a == KeyAlgo::kEcP256 ? NID_X9_62_prime256v1 : a == KeyAlgo::kEcP384 ? NID_secp384r1 : NID_sm2;
}

bool IsRsa(KeyAlgo a) {
  return a == KeyAlgo::kRsa2048 || a == KeyAlgo::kRsa3072 || a == KeyAlgo::kRsa4096;
}

}  // namespace

Result<FastCsrMaker> FastCsrMaker::Create(KeyAlgo algo, const std::string& common_name,
                                          const std::vector<std::string>& dns_names) {
  FastCsrMaker m;
  m.algo_ = algo;
  if (IsRsa(algo)) {
    int bits = algo == KeyAlgo::kRsa2048 ? 2048 : algo == KeyAlgo::kRsa3072 ? 3072 : 4096;
    m.keygen_.reset(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!m.keygen_ || EVP_PKEY_keygen_init(m.keygen_.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(m.keygen_.get(), bits) != 1) {
      return OsslInternal("RSA keygen setup");
    }
  } else {
    bool sm2 = algo == KeyAlgo::kSm2;
    m.keygen_.reset(EVP_PKEY_CTX_new_from_name(nullptr, sm2 ? "SM2" : "EC", nullptr));
    if (!m.keygen_ || EVP_PKEY_keygen_init(m.keygen_.get()) != 1 ||
        EVP_PKEY_CTX_set_group_name(m.keygen_.get(),
                                    sm2 ? "SM2" : algo == KeyAlgo::kEcP256 ? "P-256" : "P-384") != 1) {
      return OsslInternal("EC keygen setup");
    }
  }

  m.subject_.reset(X509_NAME_new());
  if (!m.subject_ ||
      X509_NAME_add_entry_by_NID(m.subject_.get(), NID_commonName, V_ASN1_UTF8STRING,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OsslInternal("subject");
  }

  crypto::GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) return OsslInternal("GENERAL_NAMES");
  for (const std::string& dns : dns_names) {
    crypto::Asn1Ia5StringPtr ia5(ASN1_IA5STRING_new());
    crypto::GeneralNamePtr gn(GENERAL_NAME_new());
    if (!ia5 || !gn || ASN1_STRING_set(ia5.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return OsslInternal("DNS name");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, ia5.release());
    if (sk_GENERAL_NAME_push(gens.get(), gn.get()) <= 0) return OsslInternal("DNS list");
    gn.release();
  }
  crypto::X509ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, gens.get()));
  crypto::ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!ext || !exts || sk_X509_EXTENSION_push(exts.get(), ext.get()) <= 0) {
    return OsslInternal("subjectAltName");
  }
  ext.release();
  unsigned char* der = nullptr;
  int len = i2d_X509_EXTENSIONS(exts.get(), &der);
  if (len <= 0) return OsslInternal("extension DER");
  m.ext_attr_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);

  m.mctx_.reset(EVP_MD_CTX_new());
  if (!m.mctx_) return OsslInternal("EVP_MD_CTX_new");
  return m;
}

Result<crypto::PkeyPtr> FastCsrMaker::Generate() {
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(keygen_.get(), &raw) != 1) return OsslInternal("keygen");
  return crypto::PkeyPtr(raw);
}

Status FastCsrMaker::SetPublicKey(X509_REQ* req, EVP_PKEY* pk) {
  std::string enc;
  ASN1_OBJECT* alg;
  int ptype;
  void* pval;
  if (IsRsa(algo_)) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      BN_free(n);
      return OsslInternal("RSA public numbers");
    }
    std::string body;
    DerInteger(n, &body);
    DerInteger(e, &body);
    BN_free(n);
    BN_free(e);
    enc.push_back(0x30);
    DerLength(body.size(), &enc);
    enc.append(body);
    alg = OBJ_nid2obj(NID_rsaEncryption);
    ptype = V_ASN1_NULL;
    pval = nullptr;
  } else {
    unsigned char point[200];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof point, &len) != 1) {
      return OsslInternal("EC point");
    }
    enc.assign(reinterpret_cast<char*>(point), len);
    alg = OBJ_nid2obj(NID_X9_62_id_ecPublicKey);
    ptype = V_ASN1_OBJECT;
    pval = OBJ_nid2obj(CurveNidOf(algo_));
  }
  auto* buf = static_cast<unsigned char*>(OPENSSL_malloc(enc.size()));
  if (buf == nullptr) return OsslInternal("malloc");
  std::copy(enc.begin(), enc.end(), buf);
  if (X509_PUBKEY_set0_param(X509_REQ_get_X509_PUBKEY(req), alg, ptype, pval, buf,
                             static_cast<int>(enc.size())) != 1) {
    OPENSSL_free(buf);
    return OsslInternal("SPKI");
  }
  return Status::Ok();
}

Status FastCsrMaker::BuildPem(EVP_PKEY* pk, std::string* pem) {
  crypto::X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject_.get()) != 1 ||
      X509_REQ_add1_attr_by_NID(req.get(), NID_ext_req, V_ASN1_SEQUENCE,
                                reinterpret_cast<const unsigned char*>(ext_attr_der_.data()),
                                static_cast<int>(ext_attr_der_.size())) != 1) {
    return OsslInternal("request");
  }
  Status st = SetPublicKey(req.get(), pk);
  if (!st.ok()) return st;

  OSSL_PARAM sm2_params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_DIST_ID, const_cast<char*>(kSm2Id),
                                        sizeof kSm2Id - 1),
      OSSL_PARAM_construct_end()};
  bool signed_ok =
      EVP_DigestSignInit_ex(mctx_.get(), nullptr, DigestName(algo_), nullptr, nullptr, pk,
                            algo_ == KeyAlgo::kSm2 ? sm2_params : nullptr) == 1 &&
      X509_REQ_sign_ctx(req.get(), mctx_.get()) > 0;
  EVP_MD_CTX_reset(mctx_.get());
  if (!signed_ok) return OsslInternal("sign");

  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return OsslInternal("CSR DER");
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE REQUEST-----\n";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE REQUEST-----\n";
  size_t lines = (static_cast<size_t>(len) + 47) / 48;
  pem->resize(kBegin.size() + lines * 65 + kEnd.size());
  char* out = pem->data();
  out = std::copy(kBegin.begin(), kBegin.end(), out);
  for (int off = 0; off < len; off += 48) {
    int chunk = std::min(48, len - off);
    int w = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), der + off, chunk);
    out += w;
    *out++ = '\n';
  }
  out = std::copy(kEnd.begin(), kEnd.end(), out);
  pem->resize(static_cast<size_t>(out - pem->data()));
  OPENSSL_free(der);
  return Status::Ok();
}

}  // namespace csrd::bench
