// Policy: what a temporary key may do beyond its user's roles (contract §2.4).
//
// The stored form (store::Credential::policy) is one statement per line,
// "Allow <pattern>" or "Deny <pattern>", where a pattern is an action name
// such as "scm::getCsr" with '*' wildcards. The api layer turns the request's
// JSON policy into this form; the verifier parses it back on every request.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace csrd::identity {

inline constexpr size_t kMaxPolicyStatements = 1024;
inline constexpr size_t kMaxActionPatternChars = 256;

struct PolicyStatement {
  bool allow = false;          // false: Deny
  std::string action_pattern;  // '*' matches any run of characters, even an empty one

  bool operator==(const PolicyStatement&) const = default;
};

// Lines are separated by '\n' (a trailing '\r' is dropped, and so is one
// final empty line). Each line is exactly "Allow " or "Deny " (case-sensitive)
// followed by a pattern of 1..kMaxActionPatternChars printable ASCII
// characters without spaces. "" is the empty list. Anything else, an empty
// line in the middle or more than kMaxPolicyStatements lines is
// InvalidArgument naming the line number, never echoing it.
Result<std::vector<PolicyStatement>> ParsePolicy(std::string_view text);

// The inverse of ParsePolicy: "Allow p\nDeny q" (no trailing newline).
std::string FormatPolicy(const std::vector<PolicyStatement>& statements);

// True if pattern matches the whole of name; '*' matches any run of
// characters, every other character itself (case-sensitive).
bool ActionPatternMatches(std::string_view pattern, std::string_view name);

// Deny wins: false if any Deny statement matches action_name; else true if an
// Allow statement matches; else false (an empty policy allows nothing).
bool PolicyAllows(const std::vector<PolicyStatement>& statements, std::string_view action_name);

}  // namespace csrd::identity
