#include "crypto/csr.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <climits>

#include "crypto/der.h"
#include "crypto/pkey_util.h"

namespace csrd::crypto {

namespace {

struct RdnRule {
  int nid;
  const char* label;
  unsigned long mask;  // allowed output ASN.1 string types
  long min_chars, max_chars;
};

// RFC 5280 upper bounds; C is ISO 3166 alpha-2 as a PrintableString.
constexpr RdnRule kCn{NID_commonName, "CN", B_ASN1_UTF8STRING, 1, 64};
constexpr RdnRule kC{NID_countryName, "C", B_ASN1_PRINTABLESTRING, 2, 2};
constexpr RdnRule kSt{NID_stateOrProvinceName, "ST", B_ASN1_UTF8STRING, 1, 128};
constexpr RdnRule kL{NID_localityName, "L", B_ASN1_UTF8STRING, 1, 128};
constexpr RdnRule kO{NID_organizationName, "O", B_ASN1_UTF8STRING, 1, 64};

// The string type is chosen here rather than by OpenSSL's process-wide
// default mask, which any other code could change.
Status AddRdn(X509_NAME* name, const RdnRule& rule, const std::string& value) {
  if (value.empty()) return Status::Ok();
  if (value.size() > INT_MAX || value.find('\0') != std::string::npos) {
    return Status::InvalidArgument(std::string("subject ") + rule.label + " is invalid");
  }
  ASN1_STRING* str = nullptr;
  if (ASN1_mbstring_ncopy(&str, reinterpret_cast<const unsigned char*>(value.data()),
                          static_cast<int>(value.size()), MBSTRING_UTF8, rule.mask,
                          rule.min_chars, rule.max_chars) < 0) {
    DrainOpenSslErrors();
    return Status::InvalidArgument(std::string("subject ") + rule.label +
                                   " has a bad length or characters");
  }
  int ok = X509_NAME_add_entry_by_NID(name, rule.nid, ASN1_STRING_type(str),
                                      ASN1_STRING_get0_data(str), ASN1_STRING_length(str), -1, 0);
  ASN1_STRING_free(str);
  if (ok != 1) return OsslInternal("adding a subject entry");
  return Status::Ok();
}

Status AddSubjectAltNames(X509_REQ* req, const std::vector<std::string>& dns_names) {
  if (dns_names.empty()) return Status::Ok();
  GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) return OsslInternal("GENERAL_NAMES");
  for (const std::string& dns : dns_names) {
    if (dns.empty() || dns.size() > INT_MAX) return Status::InvalidArgument("empty DNS name");
    for (char c : dns) {
      if (c == '\0' || static_cast<unsigned char>(c) >= 0x80) {
        return Status::InvalidArgument("DNS names must be ASCII");
      }
    }
    Asn1Ia5StringPtr ia5(ASN1_IA5STRING_new());
    GeneralNamePtr gn(GENERAL_NAME_new());
    if (!ia5 || !gn || ASN1_STRING_set(ia5.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return OsslInternal("DNS name");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, ia5.release());
    if (sk_GENERAL_NAME_push(gens.get(), gn.get()) <= 0) return OsslInternal("DNS name list");
    gn.release();
  }
  X509ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, gens.get()));
  ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!ext || !exts || sk_X509_EXTENSION_push(exts.get(), ext.get()) <= 0) {
    return OsslInternal("subjectAltName extension");
  }
  ext.release();
  if (X509_REQ_add_extensions(req, exts.get()) != 1) return OsslInternal("extension request");
  return Status::Ok();
}

// The SPKI shortcut (deps-and-limits §4.4): X509_REQ_set_pubkey runs the 3.0
// encoder framework (~190 µs); writing the AlgorithmIdentifier and the key
// bits by hand gives the same DER in a few µs. buf (OPENSSL_malloc'd) passes
// to the request on success.
Status SetSpki(X509_REQ* req, int alg_nid, int ptype, void* pval, unsigned char* buf, size_t len) {
  if (len == 0 || len > INT_MAX ||
      X509_PUBKEY_set0_param(X509_REQ_get_X509_PUBKEY(req), OBJ_nid2obj(alg_nid), ptype, pval,
                             buf, static_cast<int>(len)) != 1) {
    OPENSSL_free(buf);
    return OsslInternal("SubjectPublicKeyInfo");
  }
  return Status::Ok();
}

