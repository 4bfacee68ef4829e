#include "core/ascii.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace csrd
