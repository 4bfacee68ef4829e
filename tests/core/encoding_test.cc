#include "core/encoding.h"

#include <gtest/gtest.h>

#include <set>

namespace csrd {
namespace {

TEST(EncodingTest, HexRoundTrip) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00FF10").value(), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(EncodingTest, Base64RoundTripAndStrictness) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = Base64Encode(s);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << s;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(Base64Decode("Zm9vYmF").has_value());   // not a multiple of 4
  EXPECT_FALSE(Base64Decode("Zm9v YmFy").has_value());  // whitespace
  EXPECT_FALSE(Base64Decode("Zm9v!mFy").has_value());
}

TEST(EncodingTest, NewIdIs32LowerHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(EncodingTest, RandomStringUsesOnlyTheAlphabetAndAllOfIt) {
  const std::string alphabet = "ABC123";
  std::string s = RandomString(6000, alphabet);
  ASSERT_EQ(s.size(), 6000u);
  std::set<char> used(s.begin(), s.end());
  EXPECT_EQ(used, std::set<char>(alphabet.begin(), alphabet.end()));
}

TEST(EncodingTest, IamTimeAlwaysHasSixFractionDigits) {
  EXPECT_EQ(FormatIamTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatIamTime(1578042529965), "2020-01-03T09:08:49.965000Z");
  EXPECT_EQ(FormatIamTime(1578042529001), "2020-01-03T09:08:49.001000Z");
}

TEST(EncodingTest, Sha256HexKnownAnswer) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace csrd

namespace csrd {
namespace {

TEST(EncodingTest, Base64UrlHasNoPaddingOrUnsafeCharacters) {
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  for (int i = 0; i < 200; ++i) {
    std::string s = Base64UrlEncode(RandomBytes(32));
    EXPECT_EQ(s.size(), 43u);
    EXPECT_EQ(s.find_first_of("+/="), std::string::npos) << s;
  }
}

TEST(PercentEncoding, KeepsOnlyUnreservedAndRoundTrips) {
  EXPECT_EQ(PercentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentEncode("a b+c/d?e=f&g%"), "a%20b%2Bc%2Fd%3Fe%3Df%26g%25");
  EXPECT_EQ(PercentEncode(std::string("\0\xff\xe4\xb8\xad", 5)), "%00%FF%E4%B8%AD");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(PercentDecode(PercentEncode(all)), all);
}

TEST(PercentEncoding, DecodesOnceEitherCaseAndRefusesMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2fb%2F%41+"), "a/b/A+");
  EXPECT_EQ(PercentDecode("%2541"), "%41");  // once, not twice
  for (const char* bad : {"%", "%4", "a%G1", "%%", "x%4"}) {
    EXPECT_EQ(PercentDecode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(HexDigitValue('f'), 15);
  EXPECT_EQ(HexDigitValue('G'), -1);
}

}  // namespace
}  // namespace csrd
