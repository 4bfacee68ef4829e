#include "http/message.h"

#include <gtest/gtest.h>

namespace csrd::http {
namespace {

TEST(MessageTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-TYPE"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(EqualsIgnoreCase("x-a", "x_a"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) stay different.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
}

TEST(MessageTest, HeadersKeepOrderAndDuplicates) {
  Headers h;
  h.Add("X-B", "1");
  h.Add("x-a", "2");
  h.Add("x-b", "3");
  ASSERT_EQ(h.fields().size(), 3u);
  EXPECT_EQ(h.fields()[0], (std::pair<std::string, std::string>("X-B", "1")));
  EXPECT_EQ(h.fields()[2], (std::pair<std::string, std::string>("x-b", "3")));
  EXPECT_EQ(h.Count("X-b"), 2u);
  EXPECT_EQ(h.Count("X-A"), 1u);
  EXPECT_EQ(h.Count("nope"), 0u);
}

TEST(MessageTest, GetReturnsTheFirstMatch) {
  Headers h;
  EXPECT_FALSE(h.Get("X-Auth-Token"));
  h.Add("x-auth-token", "first");
  h.Add("X-Auth-Token", "second");
  ASSERT_TRUE(h.Get("X-AUTH-TOKEN"));
  EXPECT_EQ(*h.Get("X-AUTH-TOKEN"), "first");
  h.Add("Empty", "");
  ASSERT_TRUE(h.Get("empty"));
  EXPECT_EQ(*h.Get("empty"), "");
}

TEST(MessageTest, ResponseSetHeaderAppends) {
  Response r;
  EXPECT_EQ(r.status, 200);
  r.SetHeader("A", "1");
  r.SetHeader("A", "2");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[1].second, "2");
}

}  // namespace
}  // namespace csrd::http
