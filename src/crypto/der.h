// A minimal DER and PEM writer for the few fixed structures crypto/ encodes
// by hand (PKCS#8 private keys, RSA SubjectPublicKeyInfo), because OpenSSL
// 3.0's encoder framework costs far more than the encoding itself (a provider
// lookup under global locks per call). Internal to crypto/.
//
// Sizes are computed first, so a caller can reserve the exact capacity and
// write without the buffer ever reallocating: no stray copy of private key
// bytes is left behind in freed memory. Functions write at the end of `out`.
#pragma once

#include <openssl/bn.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace csrd::crypto::der {

inline constexpr unsigned char kInteger = 0x02, kBitString = 0x03, kOctetString = 0x04,
                               kNull = 0x05, kSequence = 0x30;

// Bytes of a definite length field for `len` (short or long form).
size_t LengthSize(size_t len);

// Bytes of a whole TLV whose value has `content` bytes.
inline size_t TlvSize(size_t content) { return 1 + LengthSize(content) + content; }

// Tag and length of a TLV whose value (`content` bytes) the caller writes next.
void PutHeader(std::string& out, unsigned char tag, size_t content);

// Value bytes of the INTEGER encoding of a non-negative bn (0 is one byte).
size_t IntegerContentSize(const BIGNUM* bn);

// The whole INTEGER TLV of a non-negative bn; returns false (and writes
// nothing) if bn is negative.
bool PutInteger(std::string& out, const BIGNUM* bn);

// bn as exactly `width` big-endian bytes (an OCTET STRING's value, e.g. an EC
// private scalar); false, writing nothing, if it does not fit.
bool PutFixedWidth(std::string& out, const BIGNUM* bn, size_t width);

// Bytes of the PEM text for `der_len` bytes under `label`.
size_t PemSize(std::string_view label, size_t der_len);

// "-----BEGIN <label>-----\n", base64 in 64-character lines (LF), then
// "-----END <label>-----\n": byte for byte what PEM_write_bio writes.
void PutPem(std::string& out, std::string_view label, std::string_view der);

}  // namespace csrd::crypto::der
