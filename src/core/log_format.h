// Log line formatting shared by the program's loggers: JSON string escaping
// and the JSON-lines record shape. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace csrd {

// Appends s as a JSON string literal, quotes included: '"' and '\' escaped,
// control characters (and DEL) as \u00XX, and bytes that are not valid UTF-8
// as U+FFFD, so the line is always valid JSON whatever s holds.
void AppendJsonString(std::string_view s, std::string* out);

// "2026-01-31T12:34:56.789Z" (RFC 3339, UTC, milliseconds).
std::string FormatUtcMillis(int64_t epoch_ms);

// One JSON-lines record, newline included:
//   {"time":"<FormatUtcMillis>","level":"<level>","msg":"<msg>"<extra>}\n
// extra is either empty or a run of `,"key":value` members already encoded
// as JSON by the caller (keys must not repeat time, level or msg).
std::string JsonLogLine(int64_t epoch_ms, std::string_view level, std::string_view msg,
                        std::string_view extra = {});

}  // namespace csrd
