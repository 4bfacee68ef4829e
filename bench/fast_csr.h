// FastCsrMaker: the fastest keygen + PKCS#10 loop we could write on OpenSSL
// 3.0, for raw_crypto's "fast" variant (the physical limit csrd's CreateCsr is
// compared with). Same CSR content as crypto::BuildCsrPem for a PERSONAL CSR
// (CN + subjectAltName DNS names, same signature algorithms, SM2 id
// 1234567812345678), built with everything constant hoisted out of the loop:
//  - one keygen EVP_PKEY_CTX per maker, initialised once, reused per key;
//  - subject and the extensionRequest attribute encoded once;
//  - SubjectPublicKeyInfo written by hand for every algorithm (EC point, or
//    RSAPublicKey DER from n and e), skipping the 3.0 encoder framework that
//    X509_REQ_set_pubkey goes through (deps-and-limits.md §4.4);
//  - DER -> PEM by EVP_EncodeBlock, without a BIO.
// Not thread-safe: one maker per thread.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key_algo.h"
#include "crypto/ossl.h"

namespace csrd::bench {

class FastCsrMaker {
 public:
  static Result<FastCsrMaker> Create(crypto::KeyAlgo algo, const std::string& common_name,
                                     const std::vector<std::string>& dns_names);

  FastCsrMaker(FastCsrMaker&&) noexcept = default;
  FastCsrMaker& operator=(FastCsrMaker&&) noexcept = default;

  Result<crypto::PkeyPtr> Generate();
  // *pem = the signed CSR for pk (a key of this maker's algorithm).
  Status BuildPem(EVP_PKEY* pk, std::string* pem);

 private:
  FastCsrMaker() = default;
  Status SetPublicKey(X509_REQ* req, EVP_PKEY* pk);

  crypto::KeyAlgo algo_{};
  crypto::PkeyCtxPtr keygen_;
  crypto::X509NamePtr subject_;
  std::string ext_attr_der_;  // DER of the X509_EXTENSIONS sequence
  crypto::MdCtxPtr mctx_;
};

}  // namespace csrd::bench
