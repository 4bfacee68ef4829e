// UTF-8 as csrd accepts it everywhere (API input, log lines, terminal output,
// PostgreSQL text parameters): strict RFC 3629, Unicode Table 3-7 — no
// overlong forms, no UTF-16 surrogates (U+D800..DFFF), nothing past U+10FFFF.
// One decoder, so no two layers can disagree on what is valid.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace csrd {

// Byte length (1..4) of the well-formed sequence starting at s[i], or 0 if it
// is malformed or truncated. i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// The code point starting at s[*i], advancing *i past it; nullopt for a
// malformed sequence, advancing *i by one byte (so callers can resynchronise).
std::optional<char32_t> NextCodePoint(std::string_view s, size_t* i);

// Number of code points in s, or nullopt if s is not valid UTF-8.
std::optional<size_t> CountCodePoints(std::string_view s);

bool IsValidUtf8(std::string_view s);

}  // namespace csrd
