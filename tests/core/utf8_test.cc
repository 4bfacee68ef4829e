#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace csrd {
namespace {

using namespace std::string_literals;

TEST(Utf8, AcceptsEveryWellFormedLengthAtItsBounds) {
  for (const std::string& s : {"\x7f"s, "\xc2\x80"s, "\xdf\xbf"s, "\xe0\xa0\x80"s, "\xed\x9f\xbf"s,
                              "\xee\x80\x80"s, "\xef\xbf\xbf"s, "\xf0\x90\x80\x80"s,
                              "\xf4\x8f\xbf\xbf"s, "\0"s, "a\xe4\xb8\xadz"s}) {
    EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(Utf8, RefusesOverlongSurrogatesTooLargeAndTruncated) {
  for (const std::string& s :
       {"\xc0\x80"s, "\xc1\xbf"s, "\xe0\x9f\xbf"s, "\xf0\x8f\xbf\xbf"s,  // overlong
        "\xed\xa0\x80"s, "\xed\xbf\xbf"s,                                // surrogates
        "\xf4\x90\x80\x80"s, "\xf5\x80\x80\x80"s, "\xff"s,               // past U+10FFFF
        "\x80"s, "\xbf"s,                                                // lone continuation
        "\xc2"s, "\xe4\xb8"s, "\xf0\x90\x80"s, "\xe4\x41\x80"s}) {       // truncated / broken
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
    EXPECT_FALSE(CountCodePoints("ok" + s).has_value());
  }
}

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("\xe4\xb8\xad\xe6\x96\x87 ok \xf0\x9f\x94\x91"), 7u);
}

TEST(Utf8, NextCodePointDecodesAndResynchronises) {
  const std::string s = "A\xc3\xa9\xe4\xb8\xad\x80\xf0\x9f\x94\x91";
  size_t i = 0;
  EXPECT_EQ(NextCodePoint(s, &i), U'A');
  EXPECT_EQ(NextCodePoint(s, &i), U'\u00e9');
  EXPECT_EQ(NextCodePoint(s, &i), U'\u4e2d');
  EXPECT_EQ(i, 6u);
  EXPECT_EQ(NextCodePoint(s, &i), std::nullopt);  // the stray continuation byte
  EXPECT_EQ(i, 7u);
  EXPECT_EQ(NextCodePoint(s, &i), U'\U0001f511');
  EXPECT_EQ(i, s.size());
}

TEST(Utf8, SequenceLengthOfEachLead) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xc3\xa9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("x\xe4\xb8\xad", 1), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xf0\x9f\x94\x91", 0), 4u);
  EXPECT_EQ(Utf8SequenceLength("\xf0\x9f\x94", 0), 0u);
}

}  // namespace
}  // namespace csrd
