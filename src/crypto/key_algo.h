// The six key algorithms of the SCM API, by their contract names.
#pragma once

#include <optional>
#include <string_view>

namespace csrd::crypto {

enum class KeyAlgo { kRsa2048, kRsa3072, kRsa4096, kEcP256, kEcP384, kSm2 };

inline constexpr KeyAlgo kAllKeyAlgos[] = {KeyAlgo::kRsa2048, KeyAlgo::kRsa3072,
                                           KeyAlgo::kRsa4096, KeyAlgo::kEcP256,
                                           KeyAlgo::kEcP384,  KeyAlgo::kSm2};

// "RSA_2048", "RSA_3072", "RSA_4096", "EC_P256", "EC_P384", "SM2".
constexpr std::string_view KeyAlgoName(KeyAlgo a) {
  switch (a) {
    case KeyAlgo::kRsa2048: return "RSA_2048";
    case KeyAlgo::kRsa3072: return "RSA_3072";
    case KeyAlgo::kRsa4096: return "RSA_4096";
    case KeyAlgo::kEcP256: return "EC_P256";
    case KeyAlgo::kEcP384: return "EC_P384";
    case KeyAlgo::kSm2: return "SM2";
  }
  return "";
}

// Case-sensitive, exactly the contract names; nullopt otherwise.
constexpr std::optional<KeyAlgo> ParseKeyAlgo(std::string_view s) {
  for (KeyAlgo a : kAllKeyAlgos) {
    if (KeyAlgoName(a) == s) return a;
  }
  return std::nullopt;
}

}  // namespace csrd::crypto
