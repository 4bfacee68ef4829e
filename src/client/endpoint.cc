#include "client/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "core/ascii.h"

namespace csrd::client {
namespace {

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

bool IsIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string Endpoint::ToString() const {
  return std::string(tls ? "https://" : "http://") + authority;
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint ep;
  std::string_view rest = url;
  if (StartsWithIgnoreCase(rest, "https://")) {
    rest.remove_prefix(8);
  } else if (StartsWithIgnoreCase(rest, "http://")) {
    ep.tls = false;
    ep.port = 80;
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("endpoint scheme must be http or https");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return Status::InvalidArgument(
        "endpoint must be scheme://host[:port] without a path (csrd serves /v3/... at the root)");
  }
  if (rest.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("endpoint must not contain user info");
  }
  if (rest.empty()) return Status::InvalidArgument("endpoint has no host");
  ep.authority = std::string(rest);

  std::string_view port_text;
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("endpoint: unclosed '['");
    ep.host = std::string(rest.substr(1, close - 1));
    unsigned char buf[16];
    if (inet_pton(AF_INET6, ep.host.c_str(), buf) != 1) {
      return Status::InvalidArgument("endpoint: bad IPv6 address in brackets");
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::InvalidArgument("endpoint: junk after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return Status::InvalidArgument("endpoint: empty port");
    }
  } else {
    size_t colon = rest.find(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return Status::InvalidArgument("endpoint: empty port");
    }
    if (ep.host.empty() || !std::all_of(ep.host.begin(), ep.host.end(), IsHostChar)) {
      return Status::InvalidArgument("endpoint: bad host name");
    }
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      return Status::InvalidArgument("endpoint: port must be 1..65535");
    }
    unsigned long port = std::stoul(std::string(port_text));
    if (port == 0 || port > 65535) return Status::InvalidArgument("endpoint: port must be 1..65535");
    ep.port = static_cast<uint16_t>(port);
  }
  return ep;
}

}  // namespace csrd::client
