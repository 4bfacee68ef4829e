#include "api/input_text.h"

#include <cstdint>
#include <string>

namespace csrd::api {
namespace {

// Decodes one code point at s[i]; returns its byte length, or 0 if the
// sequence is malformed. Table 3-7 of the Unicode standard.
size_t DecodeOne(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  const auto b1 = static_cast<uint8_t>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::optional<size_t> CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t len = DecodeOne(s, i);
    if (len == 0) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

bool IsValidUtf8(std::string_view s) { return CountCodePoints(s).has_value(); }

bool HasControlChar(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x20 || b == 0x7F) return true;
    // U+0080..U+009F is encoded as C2 80..C2 9F; 0xC2 is never a
    // continuation byte, so this cannot misfire inside another sequence.
    if (b == 0xC2 && i + 1 < s.size()) {
      const auto b1 = static_cast<uint8_t>(s[i + 1]);
      if (b1 >= 0x80 && b1 <= 0x9F) return true;
    }
  }
  return false;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

Status CheckText(std::string_view field, std::string_view s, size_t min, size_t max,
                 bool forbid_controls) {
  const std::optional<size_t> n = CountCodePoints(s);
  if (!n) return Status::InvalidArgument(std::string(field) + ": must be valid UTF-8");
  if (*n < min || *n > max) {
    std::string rule = min == 0 ? "at most " + std::to_string(max)
                                : std::to_string(min) + ".." + std::to_string(max);
    return Status::InvalidArgument(std::string(field) + ": must be " + rule + " characters");
  }
  if (forbid_controls && HasControlChar(s)) {
    return Status::InvalidArgument(std::string(field) + ": must not contain control characters");
  }
  return Status::Ok();
}

}  // namespace csrd::api
