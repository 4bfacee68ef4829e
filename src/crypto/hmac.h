// HMAC-SHA256 and constant-time comparison. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace csrd::crypto {

// HMAC-SHA256(key, data) as 64 lower-case hex characters. Any key length.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The raw 32-byte HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths (CRYPTO_memcmp); false
// when the lengths differ. Use for MACs, signatures and token digests.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace csrd::crypto
