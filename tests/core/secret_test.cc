#include "core/secret.h"

#include <gtest/gtest.h>

namespace csrd {
namespace {

TEST(SecretTest, WipeClearsWholeCapacity) {
  std::string s(100, 'k');
  const char* data = s.data();
  size_t cap = s.capacity();
  SecureWipe(s);
  EXPECT_TRUE(s.empty());
  // The buffer is still owned by s (clear() keeps capacity), so reading it is defined.
  for (size_t i = 0; i < cap; ++i) EXPECT_EQ(data[i], '\0') << i;
}

TEST(SecretTest, MoveLeavesSourceEmpty) {
  Secret a(std::string("password123"));
  Secret b(std::move(a));
  EXPECT_EQ(b.view(), "password123");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the wipe
  Secret c;
  c = std::move(b);
  EXPECT_EQ(c.view(), "password123");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace csrd
