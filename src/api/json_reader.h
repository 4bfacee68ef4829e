// Strict JSON decoding for request bodies, and typed field access with the
// contract's semantics (contract.md §4 "JSON" row).
//
// Pure functions, thread-safe, no exceptions escape. Every error is
// Status::InvalidArgument whose message names the field and the rule but
// never echoes a value (values may be secrets or huge).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace csrd::api {

// Deepest nesting of objects/arrays a body may have; `{}` has depth 1.
inline constexpr size_t kMaxJsonDepth = 32;

// Parses a request body that must be exactly one JSON object (RFC 8259, no
// comments or trailing commas), optionally surrounded by JSON whitespace
// (Go clients end bodies with a newline). Refused: an empty body, any other
// top-level value, invalid UTF-8 anywhere, nesting deeper than kMaxJsonDepth
// (refused as soon as it is seen, without recursion), a duplicate key in any
// object (compared after unescaping), trailing non-whitespace.
// The tree lives in WipingJsonStorage(): bodies carry passwords and keys.
Result<boost::json::object> ParseJsonObject(std::string_view body);

// Typed access. Field semantics everywhere: absent or JSON null = absent; a
// present field of another JSON type is an error (no coercion between
// strings and numbers). `where` is the dotted path of `obj` used in messages
// ("auth.identity"); empty for the top level.
//
// Errors: "<path> is required", "<path>: must be a string", ...
Result<std::optional<std::string>> GetOptionalString(const boost::json::object& obj,
                                                     std::string_view key,
                                                     std::string_view where = {});
Result<std::string> GetRequiredString(const boost::json::object& obj, std::string_view key,
                                      std::string_view where = {});
// nullptr when absent. The pointer borrows from obj.
Result<const boost::json::object*> GetOptionalObject(const boost::json::object& obj,
                                                     std::string_view key,
                                                     std::string_view where = {});
Result<const boost::json::object*> GetRequiredObject(const boost::json::object& obj,
                                                     std::string_view key,
                                                     std::string_view where = {});
Result<const boost::json::array*> GetOptionalArray(const boost::json::object& obj,
                                                   std::string_view key,
                                                   std::string_view where = {});
Result<const boost::json::array*> GetRequiredArray(const boost::json::object& obj,
                                                   std::string_view key,
                                                   std::string_view where = {});
// A JSON integer that fits int64 (1.0 or 1e3 is a double, hence refused).
Result<std::optional<int64_t>> GetOptionalInt64(const boost::json::object& obj,
                                                std::string_view key, std::string_view where = {});
Result<std::optional<bool>> GetOptionalBool(const boost::json::object& obj, std::string_view key,
                                            std::string_view where = {});

// "where.key", or "key" when where is empty. For building messages.
std::string FieldPath(std::string_view where, std::string_view key);

}  // namespace csrd::api
