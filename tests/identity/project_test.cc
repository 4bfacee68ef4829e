#include "identity/project.h"

#include <gtest/gtest.h>

namespace csrd::identity {
namespace {

constexpr char kAccount[] = "d78cbac186b744899480f25bd022f468";

TEST(ProjectTest, KnownVector) {
  // python3: hashlib.sha256(b"<account>/cn-north-4").hexdigest()[:32]
  EXPECT_EQ(ProjectIdFor(kAccount, "cn-north-4"), "e828d07e460fadb4839e3ec3f5a9019a");
}

TEST(ProjectTest, StableAndDistinct) {
  const std::string a = ProjectIdFor(kAccount, "cn-north-4");
  EXPECT_EQ(ProjectIdFor(kAccount, "cn-north-4"), a);
  EXPECT_TRUE(IsProjectId(a));
  EXPECT_NE(ProjectIdFor(kAccount, "cn-north-1"), a);
  EXPECT_NE(ProjectIdFor("e78cbac186b744899480f25bd022f468", "cn-north-4"), a);
  // The separator keeps (account, name) pairs apart.
  EXPECT_NE(ProjectIdFor("ab", "c"), ProjectIdFor("a", "bc"));
}

TEST(ProjectTest, IsProjectId) {
  EXPECT_TRUE(IsProjectId("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsProjectId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsProjectId("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(IsProjectId("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(IsProjectId("0123456789abcdef0123456789abcdeg"));
  EXPECT_FALSE(IsProjectId(""));
}

}  // namespace
}  // namespace csrd::identity
