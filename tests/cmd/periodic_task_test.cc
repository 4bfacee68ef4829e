#include "cmd/csrd/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace csrd::cmd {
namespace {

using std::chrono::milliseconds;

TEST(PeriodicTask, CallsAtTheIntervalUntilDestroyed) {
  std::atomic<int> calls{0};
  {
    PeriodicTask task(milliseconds(5), [&] { ++calls; });
    for (int i = 0; i < 400 && calls < 3; ++i) std::this_thread::sleep_for(milliseconds(5));
    EXPECT_GE(calls.load(), 3);
  }
  const int at_destruction = calls.load();
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(calls.load(), at_destruction);  // never called after the destructor returned
}

TEST(PeriodicTask, FirstCallOnlyAfterOneIntervalAndDestructionDoesNotWaitForIt) {
  std::atomic<int> calls{0};
  const auto start = std::chrono::steady_clock::now();
  {
    PeriodicTask task(std::chrono::hours(1), [&] { ++calls; });
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(PeriodicTask, DestructorWaitsForACallInProgress) {
  std::atomic<bool> inside{false}, finished{false};
  {
    PeriodicTask task(milliseconds(1), [&] {
      if (finished) return;
      inside = true;
      std::this_thread::sleep_for(milliseconds(50));
      finished = true;
    });
    for (int i = 0; i < 2000 && !inside; ++i) std::this_thread::sleep_for(milliseconds(1));
    ASSERT_TRUE(inside.load());
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace csrd::cmd
