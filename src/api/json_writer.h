// Appending compact JSON to one std::string, for hot responses that would
// otherwise build a boost::json tree only to serialize it at once.
//
// The bytes are those boost::json::serialize writes for the same value (the
// tests hold the two side by side): strings escape '"', '\' and every control
// character below 0x20 (\b \t \n \f \r, else \u00xx in lower-case hex); every
// other byte, DEL and non-ASCII UTF-8 included, is copied as it is. Like
// Boost, no UTF-8 validation: the text fields csrd stores come from requests
// the JSON parser has already validated, or from parsed CSRs.
//
// Not core/log_format.h's AppendJsonString, which also replaces invalid
// UTF-8 and escapes DEL for log lines: responses keep Boost's bytes.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace csrd::api {

// Appends s as a JSON string literal, quotes included.
void WriteJsonString(std::string_view s, std::string* out);

// Appends v in decimal.
void WriteJsonInt(int64_t v, std::string* out);
void WriteJsonUint(uint64_t v, std::string* out);

// Appends `"key":` (key is written escaped, like any string).
inline void WriteJsonKey(std::string_view key, std::string* out) {
  WriteJsonString(key, out);
  out->push_back(':');
}

}  // namespace csrd::api
