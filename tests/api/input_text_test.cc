#include "api/input_text.h"

#include <gtest/gtest.h>

#include <string>

namespace csrd::api {
namespace {

using namespace std::string_literals;

TEST(InputTextTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xC3\xA9"), 1u);          // é
  EXPECT_EQ(CountCodePoints("\xE5\x8C\x97"), 1u);      // 北
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x98\x80"), 1u);  // 😀
  EXPECT_EQ(CountCodePoints("a\xF0\x9F\x98\x80z"), 3u);
}

TEST(InputTextTest, RefusesMalformedUtf8) {
  const std::string bad[] = {
      "\x80",              // lone continuation
      "\xC3",              // truncated
      "\xC0\xAF",          // overlong '/'
      "\xC1\xBF",          // overlong
      "\xE0\x80\xAF",      // overlong 3-byte
      "\xED\xA0\x80",      // surrogate U+D800
      "\xF0\x80\x80\x80",  // overlong 4-byte
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF5\x80\x80\x80",  // invalid lead
      "\xFF",              // invalid byte
      "\xE5\x8C",          // truncated 3-byte
      "\xE5\x41\x97",      // bad continuation
  };
  for (const std::string& s : bad) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
    EXPECT_FALSE(CountCodePoints(s).has_value());
  }
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\0"s));
}

TEST(InputTextTest, FindsC0AndC1Controls) {
  EXPECT_TRUE(HasControlChar("a\0b"s));
  EXPECT_TRUE(HasControlChar("\x1F"));
  EXPECT_TRUE(HasControlChar("\x7F"));
  EXPECT_TRUE(HasControlChar("\xC2\x80"));   // U+0080
  EXPECT_TRUE(HasControlChar("\xC2\x85"));   // U+0085 NEL
  EXPECT_TRUE(HasControlChar("\xC2\x9F"));   // U+009F
  EXPECT_FALSE(HasControlChar("\xC2\xA0"));  // U+00A0 NBSP is not a control
  EXPECT_FALSE(HasControlChar(" ~"));
  EXPECT_FALSE(HasControlChar("\xE5\x8C\x97\xF0\x9F\x98\x80"));
}

TEST(InputTextTest, CheckTextMessagesNameFieldAndRule) {
  Status s = CheckText("name", "", 1, 63, true);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "name: must be 1..63 characters");
  s = CheckText("company_name", std::string(65, 'x'), 0, 64, true);
  EXPECT_EQ(s.message(), "company_name: must be at most 64 characters");
  s = CheckText("name", "secret\x01value", 1, 63, true);
  EXPECT_EQ(s.message(), "name: must not contain control characters");
  EXPECT_EQ(s.message().find("secret"), std::string::npos);
  s = CheckText("name", "\xFF", 1, 63, true);
  EXPECT_EQ(s.message(), "name: must be valid UTF-8");
  EXPECT_TRUE(CheckText("name", "a\x01", 1, 63, false).ok());
}

}  // namespace
}  // namespace csrd::api
