#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace csrd::api {
namespace {

std::string Written(std::string_view s) {
  std::string out;
  WriteJsonString(s, &out);
  return out;
}

std::string Boost(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

TEST(JsonWriterTest, EscapesLikeTheStandardAsks) {
  EXPECT_EQ(Written(""), "\"\"");
  EXPECT_EQ(Written("plain"), "\"plain\"");
  EXPECT_EQ(Written("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(Written("\b\t\n\f\r"), "\"\\b\\t\\n\\f\\r\"");
  EXPECT_EQ(Written(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(Written("\x7f"), "\"\x7f\"");                 // DEL is not a control char in JSON
  EXPECT_EQ(Written("中文 café 🔑"), "\"中文 café 🔑\"");  // UTF-8 kept as it is
}

TEST(JsonWriterTest, EveryByteAloneAndInTextMatchesBoost) {
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_EQ(Written(one), Boost(one)) << "byte " << b;
    const std::string mid = "ab" + one + "cd" + one;
    EXPECT_EQ(Written(mid), Boost(mid)) << "byte " << b;
  }
}

TEST(JsonWriterTest, RandomStringsMatchBoostAndParseBack) {
  std::mt19937 rng(20261130);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 200, '\0');
    for (char& c : s) {
      // Mostly printable, with control bytes, quotes, backslashes and UTF-8.
      const unsigned pick = rng() % 10;
      if (pick < 6) {
        c = static_cast<char>(0x20 + rng() % 0x5f);
      } else if (pick == 6) {
        c = static_cast<char>(rng() % 0x20);
      } else if (pick == 7) {
        c = (rng() % 2) ? '"' : '\\';
      } else {
        c = static_cast<char>(0x80 + rng() % 0x80);
      }
    }
    ASSERT_EQ(Written(s), Boost(s)) << "case " << i;
  }
  // Valid UTF-8 text round-trips through a real parser.
  const std::string text = std::string("x\"\\\n\x01\x1f\x7f 中文 \xf0\x9f\x94\x91", 19) + "end";
  auto v = boost::json::parse(Written(text));
  EXPECT_EQ(v.as_string(), text);
}

TEST(JsonWriterTest, IntegersAndKeys) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{7}, int64_t{1735804566545},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string out;
    WriteJsonInt(v, &out);
    EXPECT_EQ(out, boost::json::serialize(boost::json::value(v))) << v;
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{900}, std::numeric_limits<uint64_t>::max()}) {
    std::string out;
    WriteJsonUint(v, &out);
    EXPECT_EQ(out, boost::json::serialize(boost::json::value(v))) << v;
  }
  std::string out;
  WriteJsonKey("k\"", &out);
  EXPECT_EQ(out, "\"k\\\"\":");
}

}  // namespace
}  // namespace csrd::api
