#include "core/ascii.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace csrd {
namespace {

TEST(Ascii, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLowered("X-Sdk-Date: 2024Z"), "x-sdk-date: 2024z");
  // Bytes of UTF-8 (here "É") and other non-letters are left alone, whatever the locale.
  EXPECT_EQ(AsciiLowered("\xc3\x89@[`{"), "\xc3\x89@[`{");
  EXPECT_EQ(AsciiUpper('q'), 'Q');
  EXPECT_EQ(AsciiUpper('{'), '{');
}

TEST(Ascii, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // 0x5B vs 0x7B: not a case pair
  EXPECT_TRUE(StartsWithIgnoreCase("HTTPS://host", "https://"));
  EXPECT_FALSE(StartsWithIgnoreCase("http", "https://"));
  EXPECT_TRUE(StartsWithIgnoreCase("anything", ""));
}

TEST(Ascii, Trims) {
  EXPECT_EQ(TrimAscii(" \t a b \t"), "a b");
  EXPECT_EQ(TrimAscii(" \r\n x\n", " \r\n"), "x");
  EXPECT_EQ(TrimAscii(" \t "), "");
  EXPECT_EQ(TrimAscii(""), "");
  EXPECT_EQ(TrimAscii("\rx\r", " \t"), "\rx\r");
  EXPECT_EQ(TrimAsciiFront("  x  ", " "), "x  ");
  EXPECT_EQ(TrimAsciiBack("  x  ", " "), "  x");
  EXPECT_EQ(TrimAsciiBack(TrimAsciiFront("\r x \r\t", " \t"), " \t\r"), "\r x");
}

TEST(Ascii, WalksListItems) {
  std::vector<std::string> seen;
  auto collect = [&](std::string_view item) {
    seen.emplace_back(item);
    return false;
  };
  EXPECT_FALSE(FindListItem(" a ,\tb,, c d ,", collect));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "", "c d", ""}));
  seen.clear();
  EXPECT_FALSE(FindListItem("", collect));
  EXPECT_EQ(seen, (std::vector<std::string>{""}));
  seen.clear();
  EXPECT_FALSE(FindListItem(" x;y ,\tz", collect, ";,", " "));
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "y", "\tz"}));
  seen.clear();
  EXPECT_TRUE(FindListItem("a, stop, b", [&](std::string_view item) {
    seen.emplace_back(item);
    return item == "stop";
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "stop"}));
}

}  // namespace
}  // namespace csrd
