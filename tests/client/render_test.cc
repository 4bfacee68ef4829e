#include "client/render.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace csrd::client {
namespace {

TEST(RenderTest, SanitizeTextKeepsUnicodeAndDropsControls) {
  EXPECT_EQ(SanitizeText("六 sm2 é"), "六 sm2 é");
  EXPECT_EQ(SanitizeText("a\x1b]0;owned\x07z"), "a?]0;owned?z");
  EXPECT_EQ(SanitizeText("x\ny\tz\x7f"), "x?y?z?");
  EXPECT_EQ(SanitizeText("c1:\xc2\x9b"), "c1:?");           // U+009B, CSI
  EXPECT_EQ(SanitizeText("bad:\xff\xc3"), "bad:??");        // not UTF-8
  EXPECT_EQ(SanitizeText("over:\xc0\xaf"), "over:??");      // overlong '/'
}

TEST(RenderTest, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("六 sm2"), 6u);
  EXPECT_EQ(DisplayWidth("示例有限公司"), 12u);
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);  // e + combining acute
  EXPECT_EQ(DisplayWidth(""), 0u);
}

TEST(RenderTest, TableAlignsByDisplayWidth) {
  std::string t = RenderTable({"ID", "NAME", "ALGO"},
                              {{"1", "六 sm2", "SM2"}, {"22", "plain", "EC_P256"}, {"3"}});
  EXPECT_EQ(t,
            "ID  NAME    ALGO\n"
            "1   六 sm2  SM2\n"
            "22  plain   EC_P256\n"
            "3\n");
}

TEST(RenderTest, TableSanitizesCells) {
  std::string t = RenderTable({"NAME"}, {{"evil\x1b[2J"}});
  EXPECT_EQ(t, "NAME\nevil?[2J\n");
}

TEST(RenderTest, FieldsAlignValues) {
  EXPECT_EQ(RenderFields({{"id", "abc"}, {"create_time", "x"}, {"sans", ""}}),
            "id           abc\n"
            "create_time  x\n"
            "sans\n");
}

TEST(RenderTest, PrettyJsonIndentsAndKeepsOrder) {
  auto v = boost::json::parse(R"({"b":1,"a":[true,null,"x\ny"],"e":{},"f":[],"u":"六"})");
  EXPECT_EQ(PrettyJson(v),
            "{\n"
            "  \"b\": 1,\n"
            "  \"a\": [\n"
            "    true,\n"
            "    null,\n"
            "    \"x\\ny\"\n"
            "  ],\n"
            "  \"e\": {},\n"
            "  \"f\": [],\n"
            "  \"u\": \"六\"\n"
            "}\n");
  // The output parses back to the same value.
  EXPECT_EQ(boost::json::parse(PrettyJson(v)), v);
}

TEST(RenderTest, FormatTimeMs) {
  EXPECT_EQ(FormatTimeMs(1764489600123), "2025-11-30 08:00:00Z");
  EXPECT_EQ(FormatTimeMs(0), "-");
}

}  // namespace
}  // namespace csrd::client
