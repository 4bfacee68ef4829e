#include "store/throttle.h"

#include <gtest/gtest.h>

namespace csrd::store {
namespace {

TEST(NextThrottleTest, CountsWithinTheWindowThenLocks) {
  Throttle t;
  t = NextThrottle(t, 1000, 100, 3, 50);
  EXPECT_EQ(t.failures, 1);
  EXPECT_EQ(t.window_start, 1000);
  t = NextThrottle(t, 1050, 100, 3, 50);
  EXPECT_EQ(t.failures, 2);
  t = NextThrottle(t, 1060, 100, 3, 50);
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(t.locked_until, 1110);
}

TEST(NextThrottleTest, LockNeitherCountsNorExtends) {
  Throttle locked{0, 1000, 2000};
  Throttle after = NextThrottle(locked, 1500, 100, 3, 50);
  EXPECT_EQ(after.locked_until, 2000);
  EXPECT_EQ(after.failures, 0);
}

TEST(NextThrottleTest, PassedWindowStartsOver) {
  Throttle t{2, 1000, 0};
  t = NextThrottle(t, 1100, 100, 3, 50);  // exactly window_ms later: a new window
  EXPECT_EQ(t.failures, 1);
  EXPECT_EQ(t.window_start, 1100);
  EXPECT_EQ(t.locked_until, 0);
}

TEST(NextThrottleTest, NonPositiveThresholdNeverLocks) {
  Throttle t;
  for (int i = 0; i < 10; ++i) t = NextThrottle(t, 1000 + i, 100, 0, 50);
  EXPECT_EQ(t.failures, 10);
  EXPECT_EQ(t.locked_until, 0);
}

}  // namespace
}  // namespace csrd::store
