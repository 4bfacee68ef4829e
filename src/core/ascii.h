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

// RFC 9110 OWS: what surrounds the items of a header's comma-separated list.
inline constexpr std::string_view kOptionalWhitespace = " \t";

// s without its leading (Front), trailing (Back) or both (TrimAscii) bytes
// that are among chars. A view into s; s itself is not copied.
std::string_view TrimAsciiFront(std::string_view s, std::string_view chars);
std::string_view TrimAsciiBack(std::string_view s, std::string_view chars);
inline std::string_view TrimAscii(std::string_view s,
                                  std::string_view chars = kOptionalWhitespace) {
  return TrimAsciiBack(TrimAsciiFront(s, chars), chars);
}

// Walks a list split at every byte of separators ("a, b,,c" -> "a", "b", "",
// "c"; "" -> one empty item), each item trimmed of the bytes of ws, calling
// pred on each in order until it returns true. Returns whether one did.
template <typename Pred>
bool FindListItem(std::string_view list, Pred&& pred, std::string_view separators = ",",
                  std::string_view ws = kOptionalWhitespace) {
  while (true) {
    const size_t sep = list.find_first_of(separators);
    if (pred(TrimAscii(list.substr(0, sep), ws))) return true;
    if (sep == std::string_view::npos) return false;
    list.remove_prefix(sep + 1);
  }
}

}  // namespace csrd
