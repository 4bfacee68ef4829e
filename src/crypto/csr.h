// PKCS#10 certificate signing requests: build (for created CSRs) and parse
// (for uploaded ones). Thread-safe: no shared state.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/key_algo.h"
#include "crypto/private_key.h"

namespace csrd::crypto {

// "" omits that RDN.
struct CsrSubject {
  std::string common_name, country, province, city, organization;
};

// Builds and signs a version-0 PKCS#10 CSR and returns its PEM
// ("-----BEGIN CERTIFICATE REQUEST-----", LF line ends).
// Subject: CN, then C, ST, L, O when non-empty, each used exactly as given (no
// trimming or case change: upper-casing C is the caller's job); UTF8String
// except C, which is a PrintableString of exactly two characters. Lengths follow RFC 5280 (CN and
// O ≤ 64, ST and L ≤ 128 characters); a value OpenSSL refuses -> InvalidArgument.
// subjectAltName (non-critical) = the DNS names in the given order (the caller
// dedups; an empty list omits the extension); each must be non-empty ASCII
// without NUL, else InvalidArgument. Signature: SHA-256 for RSA and P-256,
// SHA-384 for P-384, SM2-with-SM3 with distinguishing id "1234567812345678".
// The key must be one of the six (else InvalidArgument).
Result<std::string> BuildCsrPem(const PrivateKey& key, const CsrSubject& subject,
                                const std::vector<std::string>& dns_names);

struct ParsedCsr {
  KeyAlgo algo{};
  std::vector<std::string> common_names;  // every CN in the subject, in order
  std::optional<std::string> country, province, city, organization;  // first C/ST/L/O
  std::vector<std::string> dns_sans;  // DNS SANs in order (IP, e-mail, ... ignored)
  // The request alone, re-encoded as one PEM block (LF line ends): what gets
  // stored, never the text as sent, which may carry other PEM blocks (keys!)
  // or bytes no database stores.
  std::string pem;
  // The CSR's public key (SM2-curve keys as SM2 keys), for PublicKeyMatches.
  std::shared_ptr<EVP_PKEY> public_key;
};

// Parses the first PEM "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST")
// block in pem (other blocks before it are skipped), requires version 0 and no
// trailing DER, checks the key is one of the six (RSA: e = 65537 and a modulus
// of exactly 2048/3072/4096 bits) and verifies the self-signature (SM2 with
// distinguishing id 1234567812345678). Subject and SAN strings are returned as
// UTF-8 and must not contain NUL; DNS SANs must be ASCII (IA5String). Any failure -> InvalidArgument with a short
// reason that never quotes the input. Never crashes on garbage.
Result<ParsedCsr> ParseCsrPem(std::string_view pem);

// True when key's public half is the CSR's public key.
bool PublicKeyMatches(const ParsedCsr& csr, const PrivateKey& key);

}  // namespace csrd::crypto
