// Shared helpers of the libFuzzer targets: an invariant check that aborts (so
// libFuzzer records the input as a crash) and the checks every decoder's
// refusal must pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/status.h"

// Not assert(): the fuzz build may define NDEBUG.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace csrd::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A decoder's refusal: InvalidArgument (a 400, never a 500), with a short
// printable ASCII message. Messages are built from fixed text and field
// names, so a non-ASCII or control byte there means input leaked into it.
inline void CheckRefusal(const Status& st) {
  if (!st.IsInvalidArgument()) {
    std::fprintf(stderr, "refusal is not InvalidArgument: %s\n", st.ToString().c_str());
    std::abort();
  }
  const std::string& m = st.message();
  FUZZ_CHECK(!m.empty() && m.size() < 300);
  for (char c : m) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
}

// Splits s on the first occurrence of sep: returns the part before it and
// leaves the rest (after sep) in s; with no sep, returns all of s.
inline std::string_view TakeUntil(std::string_view& s, char sep) {
  const size_t p = s.find(sep);
  std::string_view head = s.substr(0, p);
  s = p == std::string_view::npos ? std::string_view() : s.substr(p + 1);
  return head;
}

}  // namespace csrd::fuzz
