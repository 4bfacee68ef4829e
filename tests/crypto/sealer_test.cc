#include "crypto/sealer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "crypto/hmac.h"

namespace csrd::crypto {
namespace {

std::string KeyBytes() {
  std::string k;
  for (int i = 0; i < 32; ++i) k.push_back(static_cast<char>(i));
  return k;
}

KeySealer MakeSealer(const std::string& key = KeyBytes()) {
  Result<KeySealer> s = KeySealer::Create(Secret(key));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(KeySealerTest, CreateRequiresExactly32Bytes) {
  for (size_t n : {0u, 16u, 31u, 33u, 64u}) {
    Result<KeySealer> s = KeySealer::Create(Secret(std::string(n, 'k')));
    ASSERT_FALSE(s.ok()) << n;
    EXPECT_TRUE(s.status().IsInvalidArgument()) << n;
    EXPECT_EQ(s.status().message().find("kkkk"), std::string::npos);
  }
  EXPECT_TRUE(KeySealer::Create(Secret(std::string(32, 'k'))).ok());
}

TEST(KeySealerTest, RoundTripsManySizes) {
  KeySealer s = MakeSealer();
  std::string aad = SealAad("csr_keys", "row", "acct");
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 1000u, 100000u}) {
    std::string pt = RandomBytes(n);
    Result<std::string> sealed = s.Seal(pt, aad);
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    ASSERT_EQ(sealed->size(), 1 + 12 + n + 16);
    EXPECT_EQ(static_cast<unsigned char>((*sealed)[0]), 0x01);
    Result<Secret> opened = s.Open(*sealed, aad);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(opened->str(), pt);
  }
}

TEST(KeySealerTest, OpensAVectorMadeByAnotherImplementation) {
  // Made with Python's cryptography AESGCM: key 00..1f, nonce 64..6f,
  // associated data 0x01 || SealAad("csr_keys", "row1", "acct1").
  std::string sealed = *HexDecode(
      "016465666768696a6b6c6d6e6f207eb20a16c925fb5f0e3a8cfa12058f2ea6f73fff4abae4f3595b5ee5b2556f"
      "f323");
  KeySealer s = MakeSealer();
  Result<Secret> opened = s.Open(sealed, SealAad("csr_keys", "row1", "acct1"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->str(), "hello sealed world");
}

TEST(KeySealerTest, NoncesAndCiphertextsDifferPerCall) {
  KeySealer s = MakeSealer();
  std::string a = *s.Seal("same", "aad"), b = *s.Seal("same", "aad");
  EXPECT_NE(a.substr(1, 12), b.substr(1, 12));
  EXPECT_NE(a.substr(13), b.substr(13));
}

TEST(KeySealerTest, WrongAadIsCorruption) {
  KeySealer s = MakeSealer();
  std::string sealed = *s.Seal("private key", SealAad("csr_keys", "r1", "a1"));
  for (const std::string& aad : {SealAad("csr_keys", "r2", "a1"), SealAad("csr_keys", "r1", "a2"),
                                 SealAad("sks", "r1", "a1"), std::string()}) {
    Result<Secret> r = s.Open(sealed, aad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  }
}

TEST(KeySealerTest, WrongKeyIsCorruption) {
  std::string other = KeyBytes();
  other[31] ^= 1;
  std::string sealed = *MakeSealer().Seal("private key", "aad");
  Result<Secret> r = MakeSealer(other).Open(sealed, "aad");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
}

TEST(KeySealerTest, EveryTamperedByteIsCorruption) {
  KeySealer s = MakeSealer();
  std::string sealed = *s.Seal("a private key in PEM", "aad");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] ^= 0x01;
    Result<Secret> r = s.Open(t, "aad");
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    EXPECT_EQ(r.status().message().find("private"), std::string::npos);
  }
}

TEST(KeySealerTest, TruncatedOrExtendedIsCorruption) {
  KeySealer s = MakeSealer();
  std::string sealed = *s.Seal("", "aad");
  ASSERT_TRUE(s.Open(sealed, "aad").ok());
  for (size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_EQ(s.Open(sealed.substr(0, n), "aad").status().code(), Status::Code::kCorruption) << n;
  }
  EXPECT_EQ(s.Open(sealed + "x", "aad").status().code(), Status::Code::kCorruption);
}

TEST(KeySealerTest, KeyIdAndCheckValueArePinnedDistinctDerivations) {
  KeySealer s = MakeSealer();
  std::string key = KeyBytes();
  // Pinned: both values are stored in databases, so they must never change.
  EXPECT_EQ(s.KeyId(), HmacSha256Hex(key, "csrd/key-id/v1").substr(0, 16));
  EXPECT_EQ(s.CheckValue(), HmacSha256Hex(key, "csrd/key-check/v1"));
  EXPECT_EQ(s.KeyId().size(), 16u);
  EXPECT_EQ(s.CheckValue().size(), 64u);
  EXPECT_EQ(s.CheckValue().find(s.KeyId()), std::string::npos);
  EXPECT_EQ(s.KeyId(), MakeSealer().KeyId());
  std::string other = KeyBytes();
  other[0] ^= 1;
  KeySealer t = MakeSealer(other);
  EXPECT_NE(s.KeyId(), t.KeyId());
  EXPECT_NE(s.CheckValue(), t.CheckValue());
  std::string key_hex = HexEncode(key);
  EXPECT_EQ(s.CheckValue().find(key_hex.substr(0, 16)), std::string::npos);
}

TEST(KeySealerTest, MovedSealerStillWorks) {
  KeySealer a = MakeSealer();
  std::string sealed = *a.Seal("x", "aad");
  KeySealer b = std::move(a);
  ASSERT_TRUE(b.Open(sealed, "aad").ok());
  EXPECT_EQ(b.Open(sealed, "aad")->str(), "x");
}

TEST(KeySealerTest, ConcurrentSealAndOpen) {
  KeySealer s = MakeSealer();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string pt = "value-" + std::to_string(t) + "-" + std::to_string(i);
        std::string aad = SealAad("t", std::to_string(i), std::to_string(t));
        Result<std::string> sealed = s.Seal(pt, aad);
        if (!sealed.ok()) { ++failures[t]; continue; }
        Result<Secret> opened = s.Open(*sealed, aad);
        if (!opened.ok() || opened->str() != pt) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(SealAadTest, EncodingIsLengthPrefixed) {
  EXPECT_EQ(SealAad("t", "r", "a"),
            std::string("csrd-aad-v1\0\0\0\x01t\0\0\0\x01r\0\0\0\x01" "a", 26));
  EXPECT_NE(SealAad("ab", "c", "d"), SealAad("a", "bc", "d"));
  EXPECT_NE(SealAad("a", "", "b"), SealAad("a", "b", ""));
  EXPECT_NE(SealAad("", "", ""), SealAad("", "", std::string(1, '\0')));
}

}  // namespace
}  // namespace csrd::crypto
