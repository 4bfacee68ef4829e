#include "identity/policy.h"

#include <utility>

namespace csrd::identity {
namespace {

constexpr std::string_view kAllow = "Allow ";
constexpr std::string_view kDeny = "Deny ";

bool IsPatternChar(char c) { return c > ' ' && c < 0x7f; }

}  // namespace

Result<std::vector<PolicyStatement>> ParsePolicy(std::string_view text) {
  std::vector<PolicyStatement> out;
  if (text.empty()) return out;
  if (text.back() == '\n') text.remove_suffix(1);
  if (text.empty()) return out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    ++line_no;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = "policy line " + std::to_string(line_no);
    if (line_no > kMaxPolicyStatements) {
      return Status::InvalidArgument("policy has more than " +
                                     std::to_string(kMaxPolicyStatements) + " statements");
    }
    PolicyStatement st;
    if (line.starts_with(kAllow)) {
      st.allow = true;
      line.remove_prefix(kAllow.size());
    } else if (line.starts_with(kDeny)) {
      st.allow = false;
      line.remove_prefix(kDeny.size());
    } else {
      return Status::InvalidArgument(where + ": must start with \"Allow \" or \"Deny \"");
    }
    if (line.empty() || line.size() > kMaxActionPatternChars) {
      return Status::InvalidArgument(where + ": the action pattern must have 1.." +
                                     std::to_string(kMaxActionPatternChars) + " characters");
    }
    for (char c : line) {
      if (!IsPatternChar(c)) {
        return Status::InvalidArgument(where + ": the action pattern has a forbidden character");
      }
    }
    st.action_pattern = std::string(line);
    out.push_back(std::move(st));
  }
  return out;
}

std::string FormatPolicy(const std::vector<PolicyStatement>& statements) {
  std::string out;
  for (const PolicyStatement& st : statements) {
    if (!out.empty()) out.push_back('\n');
    out += st.allow ? kAllow : kDeny;
    out += st.action_pattern;
  }
  return out;
}

// Greedy glob with one backtrack point (the last '*'): linear in practice and
// never exponential, whatever the pattern.
bool ActionPatternMatches(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool PolicyAllows(const std::vector<PolicyStatement>& statements, std::string_view action_name) {
  bool allowed = false;
  for (const PolicyStatement& st : statements) {
    if (!ActionPatternMatches(st.action_pattern, action_name)) continue;
    if (!st.allow) return false;
    allowed = true;
  }
  return allowed;
}

}  // namespace csrd::identity
