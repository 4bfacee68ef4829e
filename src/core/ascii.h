// ASCII-only case folding for protocol tokens (HTTP header names, SDK
// signature fields, config words, URL schemes). Deliberately not
// std::tolower: that depends on the C locale and is undefined for negative
// chars; protocol case-insensitivity is ASCII-only by definition (RFC 9110 §5.1).
#pragma once

#include <string>
#include <string_view>

namespace csrd {

constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char AsciiUpper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string AsciiLowered(std::string_view s);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

}  // namespace csrd
