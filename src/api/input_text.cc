#include "api/input_text.h"

#include <cstdint>
#include <string>

namespace csrd::api {

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