// id-ecPublicKey + curve OID + the point, read in one call (each read of the
// point converts it to bytes, with a field inversion when not affine).
Status SetEcPublicKey(X509_REQ* req, EVP_PKEY* pk, int curve_nid) {
  unsigned char point[200];  // P-384 uncompressed is 97 bytes
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point,
                                      &len) != 1 ||
      len == 0 || len > sizeof point) {
    return OsslInternal("EC public point");
  }
  auto* buf = static_cast<unsigned char*>(OPENSSL_memdup(point, len));
  if (buf == nullptr) return OsslInternal("EC public point");
  return SetSpki(req, NID_X9_62_id_ecPublicKey, V_ASN1_OBJECT, OBJ_nid2obj(curve_nid), buf, len);
}

// rsaEncryption + NULL + RSAPublicKey ::= SEQUENCE { n, e }.
Status SetRsaPublicKey(X509_REQ* req, EVP_PKEY* pk) {
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n_raw);
  EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e_raw);
  BignumPtr n(n_raw), e(e_raw);
  if (!n || !e) return OsslInternal("RSA public numbers");
  size_t content = der::TlvSize(der::IntegerContentSize(n.get())) +
                   der::TlvSize(der::IntegerContentSize(e.get()));
  std::string spki;
  spki.reserve(der::TlvSize(content));
  der::PutHeader(spki, der::kSequence, content);
  if (!der::PutInteger(spki, n.get()) || !der::PutInteger(spki, e.get())) {
    return Status::Internal("RSA public numbers are negative");
  }
  auto* buf = static_cast<unsigned char*>(OPENSSL_memdup(spki.data(), spki.size()));
  if (buf == nullptr) return OsslInternal("RSA public key");
  return SetSpki(req, NID_rsaEncryption, V_ASN1_NULL, nullptr, buf, spki.size());
}

// Fetched once for the process (EVP_MD objects are immutable and shared
// across threads), instead of a by-name fetch in every EVP_DigestSignInit_ex.
const EVP_MD* SignatureDigest(KeyAlgo algo) {
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* const sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  return algo == KeyAlgo::kSm2 ? sm3 : algo == KeyAlgo::kEcP384 ? sha384 : sha256;
}

Status SignReq(X509_REQ* req, EVP_PKEY* pk, KeyAlgo algo) {
  const EVP_MD* md = SignatureDigest(algo);
  if (md == nullptr) return OsslInternal("signature digest unavailable");
  PkeyCtxPtr pctx;  // declared first: mctx borrows it and must die before it
  MdCtxPtr mctx(EVP_MD_CTX_new());
  if (!mctx) return OsslInternal("EVP_MD_CTX_new");
  if (algo == KeyAlgo::kSm2) {
    pctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pk, nullptr));
    if (!pctx || EVP_PKEY_CTX_set1_id(pctx.get(), kSm2DistId.data(),
                                      static_cast<int>(kSm2DistId.size())) != 1) {
      return OsslInternal("SM2 distinguishing id");
    }
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
  }
  if (EVP_DigestSignInit(mctx.get(), nullptr, md, nullptr, pk) != 1) {
    return OsslInternal("signature setup");
  }
  if (X509_REQ_sign_ctx(req, mctx.get()) <= 0) return OsslInternal("signing the CSR");
  return Status::Ok();
}

