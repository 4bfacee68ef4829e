#include "core/log_format.h"

#include <gtest/gtest.h>

#include <string>

namespace csrd {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(LogFormat, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(Json(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(Json(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(Json("/path/with/slash"), "\"/path/with/slash\"");
}

TEST(LogFormat, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Json("北京 é 😀"), "\"北京 é 😀\"");
  EXPECT_EQ(Json("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(Json("a\xc3"), "\"a\\ufffd\"");            // truncated sequence
  EXPECT_EQ(Json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");    // overlong '/'
  EXPECT_EQ(Json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(Json("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(LogFormat, UtcMillis) {
  EXPECT_EQ(FormatUtcMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtcMillis(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatUtcMillis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(LogFormat, JsonLogLine) {
  EXPECT_EQ(JsonLogLine(1'700'000'000'123, "warn", "disk \"full\""),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\",\"msg\":\"disk "
            "\\\"full\\\"\"}\n");
  EXPECT_EQ(JsonLogLine(0, "info", "access", ",\"status\":200"),
            "{\"time\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\",\"msg\":\"access\","
            "\"status\":200}\n");
}

}  // namespace
}  // namespace csrd
