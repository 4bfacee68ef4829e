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

// 0..15 for a hex digit of either case, -1 otherwise.
int HexDigitValue(char c);

// RFC 3986 percent-encoding: every byte but the unreserved A-Z a-z 0-9 - _ . ~
// becomes %XY (upper-case hex), as the SDK signature's canonical form and
// query strings need.
std::string PercentEncode(std::string_view s);
void AppendPercentEncoded(std::string_view s, std::string* out);

// Decodes %XY escapes once (either case); '+' stays '+'. nullopt for a
// malformed escape ("%G1", a truncated "%" or "%4"). The result may hold any
// bytes (NUL, invalid UTF-8): callers apply their own rules.
std::optional<std::string> PercentDecode(std::string_view s);

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
