#include "api/json_writer.h"

#include <array>
#include <charconv>

namespace csrd::api {
namespace {

// What follows the backslash for each byte: 0 = copied as it is, 'u' =
// \u00xx, else the short escape. The same table as Boost.JSON's serializer.
constexpr std::array<char, 256> MakeEscapes() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}

constexpr std::array<char, 256> kEscapes = MakeEscapes();
constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void WriteJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* run = p;  // start of the bytes not yet appended
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    const char e = kEscapes[c];
    if (e == 0) continue;
    out->append(run, static_cast<size_t>(p - run));
    if (e == 'u') {
      const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(buf, sizeof buf);
    } else {
      const char buf[2] = {'\\', e};
      out->append(buf, sizeof buf);
    }
    run = p + 1;
  }
  out->append(run, static_cast<size_t>(end - run));
  out->push_back('"');
}

namespace {

template <typename Int>
void AppendDecimal(Int v, std::string* out) {
  char buf[24];  // 20 digits and a sign at most
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

}  // namespace

void WriteJsonInt(int64_t v, std::string* out) { AppendDecimal(v, out); }
void WriteJsonUint(uint64_t v, std::string* out) { AppendDecimal(v, out); }

}  // namespace csrd::api
