// PKCS#8 PrivateKeyInfo PEM of a key, written by hand (internal to crypto/;
// PrivateKey::ToPkcs8Pem is the public face).
#pragma once

#include <optional>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/ossl.h"

namespace csrd::crypto {

// Unencrypted "-----BEGIN PRIVATE KEY-----" PEM of pk, byte for byte what
// OpenSSL 3's encoder (PEM_write_bio_PKCS8PrivateKey) writes for the same key:
//  - EC and SM2 keys on P-256, P-384 or the SM2 curve, named-curve encoded:
//    id-ecPublicKey + curve OID, ECPrivateKey v1 with the scalar padded to
//    the group order's width, no [0] parameters, [1] public point in the
//    key's own point format;
//  - two-prime RSA keys: rsaEncryption + NULL, RSAPrivateKey v0.
// Any other key (multi-prime RSA, other curves or key types, explicit
// parameters) goes through OpenSSL's encoder, so the output never differs.
// Every intermediate buffer holding key bytes is wiped. Internal on failure.
// Thread-safe for concurrent calls on the same key (it only reads it).
Result<Secret> EncodePkcs8Pem(EVP_PKEY* pk);

// The hand-written path alone: nullopt for a key it does not handle (or if
// reading the key's parameters failed), where EncodePkcs8Pem falls back.
std::optional<Secret> EncodePkcs8PemByHand(EVP_PKEY* pk);

// The same through OpenSSL's encoder framework: the reference and fallback.
Result<Secret> EncodePkcs8PemWithEncoder(EVP_PKEY* pk);

}  // namespace csrd::crypto
