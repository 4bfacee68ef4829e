#include "core/clock.h"

#include <gtest/gtest.h>

namespace csrd {
namespace {

TEST(ClockTest, SystemClockIsEpochMillis) {
  SystemClock c;
  int64_t now = c.NowMillis();
  EXPECT_GT(now, 1700000000000);  // after 2023
  EXPECT_LT(now, 4102444800000);  // before 2100
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock c(1000);
  EXPECT_EQ(c.NowMillis(), 1000);
  c.Advance(500);
  EXPECT_EQ(c.NowMillis(), 1500);
  c.Set(42);
  EXPECT_EQ(c.NowMillis(), 42);
}

}  // namespace
}  // namespace csrd
