// Text rules shared by the API's input decoders: UTF-8 validity, Unicode
// code-point counting and control-character detection.
//
// Pure functions, thread-safe. "Characters" in the contract are Unicode code
// points, so every length rule in csrd::api goes through CountCodePoints.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "core/utf8.h"

namespace csrd::api {

// UTF-8 validity and code-point counting are core's (core/utf8.h:
// csrd::IsValidUtf8, csrd::CountCodePoints), shared with the log, terminal and
// PostgreSQL layers.

// True if s contains a C0 control (U+0000..U+001F), DEL (U+007F) or a C1
// control (U+0080..U+009F). s must be valid UTF-8.
bool HasControlChar(std::string_view s);

// True if every byte of s is below 0x80.
bool IsAscii(std::string_view s);

// Checks that s is valid UTF-8 of min..max code points and, when
// forbid_controls, free of C0/C1 controls. The error names `field` and the
// rule (e.g. "name: must be 1..63 characters"), never the value.
Status CheckText(std::string_view field, std::string_view s, size_t min, size_t max,
                 bool forbid_controls);

}  // namespace csrd::api
