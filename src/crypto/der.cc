#include "crypto/der.h"

#include <openssl/evp.h>

#include <algorithm>

namespace csrd::crypto::der {

namespace {

constexpr std::string_view kDashes = "-----";

unsigned char* Extend(std::string& out, size_t n) {
  size_t at = out.size();
  out.resize(at + n);
  return reinterpret_cast<unsigned char*>(out.data() + at);
}

}  // namespace

size_t LengthSize(size_t len) {
  if (len < 0x80) return 1;
  size_t n = 0;
  for (; len > 0; len >>= 8) ++n;
  return 1 + n;
}

void PutHeader(std::string& out, unsigned char tag, size_t content) {
  out.push_back(static_cast<char>(tag));
  if (content < 0x80) {
    out.push_back(static_cast<char>(content));
    return;
  }
  size_t n = LengthSize(content) - 1;
  out.push_back(static_cast<char>(0x80 | n));
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<char>((content >> (8 * (i - 1))) & 0xff));
}

size_t IntegerContentSize(const BIGNUM* bn) {
  // A set top bit would read as negative: DER then prepends a zero byte.
  int bits = BN_num_bits(bn);
  return bits == 0 ? 1 : static_cast<size_t>(bits / 8 + 1);
}

bool PutInteger(std::string& out, const BIGNUM* bn) {
  if (BN_is_negative(bn)) return false;
  size_t n = IntegerContentSize(bn);
  PutHeader(out, kInteger, n);
  return BN_bn2binpad(bn, Extend(out, n), static_cast<int>(n)) == static_cast<int>(n);
}

bool PutFixedWidth(std::string& out, const BIGNUM* bn, size_t width) {
  if (BN_is_negative(bn) || static_cast<size_t>(BN_num_bytes(bn)) > width) return false;
  return BN_bn2binpad(bn, Extend(out, width), static_cast<int>(width)) == static_cast<int>(width);
}

size_t PemSize(std::string_view label, size_t der_len) {
  size_t full = der_len / 48, rest = der_len % 48;
  size_t body = full * 65 + (rest > 0 ? (rest + 2) / 3 * 4 + 1 : 0);
  size_t frame = 2 * (kDashes.size() * 2 + label.size() + 1) + 6 + 4;  // "BEGIN " / "END "
  return body + frame;
}

void PutPem(std::string& out, std::string_view label, std::string_view der) {
  auto line = [&](std::string_view word) {
    out.append(kDashes).append(word).append(label).append(kDashes).push_back('\n');
  };
  line("BEGIN ");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  for (size_t off = 0; off < der.size(); off += 48) {
    size_t chunk = std::min<size_t>(48, der.size() - off);
    size_t enc = (chunk + 2) / 3 * 4;
    EVP_EncodeBlock(Extend(out, enc), p + off, static_cast<int>(chunk));
    out.push_back('\n');
  }
  line("END ");
}

}  // namespace csrd::crypto::der
