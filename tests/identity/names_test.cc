#include "identity/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace csrd::identity {
namespace {

TEST(NamesTest, UserNames) {
  for (const std::string& ok : std::vector<std::string>{"a", "alice", "Alice.Smith", "a b", "_x", "-x", ".x", "x9",
                               std::string(64, 'u'), std::string("a-b_c.d e")}) {
    EXPECT_TRUE(ValidateUserName(ok).ok()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{std::string(), std::string(65, 'u'), std::string("1abc"),
                                std::string("9"), std::string("a/b"), std::string("a@b"),
                                std::string("caf\xc3\xa9"), std::string("a\tb"),
                                std::string("a\0b", 3)}) {
    Status s = ValidateUserName(bad);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
  }
}

TEST(NamesTest, AccountNames) {
  for (const std::string& ok : std::vector<std::string>{"default", "acme", "Acme-Corp.eu", "_x", "a1", std::string(64, 'a')}) {
    EXPECT_TRUE(ValidateAccountName(ok).ok()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{std::string(), std::string(65, 'a'), std::string("1acme"),
                                std::string("-acme"), std::string(".acme"), std::string("ac me"),
                                std::string("acme/x")}) {
    EXPECT_TRUE(ValidateAccountName(bad).IsInvalidArgument()) << bad;
  }
}

TEST(NamesTest, ProjectNames) {
  for (const std::string& ok : std::vector<std::string>{"cn-north-4", "cn-north-4_sub", "x", std::string(64, 'p')}) {
    EXPECT_TRUE(ValidateProjectName(ok).ok()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{std::string(), std::string(65, 'p'), std::string("a b"),
                                std::string("a/b")}) {
    EXPECT_TRUE(ValidateProjectName(bad).IsInvalidArgument()) << bad;
  }
}

TEST(NamesTest, PasswordsAreEightTo128Bytes) {
  EXPECT_TRUE(ValidatePassword(std::string(7, 'p')).IsInvalidArgument());
  EXPECT_TRUE(ValidatePassword(std::string(8, 'p')).ok());
  EXPECT_TRUE(ValidatePassword(std::string(128, 'p')).ok());
  EXPECT_TRUE(ValidatePassword(std::string(129, 'p')).IsInvalidArgument());
  EXPECT_TRUE(ValidatePassword("").IsInvalidArgument());
}

TEST(NamesTest, MessagesDoNotEchoTheValue) {
  const std::string secretish = "hunter2";
  Status s = ValidatePassword(secretish);
  EXPECT_EQ(s.message().find(secretish), std::string::npos);
  s = ValidateUserName("1" + secretish);
  EXPECT_EQ(s.message().find(secretish), std::string::npos);
}

}  // namespace
}  // namespace csrd::identity
