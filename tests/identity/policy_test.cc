#include "identity/policy.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <string>
#include <vector>

namespace csrd::identity {
namespace {

std::vector<PolicyStatement> Parse(std::string_view text) {
  auto p = ParsePolicy(text);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : std::vector<PolicyStatement>{};
}

TEST(PolicyTest, ParsesAndFormats) {
  auto p = Parse("Allow scm::list*\nDeny scm::getCsrPrivateKey");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (PolicyStatement{true, "scm::list*"}));
  EXPECT_EQ(p[1], (PolicyStatement{false, "scm::getCsrPrivateKey"}));
  EXPECT_EQ(FormatPolicy(p), "Allow scm::list*\nDeny scm::getCsrPrivateKey");
  EXPECT_EQ(Parse(FormatPolicy(p)), p);
}

TEST(PolicyTest, ToleratesCrLfAndOneTrailingNewline) {
  EXPECT_EQ(Parse("Allow a\r\nDeny b\r\n"),
            (std::vector<PolicyStatement>{{true, "a"}, {false, "b"}}));
  EXPECT_EQ(Parse("Allow a\n"), (std::vector<PolicyStatement>{{true, "a"}}));
  EXPECT_TRUE(Parse("").empty());
  EXPECT_EQ(FormatPolicy({}), "");
}

TEST(PolicyTest, RefusesMalformedLines) {
  for (std::string_view bad : {
           "allow scm::getCsr",        // case-sensitive keyword
           "Allow",                    // no pattern
           "Allow ",                   // empty pattern
           "Allow  scm::getCsr",       // two spaces: the pattern starts with one
           "Allow scm:: getCsr",       // a space inside
           "Allow scm::get\tCsr",      // a control character
           "Allow a\n\nDeny b",        // an empty line in the middle
           "Allow a\n\n",              // two trailing newlines
           "Permit a",
           "Allow a\nDeny",
       }) {
    auto p = ParsePolicy(bad);
    EXPECT_TRUE(p.status().IsInvalidArgument()) << "accepted: " << bad;
  }
  auto p = ParsePolicy("Allow a\nDeny b\nAllow sc m");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("line 3"), std::string::npos) << p.status().message();
  EXPECT_EQ(p.status().message().find("sc m"), std::string::npos);  // never echoed
}

TEST(PolicyTest, Limits) {
  EXPECT_TRUE(ParsePolicy("Allow " + std::string(kMaxActionPatternChars, 'a')).ok());
  EXPECT_FALSE(ParsePolicy("Allow " + std::string(kMaxActionPatternChars + 1, 'a')).ok());
  std::string many;
  for (size_t i = 0; i < kMaxPolicyStatements; ++i) many += "Allow a\n";
  EXPECT_TRUE(ParsePolicy(many).ok());
  many += "Allow a";
  EXPECT_TRUE(ParsePolicy(many).status().IsInvalidArgument());
}

TEST(PolicyTest, WildcardMatching) {
  EXPECT_TRUE(ActionPatternMatches("scm::getCsr", "scm::getCsr"));
  EXPECT_FALSE(ActionPatternMatches("scm::getCsr", "scm::getCsrPrivateKey"));
  EXPECT_FALSE(ActionPatternMatches("scm::getCsrPrivateKey", "scm::getCsr"));
  EXPECT_TRUE(ActionPatternMatches("scm::getCsr*", "scm::getCsrPrivateKey"));
  EXPECT_TRUE(ActionPatternMatches("scm::getCsr*", "scm::getCsr"));  // '*' may be empty
  EXPECT_TRUE(ActionPatternMatches("*", "scm::listCsr"));
  EXPECT_TRUE(ActionPatternMatches("*", ""));
  EXPECT_TRUE(ActionPatternMatches("scm::*Csr", "scm::listCsr"));
  EXPECT_FALSE(ActionPatternMatches("scm::*Csr", "scm::getCsrPrivateKey"));
  EXPECT_TRUE(ActionPatternMatches("*::*Private*", "scm::getCsrPrivateKey"));
  EXPECT_TRUE(ActionPatternMatches("s**m::list*", "scm::listCsr"));
  EXPECT_TRUE(ActionPatternMatches("*a*a*", "aa"));
  EXPECT_FALSE(ActionPatternMatches("*a*a*", "ab"));
  EXPECT_FALSE(ActionPatternMatches("scm::listcsr", "scm::listCsr"));  // case-sensitive
  EXPECT_FALSE(ActionPatternMatches("SCM::*", "scm::listCsr"));
  EXPECT_FALSE(ActionPatternMatches("", "scm::listCsr"));
  EXPECT_FALSE(ActionPatternMatches("scm::list", "scm::listCsr"));  // anchored at the end
  EXPECT_FALSE(ActionPatternMatches("::listCsr", "scm::listCsr"));  // and at the start
}

// A backtracking matcher is exponential in the stars; a linear one scales with
// the name. Compared as a ratio (fastest of three runs each), never a time
// bound: 8x the name costs ~8x when linear.
TEST(PolicyTest, PathologicalPatternScalesLinearly) {
  std::string pattern;
  for (int i = 0; i < 100; ++i) pattern += "*a";
  pattern += "b";
  auto best = [&](size_t n) {
    const std::string name(n, 'a');
    double b = 1e9;
    for (int i = 0; i < 3; ++i) {
      auto start = std::chrono::steady_clock::now();
      EXPECT_FALSE(ActionPatternMatches(pattern, name));
      b = std::min(b, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return b;
  };
  const double small = best(500), large = best(4000);
  EXPECT_LT(large, 24 * small + 1e-3) << "500: " << small << " s, 4000: " << large << " s";
}

TEST(PolicyTest, DenyWinsAndNoAllowDenies) {
  EXPECT_FALSE(PolicyAllows({}, "scm::listCsr"));
  const auto list_only = Parse("Allow scm::list*");
  EXPECT_TRUE(PolicyAllows(list_only, "scm::listCsr"));
  EXPECT_FALSE(PolicyAllows(list_only, "scm::createCsr"));
  const auto deny_first = Parse("Deny scm::getCsrPrivateKey\nAllow scm::*");
  const auto deny_last = Parse("Allow scm::*\nDeny scm::getCsrPrivateKey");
  for (const auto& p : {deny_first, deny_last}) {
    EXPECT_TRUE(PolicyAllows(p, "scm::getCsr"));
    EXPECT_FALSE(PolicyAllows(p, "scm::getCsrPrivateKey"));
  }
  EXPECT_FALSE(PolicyAllows(Parse("Deny *"), "scm::listCsr"));
  EXPECT_FALSE(PolicyAllows(Parse("Deny scm::listCsr"), "scm::listCsr"));
}

}  // namespace
}  // namespace csrd::identity
