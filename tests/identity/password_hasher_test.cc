#include "identity/password_hasher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "identity_test_util.h"

namespace csrd::identity {
namespace {

using testing::CheapParams;

// "$argon2id$v=19$m=64,t=1,p=1$<salt>$<hash>" -> "<salt>"
std::string SaltField(const std::string& encoded) {
  size_t end = encoded.rfind('$');
  size_t begin = encoded.rfind('$', end - 1);
  return encoded.substr(begin + 1, end - begin - 1);
}

TEST(PasswordHasherTest, RoundTrip) {
  PasswordHasher h(CheapParams());
  auto enc = h.Hash("correct horse battery");
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_TRUE(h.Verify("correct horse battery", *enc));
}

TEST(PasswordHasherTest, WrongPasswordFails) {
  PasswordHasher h(CheapParams());
  auto enc = h.Hash("correct horse battery");
  ASSERT_TRUE(enc.ok());
  EXPECT_FALSE(h.Verify("correct horse batterY", *enc));
  EXPECT_FALSE(h.Verify("correct horse battery ", *enc));
  EXPECT_FALSE(h.Verify("", *enc));
}

TEST(PasswordHasherTest, EncodedIsArgon2idWithFreshSalts) {
  PasswordHasher h(CheapParams());
  auto a = h.Hash("same password");
  auto b = h.Hash("same password");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_NE(SaltField(*a), SaltField(*b));
  // 16 salt bytes are 22 unpadded base64 characters.
  EXPECT_EQ(SaltField(*a).size(), 22u);
  EXPECT_TRUE(h.Verify("same password", *a));
  EXPECT_TRUE(h.Verify("same password", *b));
}

TEST(PasswordHasherTest, DefaultParams) {
  Argon2Params defaults;
  EXPECT_EQ(defaults.t_cost, 2u);
  EXPECT_EQ(defaults.m_cost_kib, 19456u);
  EXPECT_EQ(defaults.parallelism, 1u);
  PasswordHasher h(defaults);
  auto enc = h.Hash("a default-cost password");
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ(enc->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *enc;
  EXPECT_TRUE(h.Verify("a default-cost password", *enc));
  EXPECT_FALSE(h.Verify("a default-cost passworD", *enc));
}

TEST(PasswordHasherTest, VerifyUsesTheParamsInTheEncodedString) {
  // A hash made under old params still verifies after the params change.
  auto old = PasswordHasher(CheapParams()).Hash("kept across upgrades");
  ASSERT_TRUE(old.ok());
  PasswordHasher now(Argon2Params{1, 128, 1});
  EXPECT_TRUE(now.Verify("kept across upgrades", *old));
}

TEST(PasswordHasherTest, MalformedEncodedIsFalse) {
  PasswordHasher h(CheapParams());
  auto enc = h.Hash("password1");
  ASSERT_TRUE(enc.ok());
  std::string argon2i = *enc;
  argon2i.replace(0, 9, "$argon2i");  // "$argon2id" -> "$argon2i"
  std::string with_nul = *enc + std::string("\0x", 2);
  std::string truncated = enc->substr(0, enc->size() - 5);
  for (const std::string& bad : {std::string(), std::string("garbage"), argon2i, with_nul,
                                 truncated, std::string("password1")}) {
    EXPECT_FALSE(h.Verify("password1", bad)) << bad;
  }
}

TEST(PasswordHasherTest, BinaryPasswordsAreHashedWhole) {
  PasswordHasher h(CheapParams());
  const std::string pw("ab\0cd", 5);
  auto enc = h.Hash(pw);
  ASSERT_TRUE(enc.ok());
  EXPECT_TRUE(h.Verify(pw, *enc));
  EXPECT_FALSE(h.Verify("ab", *enc));
}

TEST(PasswordHasherTest, InvalidParams) {
  EXPECT_TRUE(PasswordHasher::ValidateParams(Argon2Params{}).ok());
  EXPECT_TRUE(PasswordHasher::ValidateParams(CheapParams()).ok());
  EXPECT_TRUE(PasswordHasher::ValidateParams(Argon2Params{0, 64, 1}).IsInvalidArgument());
  EXPECT_TRUE(PasswordHasher::ValidateParams(Argon2Params{1, 7, 1}).IsInvalidArgument());
  EXPECT_TRUE(PasswordHasher::ValidateParams(Argon2Params{1, 64, 0}).IsInvalidArgument());
  EXPECT_TRUE(PasswordHasher::ValidateParams(Argon2Params{1, 64, 9}).IsInvalidArgument());
  PasswordHasher bad(Argon2Params{0, 64, 1});
  EXPECT_TRUE(bad.Hash("password1").status().IsInvalidArgument());
  bad.VerifyDummy("password1");  // must not crash
}

int64_t Micros(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
      .count();
}

// The dummy must really pay for a KDF run, or unknown users answer faster.
// Compared as the fastest of many interleaved runs, so a busy machine (which
// only ever adds time, to either side) cannot tip the ratio.
TEST(PasswordHasherTest, VerifyDummyCostsAsMuchAsVerify) {
  PasswordHasher h(Argon2Params{1, 8192, 1});  // a few ms per run
  auto enc = h.Hash("real user password");
  ASSERT_TRUE(enc.ok());
  int64_t real = INT64_MAX, dummy = INT64_MAX;
  for (int i = 0; i < 15; ++i) {
    real = std::min(real, Micros([&] { (void)h.Verify("wrong password", *enc); }));
    dummy = std::min(dummy, Micros([&] { h.VerifyDummy("wrong password"); }));
  }
  EXPECT_GT(dummy, real / 3) << "real " << real << "us, dummy " << dummy << "us";
  EXPECT_LT(dummy, real * 3) << "real " << real << "us, dummy " << dummy << "us";
}

TEST(PasswordHasherTest, ConcurrentUse) {
  PasswordHasher h(CheapParams());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string pw = "password-" + std::to_string(t) + "-" + std::to_string(i);
        auto enc = h.Hash(pw);
        if (enc.ok() && h.Verify(pw, *enc) && !h.Verify(pw + "x", *enc)) ++good;
        h.VerifyDummy(pw);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 80);
}

}  // namespace
}  // namespace csrd::identity
