// Endpoint: where csrctl sends its requests, parsed once from a URL.
//
// Accepted: "http://HOST[:PORT]" or "https://HOST[:PORT]", optionally with a
// single trailing "/". HOST is a DNS name, an IPv4 literal or a bracketed IPv6
// literal. Without a scheme "https://" is assumed (as the official SDKs do).
// A path, query, fragment or user-info is refused rather than silently dropped
// (the SDKs drop it, which hides typos). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace csrd::client {

struct Endpoint {
  bool tls = true;
  std::string host;       // without brackets: "127.0.0.1", "::1", "csrd.example.com"
  uint16_t port = 443;
  std::string authority;  // HOST[:PORT] exactly as written: the Host header (signed)

  // "https://csrd.example.com:8443", for messages.
  std::string ToString() const;
};

// InvalidArgument with a message naming what is wrong (never echoing more
// than the URL itself, which is not secret).
Result<Endpoint> ParseEndpoint(std::string_view url);

// True when host is an IPv4 or IPv6 literal (no SNI is sent for those, and
// certificate checks match an IP SAN instead of a DNS name).
bool IsIpLiteral(std::string_view host);

}  // namespace csrd::client