Result<std::string> ToUtf8(const ASN1_STRING* s, const char* label) {
  unsigned char* out = nullptr;
  int n = ASN1_STRING_to_UTF8(&out, s);
  if (n < 0) {
    DrainOpenSslErrors();
    return Status::InvalidArgument(std::string("subject ") + label + " is not a readable string");
  }
  std::string v(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  if (v.find('\0') != std::string::npos) {
    return Status::InvalidArgument(std::string("subject ") + label + " contains NUL");
  }
  return v;
}

Status ReadSubject(X509_NAME* name, ParsedCsr& out) {
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    std::optional<std::string>* slot = nullptr;
    const char* label = "";
    switch (nid) {
      case NID_commonName: {
        CSRD_ASSIGN_OR_RETURN(std::string cn, ToUtf8(data, "CN"));
        out.common_names.push_back(std::move(cn));
        continue;
      }
      case NID_countryName: slot = &out.country, label = "C"; break;
      case NID_stateOrProvinceName: slot = &out.province, label = "ST"; break;
      case NID_localityName: slot = &out.city, label = "L"; break;
      case NID_organizationName: slot = &out.organization, label = "O"; break;
      default: continue;  // OU, emailAddress, ...: not part of the CSR object
    }
    if (slot->has_value()) continue;  // the first one counts
    CSRD_ASSIGN_OR_RETURN(std::string v, ToUtf8(data, label));
    *slot = std::move(v);
  }
  return Status::Ok();
}

Status ReadDnsSans(X509_REQ* req, ParsedCsr& out) {
  bool has_ext_req = X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0 ||
                     X509_REQ_get_attr_by_NID(req, NID_ms_ext_req, -1) >= 0;
  if (!has_ext_req) return Status::Ok();
  ExtensionStackPtr exts(X509_REQ_get_extensions(req));
  if (!exts) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("CSR extension request is malformed");
  }
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    GeneralNamesPtr gens(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!gens) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("CSR subjectAltName is malformed");
    }
    for (int j = 0; j < sk_GENERAL_NAME_num(gens.get()); ++j) {
      int type = 0;
      auto* v = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens.get(), j), &type));
      if (type != GEN_DNS || v == nullptr) continue;
      std::string dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                      static_cast<size_t>(ASN1_STRING_length(v)));
      if (dns.find('\0') != std::string::npos) {
        return Status::InvalidArgument("CSR DNS name contains NUL");
      }
      // A dNSName is an IA5String (ASCII), but DER decoding does not check
      // that; other bytes would reach the stored `sans` as invalid UTF-8
      // (which PostgreSQL refuses and JSON cannot carry).
      for (char c : dns) {
        if (static_cast<unsigned char>(c) >= 0x80) {
          return Status::InvalidArgument("CSR DNS name is not ASCII");
        }
      }
      out.dns_sans.push_back(std::move(dns));
    }
  }
  return Status::Ok();
}

// The first CSR block's DER, skipping other blocks before it.
Result<X509ReqPtr> ReadCsrDer(std::string_view pem) {
  BioPtr bio = MemBioOver(pem);
  if (!bio) return Status::InvalidArgument("CSR is too large");
  while (true) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long len = 0;
    int ok = PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &len);
    OsslCharPtr name(name_raw), header(header_raw);
    OsslBytesPtr data(data_raw);
    if (ok != 1) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("no PEM CERTIFICATE REQUEST found");
    }
    std::string_view label(name.get());
    if (label != PEM_STRING_X509_REQ && label != PEM_STRING_X509_REQ_OLD) continue;
    const unsigned char* p = data.get();
    X509ReqPtr req(d2i_X509_REQ(nullptr, &p, len));
    if (!req) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("CSR is not valid PKCS#10 DER");
    }
    if (p != data.get() + len) return Status::InvalidArgument("CSR has trailing data");
    return req;
  }
}

}  // namespace

