// Key inspection shared by private_key.cc and csr.cc (internal to crypto/).
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "crypto/key_algo.h"
#include "crypto/ossl.h"

namespace csrd::crypto {

// The SM2 distinguishing identifier of GM/T 0009, used to sign and verify.
inline constexpr std::string_view kSm2DistId = "1234567812345678";

// True for keys whose public part is an EC point (EC or SM2 key managers).
bool IsEcFamily(const EVP_PKEY* pk);

// The named group of an EC-family key ("prime256v1", "secp384r1", "SM2", ...),
// nullopt for unnamed (explicit-parameter) curves or non-EC keys.
std::optional<std::string> EcGroupName(const EVP_PKEY* pk);

// Which of the six algorithms pk is; InvalidArgument (short reason) otherwise.
// RSA must have e = 65537 and a modulus of exactly 2048, 3072 or 4096 bits.
Result<KeyAlgo> KeyAlgoOf(const EVP_PKEY* pk);

// The named-curve NID that goes into an SPKI for an EC-family algorithm.
int CurveNid(KeyAlgo algo);

// Rebuilds an EC-family key from its group name and point (and private scalar
// when with_private) into a fresh key of the right manager: "SM2" for the SM2
// curve, "EC" otherwise. The result is named-curve, carries its public point
// and, with_private, has passed a pairwise consistency check (InvalidArgument
// if not). This is how an SM2-curve key decoded as plain EC becomes an SM2 key
// that OpenSSL will verify and sign with SM2 rules.
Result<PkeyPtr> RebuildEcKey(const EVP_PKEY* pk, bool with_private);

}  // namespace csrd::crypto
