#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"

namespace csrd::crypto {
namespace {

TEST(HmacTest, Rfc4231Case1) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacTest, Rfc4231Case2Jefe) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacTest, Rfc4231Case6KeyLongerThanBlock) {
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacTest, EmptyKeyAndData) {
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacTest, RawIs32BytesAndMatchesHex) {
  std::string raw = HmacSha256("Jefe", "what do ya want for nothing?");
  ASSERT_EQ(raw.size(), 32u);
  EXPECT_EQ(HexEncode(raw), HmacSha256Hex("Jefe", "what do ya want for nothing?"));
}

TEST(HmacTest, BinaryInputWithNulBytes) {
  std::string key("k\0y", 3), data("d\0\0a", 4);
  EXPECT_NE(HmacSha256Hex(key, data), HmacSha256Hex("k", "d"));
  EXPECT_EQ(HmacSha256Hex(key, data), HmacSha256Hex(key, data));
}

TEST(ConstantTimeEqualsTest, Compares) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace csrd::crypto
