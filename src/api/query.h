// Raw query-string and path-segment decoding, and the ListCsr query rules
// (contract.md §4 "list" rows).
//
// Pure functions, thread-safe. Errors are Status::InvalidArgument naming the
// parameter and the rule, never the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace csrd::api {

// Percent-decodes once: "%XY" (hex, either case) becomes one byte; '+' stays
// a literal '+'. A malformed escape ("%G1", a truncated "%" or "%4") is the
// error "malformed percent-escape" (no field named: callers add context).
// The result may hold any bytes (including NUL or invalid UTF-8); callers
// apply their own rules. Also used for the path {id} segment.
Result<std::string> PercentDecode(std::string_view s);

// Splits a raw query (without the '?') on '&', each piece on its first '=';
// decodes names and values. Empty pieces are skipped; a piece without '='
// has an empty value. Order and repetitions are kept.
Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view raw);

// The value of a non-empty run of ASCII digits if it is at most max (max <=
// INT64_MAX / 10); nullopt for anything else (sign, space, exponent, empty,
// overflow). The "decimal digits only" rule of every numeric query parameter.
std::optional<int64_t> ParseDecimal(std::string_view s, int64_t max);

inline constexpr int kListLimitDefault = 10;
inline constexpr int kListLimitMin = 10;
inline constexpr int kListLimitMax = 50;
inline constexpr int64_t kListOffsetMax = 2147483647;
inline constexpr size_t kListNameMaxChars = 32;

struct ListCsrInput {
  int limit = kListLimitDefault;
  int64_t offset = 0;
  std::string name;              // "" = no filter; else a literal substring
  std::string private_key_algo;  // "" = no filter; else one of the six names
};

// ListCsr query: limit = decimal digits only, 10..50 (default 10); offset =
// decimal digits only, 0..2147483647 (default 0); name = 0..32 code points of
// valid UTF-8; private_key_algo = one of the six (case-sensitive). A
// parameter with an empty value is treated as absent; unknown parameters are
// ignored; a known parameter given twice (even with an empty value) is an
// error; a malformed percent-escape anywhere in the query is an error.
Result<ListCsrInput> ParseListCsrQuery(std::string_view raw_query);

}  // namespace csrd::api
