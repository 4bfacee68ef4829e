#include "crypto/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "core/encoding.h"

namespace csrd::crypto {

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  // Non-null pointers even for empty inputs: the MAC provider treats a null
  // key as "no key set".
  static const unsigned char kEmpty[1] = {0};
  const auto* k = key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* d = data.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k, key.size(), d, data.size(), out,
                sizeof(out), &out_len) == nullptr ||
      out_len != 32) {
    // Only an absent default provider gets here; every MAC check in csrd
    // would be unsafe without HMAC, so this is fatal like a CSPRNG failure.
    std::abort();
  }
  std::string mac(reinterpret_cast<const char*>(out), out_len);
  OPENSSL_cleanse(out, sizeof(out));  // MACs of secrets derive keys elsewhere
  return mac;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  return HexEncode(HmacSha256(key, data));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace csrd::crypto
