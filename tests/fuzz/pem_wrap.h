// Turns fuzz bytes into the PEM text the crypto parsers take: input that
// already holds a PEM block is used as it is (the PEM layer gets fuzzed);
// anything else is taken as DER and wrapped in one block with the given label
// (the ASN.1 layer gets fuzzed, which mutating base64 text rarely reaches).
#pragma once

#include <string>
#include <string_view>

#include "core/encoding.h"

namespace csrd::fuzz {

inline std::string PemOrWrappedDer(std::string_view input, std::string_view label) {
  if (input.find("-----BEGIN") != std::string_view::npos) return std::string(input);
  const std::string b64 = Base64Encode(input);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out.append(b64, i, 64).push_back('\n');
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

}  // namespace csrd::fuzz
