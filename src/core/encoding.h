// Small encoders shared by every layer: hex, base64, random ids, IAM times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace csrd {

std::string HexEncode(std::string_view bytes);  // lower-case
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
// RFC 4648 §5 (URL-safe) alphabet without padding: needs no escaping in a
// header, a URL or a JSON string. Used for tokens and security tokens.
std::string Base64UrlEncode(std::string_view bytes);

// Standard alphabet, padding required; whitespace is not allowed.
std::optional<std::string> Base64Decode(std::string_view b64);

// n bytes from the OpenSSL CSPRNG. Aborts the process if the CSPRNG fails,
// because every caller (ids, tokens, nonces) would be unsafe without it.
std::string RandomBytes(size_t n);

// 32 lower-case hex characters (128 random bits): CSR, account, user ids.
std::string NewId();

// n characters drawn uniformly from alphabet (rejection sampling, no bias).
std::string RandomString(size_t n, std::string_view alphabet);

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six fraction digits), as IAM emits.
std::string FormatIamTime(int64_t epoch_ms);

// SHA-256 of data as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace csrd