Result<std::string> BuildCsrPem(const PrivateKey& key, const CsrSubject& subject,
                                const std::vector<std::string>& dns_names) {
  ErrorQueueGuard guard;
  EVP_PKEY* pk = key.get();
  if (pk == nullptr) return Status::InvalidArgument("no key");
  CSRD_ASSIGN_OR_RETURN(KeyAlgo algo, KeyAlgoOf(pk));

  X509ReqPtr req(X509_REQ_new_ex(nullptr, nullptr));
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return OsslInternal("X509_REQ_new");
  }
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  CSRD_RETURN_IF_ERROR(AddRdn(name, kCn, subject.common_name));
  CSRD_RETURN_IF_ERROR(AddRdn(name, kC, subject.country));
  CSRD_RETURN_IF_ERROR(AddRdn(name, kSt, subject.province));
  CSRD_RETURN_IF_ERROR(AddRdn(name, kL, subject.city));
  CSRD_RETURN_IF_ERROR(AddRdn(name, kO, subject.organization));
  CSRD_RETURN_IF_ERROR(AddSubjectAltNames(req.get(), dns_names));

  if (IsEcFamily(pk)) {
    CSRD_RETURN_IF_ERROR(SetEcPublicKey(req.get(), pk, CurveNid(algo)));
  } else {
    CSRD_RETURN_IF_ERROR(SetRsaPublicKey(req.get(), pk));
  }
  CSRD_RETURN_IF_ERROR(SignReq(req.get(), pk, algo));

  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  OsslBytesPtr owned(der);
  if (len <= 0) return OsslInternal("CSR DER encoding");
  std::string_view der_view(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  std::string pem;
  pem.reserve(der::PemSize(PEM_STRING_X509_REQ, der_view.size()));
  der::PutPem(pem, PEM_STRING_X509_REQ, der_view);
  return pem;
}

Result<ParsedCsr> ParseCsrPem(std::string_view pem) {
  ErrorQueueGuard guard;
  CSRD_ASSIGN_OR_RETURN(X509ReqPtr req, ReadCsrDer(pem));
  if (X509_REQ_get_version(req.get()) != X509_REQ_VERSION_1) {
    return Status::InvalidArgument("CSR version must be 1 (0)");
  }
  EVP_PKEY* pk = X509_REQ_get0_pubkey(req.get());
  if (pk == nullptr) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("CSR public key is malformed or of an unsupported type");
  }
  ParsedCsr out;
  // The algorithm check comes before the signature check, so a huge RSA key
  // never reaches the (costly) verify.
  CSRD_ASSIGN_OR_RETURN(out.algo, KeyAlgoOf(pk));
  if (IsEcFamily(pk)) {
    CSRD_ASSIGN_OR_RETURN(PkeyPtr rebuilt, RebuildEcKey(pk, /*with_private=*/false));
    out.public_key.reset(rebuilt.release(), EVP_PKEY_free);
  } else {
    if (EVP_PKEY_up_ref(pk) != 1) return OsslInternal("EVP_PKEY_up_ref");
    out.public_key.reset(pk, EVP_PKEY_free);
  }

  if (out.algo == KeyAlgo::kSm2) {
    Asn1OctetStringPtr id(ASN1_OCTET_STRING_new());
    if (!id || ASN1_OCTET_STRING_set(id.get(), reinterpret_cast<const unsigned char*>(kSm2DistId.data()),
                                     static_cast<int>(kSm2DistId.size())) != 1) {
      return OsslInternal("SM2 distinguishing id");
    }
    X509_REQ_set0_distinguishing_id(req.get(), id.release());
  }
  if (X509_REQ_verify_ex(req.get(), out.public_key.get(), nullptr, nullptr) != 1) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("CSR signature does not verify");
  }

  CSRD_RETURN_IF_ERROR(ReadSubject(X509_REQ_get_subject_name(req.get()), out));
  CSRD_RETURN_IF_ERROR(ReadDnsSans(req.get(), out));

  // i2d reuses the parsed DER of the signed part, so the signature still holds.
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    return OsslInternal("CSR PEM encoding");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return Status::Internal("CSR PEM encoding produced nothing");
  out.pem.assign(data, static_cast<size_t>(len));
  return out;
}

bool PublicKeyMatches(const ParsedCsr& csr, const PrivateKey& key) {
  ErrorQueueGuard guard;
  if (!csr.public_key || key.get() == nullptr) return false;
  return EVP_PKEY_eq(csr.public_key.get(), key.get()) == 1;
}

}  // namespace csrd::crypto
