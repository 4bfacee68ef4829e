// AuthInput: the credentials of one request, as the Authenticator and the
// AK/SK verifier see them. Everything is borrowed from the request for the
// duration of one call.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

namespace csrd::identity {

struct AuthInput {
  std::optional<std::string_view> authorization;  // Authorization header, if present
  std::optional<std::string_view> auth_token;     // X-Auth-Token header, if present
  std::string_view remote_addr;  // the client address; part of the AK lockout key
  std::string_view request_id;   // recorded with an AK lockout's audit event
  // For SDK-HMAC-SHA256: the canonical request is built from these and the
  // signed headers.
  std::string_view method;
  std::string_view path;   // raw, still percent-encoded
  std::string_view query;  // raw, after '?'
  std::string_view body;   // exactly as received
  // Case-insensitive header lookup (first value), e.g. wrapping
  // http::Headers::Get; called with lower-case names. Empty = no headers.
  std::function<std::optional<std::string_view>(std::string_view name)> header;
  // The route accepts a given signature once only (contract §2.2: private-key,
  // credential and security-token routes).
  bool one_time = false;
};

}  // namespace csrd::identity
