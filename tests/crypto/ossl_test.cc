#include "crypto/ossl.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace csrd::crypto {
namespace {

void FailAPemRead() {
  BioPtr bio = MemBioOver("not pem at all");
  ASSERT_TRUE(bio);
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  ASSERT_EQ(x, nullptr);
}

TEST(OsslTest, DrainEmptyQueueGivesEmptyString) {
  ERR_clear_error();
  EXPECT_EQ(DrainOpenSslErrors(), "");
}

TEST(OsslTest, DrainNamesTheReasonAndEmptiesTheQueue) {
  ERR_clear_error();
  FailAPemRead();
  std::string msg = DrainOpenSslErrors();
  EXPECT_NE(msg.find("no start line"), std::string::npos) << msg;
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(OsslTest, DrainCapsTheNumberOfEntries) {
  ERR_clear_error();
  for (int i = 0; i < 5; ++i) FailAPemRead();
  std::string msg = DrainOpenSslErrors();
  EXPECT_NE(msg.find("more"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 300u);
}

TEST(OsslTest, DrainLeavesOutErrorData) {
  ERR_clear_error();
  ERR_raise_data(ERR_LIB_PEM, PEM_R_BAD_BASE64_DECODE, "secret-ish-data-%d", 42);
  std::string msg = DrainOpenSslErrors();
  EXPECT_EQ(msg.find("secret-ish"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad base64 decode"), std::string::npos) << msg;
}

TEST(OsslTest, OsslInternalIsInternalWithContext) {
  ERR_clear_error();
  FailAPemRead();
  Status s = OsslInternal("reading");
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message().rfind("reading: ", 0), 0u) << s.message();
  EXPECT_EQ(OsslInternal("x").message(), "x");
}

TEST(OsslTest, ErrorQueueGuardClearsOnBothEnds) {
  FailAPemRead();
  {
    ErrorQueueGuard g;
    EXPECT_EQ(ERR_peek_error(), 0u);
    FailAPemRead();
    EXPECT_NE(ERR_peek_error(), 0u);
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(OsslTest, MemBioOverReadsTheBytes) {
  std::string data("ab\0cd", 5);
  BioPtr bio = MemBioOver(data);
  ASSERT_TRUE(bio);
  char buf[16];
  ASSERT_EQ(BIO_read(bio.get(), buf, sizeof(buf)), 5);
  EXPECT_EQ(std::string(buf, 5), data);
  BioPtr empty = MemBioOver("");
  ASSERT_TRUE(empty);
  EXPECT_LE(BIO_read(empty.get(), buf, sizeof(buf)), 0);
}

}  // namespace
}  // namespace csrd::crypto
