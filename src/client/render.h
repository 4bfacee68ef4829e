// Rendering for terminals and scripts: aligned tables, key/value blocks,
// indented JSON, times. Pure functions, thread-safe.
//
// Every string that came from the server goes through SanitizeText before it
// reaches a table, so a hostile name cannot move the cursor or retitle the
// terminal (csrd refuses control characters in names, but the client does not
// rely on that).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace csrd::client {

// C0 and C1 control characters, DEL and bytes that are not valid UTF-8 become
// '?'; everything else (any printable Unicode) is kept.
std::string SanitizeText(std::string_view s);

// Columns a UTF-8 string takes on a terminal: 2 for East Asian wide and
// full-width characters, 0 for combining marks, 1 otherwise.
size_t DisplayWidth(std::string_view utf8);

// Columns separated by two spaces, the header row first, every cell sanitized
// and padded to its column's display width; no trailing spaces; each row ends
// with '\n'. Rows shorter than the header get empty cells.
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// "key   value" lines with the values aligned, values sanitized.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// JSON with two-space indentation and a final '\n' (strings escaped as
// boost::json::serialize does; object member order kept).
std::string PrettyJson(const boost::json::value& v);

// epoch milliseconds as "YYYY-MM-DD HH:MM:SSZ" (UTC), or "-" for 0.
std::string FormatTimeMs(int64_t epoch_ms);

}  // namespace csrd::client
