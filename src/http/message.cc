#include "http/message.h"

namespace csrd::http {

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

size_t Headers::Count(std::string_view name) const {
  size_t c = 0;
  for (const auto& [n, v] : fields_) {
    if (EqualsIgnoreCase(n, name)) ++c;
  }
  return c;
}

}  // namespace csrd::http
