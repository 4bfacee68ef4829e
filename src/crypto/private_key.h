// PrivateKey: one of the API's six key algorithms, generated or imported.
#pragma once

#include <atomic>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/key_algo.h"
#include "crypto/ossl.h"

namespace csrd::crypto {

// Move-only owner of an EVP_PKEY. Thread-compatible: const methods may run
// concurrently; a moved-from PrivateKey holds nothing and must not be used.
class PrivateKey {
 public:
  // A fresh key: RSA (e = 65537) 2048/3072/4096, P-256, P-384 or SM2.
  // RSA generation is slow (hundreds of ms to seconds, far longer on a
  // low-priority thread of a busy machine): when `cancel` is given and turns
  // true, RSA generation stops at its next prime candidate and returns
  // Unavailable (EC keys take microseconds and are not interrupted).
  static Result<PrivateKey> Generate(KeyAlgo algo, const std::atomic<bool>* cancel = nullptr);

  // Unencrypted PEM: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
  // SEC1 ("EC PRIVATE KEY", incl. the SM2 curve; OpenSSL's "SM2 PRIVATE KEY"
  // label too). The first private-key block counts; "EC PARAMETERS" and other
  // blocks before it are skipped. EC-family keys are normalized: named curve,
  // public point present, SM2-curve keys become SM2 keys, and the private
  // scalar must match the public point. Encrypted PEM or anything unparsable
  // -> InvalidArgument whose message says which, never key bytes. A key that
  // parses but is not one of the six is accepted here: Algo() tells.
  static Result<PrivateKey> FromPem(std::string_view pem);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;

  // InvalidArgument if the key is not one of the six (e.g. RSA-1024, P-521,
  // e != 65537, Ed25519).
  Result<KeyAlgo> Algo() const;

  // Unencrypted PKCS#8 PEM: "-----BEGIN PRIVATE KEY-----", LF line ends, final
  // LF; EC and SM2 as id-ecPublicKey + named-curve OID with the public key.
  Result<Secret> ToPkcs8Pem() const;

  // Borrowed; valid while this PrivateKey lives.
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  explicit PrivateKey(PkeyPtr pkey) : pkey_(std::move(pkey)) {}
  PkeyPtr pkey_;
};

}  // namespace csrd::crypto
