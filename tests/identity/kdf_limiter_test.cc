#include "identity/kdf_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <utility>
#include <vector>

namespace csrd::identity {
namespace {

TEST(KdfLimiterTest, CapsAtN) {
  KdfLimiter limiter(3);
  EXPECT_EQ(limiter.capacity(), 3);
  auto a = limiter.TryAcquire();
  auto b = limiter.TryAcquire();
  auto c = limiter.TryAcquire();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(limiter.in_use(), 3);
  EXPECT_FALSE(limiter.TryAcquire().has_value());
  EXPECT_EQ(limiter.in_use(), 3);  // a refusal takes nothing
  b.reset();
  EXPECT_EQ(limiter.in_use(), 2);
  auto d = limiter.TryAcquire();
  EXPECT_TRUE(d.has_value());
  EXPECT_FALSE(limiter.TryAcquire().has_value());
}

TEST(KdfLimiterTest, PermitReleasesOnScopeExit) {
  KdfLimiter limiter(1);
  {
    auto p = limiter.TryAcquire();
    ASSERT_TRUE(p);
    EXPECT_FALSE(limiter.TryAcquire());
  }
  EXPECT_EQ(limiter.in_use(), 0);
  EXPECT_TRUE(limiter.TryAcquire());
}

TEST(KdfLimiterTest, MovedPermitReleasesOnce) {
  KdfLimiter limiter(2);
  {
    auto p = limiter.TryAcquire();
    ASSERT_TRUE(p);
    KdfLimiter::Permit moved = std::move(*p);
    p.reset();  // the moved-from permit releases nothing
    EXPECT_EQ(limiter.in_use(), 1);
    auto q = limiter.TryAcquire();
    ASSERT_TRUE(q);
    moved = std::move(*q);  // assignment releases the slot moved held before
    EXPECT_EQ(limiter.in_use(), 1);
  }
  EXPECT_EQ(limiter.in_use(), 0);
}

TEST(KdfLimiterTest, NonPositiveCapacityMeansOne) {
  KdfLimiter zero(0);
  KdfLimiter negative(-4);
  EXPECT_EQ(zero.capacity(), 1);
  EXPECT_EQ(negative.capacity(), 1);
  auto p = zero.TryAcquire();
  EXPECT_TRUE(p);
  EXPECT_FALSE(zero.TryAcquire());
}

// N threads can hold permits at once; the N+1st is refused.
TEST(KdfLimiterTest, NThreadsHoldAtOnce) {
  constexpr int kN = 4;
  KdfLimiter limiter(kN);
  std::latch acquired(kN);
  std::latch done(1);
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&] {
      auto p = limiter.TryAcquire();
      if (p) ++got;
      acquired.count_down();
      done.wait();
    });
  }
  acquired.wait();
  EXPECT_EQ(got.load(), kN);
  EXPECT_FALSE(limiter.TryAcquire());
  done.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(limiter.in_use(), 0);
}

// Many threads hammering: never more than N inside at once.
TEST(KdfLimiterTest, NeverMoreThanNAcrossThreads) {
  constexpr int kN = 3;
  KdfLimiter limiter(kN);
  std::atomic<int> inside{0}, max_inside{0}, admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto p = limiter.TryAcquire();
        if (!p) {
          ++refused;
          std::this_thread::yield();
          continue;
        }
        ++admitted;
        int now = ++inside;
        int prev = max_inside.load();
        while (now > prev && !max_inside.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_inside.load(), kN);
  EXPECT_GT(admitted.load(), 0);
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(admitted.load() + refused.load(), 8 * 300);
  EXPECT_EQ(limiter.in_use(), 0);
}

}  // namespace
}  // namespace csrd::identity
