// The hand DER/PEM writer against OpenSSL's own encoders.
#include "crypto/der.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <string>

#include "crypto/ossl.h"

namespace csrd::crypto {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += {d[c >> 4], d[c & 15]};
  return out;
}

// OpenSSL's DER of an INTEGER.
std::string OsslInteger(const BIGNUM* bn) {
  ASN1_INTEGER* ai = BN_to_ASN1_INTEGER(bn, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_ASN1_INTEGER(ai, &der);
  std::string out(reinterpret_cast<char*>(der), n > 0 ? static_cast<size_t>(n) : 0);
  OPENSSL_free(der);
  ASN1_INTEGER_free(ai);
  return out;
}

TEST(DerTest, HeadersUseShortAndLongLengthForms) {
  struct Case {
    size_t len;
    const char* hex;
  } cases[] = {{0, "3000"},       {1, "3001"},         {127, "307f"},      {128, "308180"},
               {255, "3081ff"},   {256, "30820100"},   {65535, "3082ffff"}, {65536, "3083010000"}};
  for (const Case& c : cases) {
    std::string out;
    der::PutHeader(out, der::kSequence, c.len);
    EXPECT_EQ(Hex(out), c.hex) << c.len;
    EXPECT_EQ(out.size(), 1 + der::LengthSize(c.len));
    EXPECT_EQ(der::TlvSize(c.len), out.size() + c.len);
  }
}

TEST(DerTest, IntegersMatchOpenssl) {
  BignumPtr bn(BN_new());
  ASSERT_TRUE(bn);
  std::vector<std::string> seen;
  auto check = [&](const char* what) {
    std::string out = "xy";  // appends after what is there
    ASSERT_TRUE(der::PutInteger(out, bn.get())) << what;
    std::string want = OsslInteger(bn.get());
    EXPECT_EQ(Hex(out.substr(2)), Hex(want)) << what;
    EXPECT_EQ(der::TlvSize(der::IntegerContentSize(bn.get())), want.size()) << what;
  };
  for (unsigned long w : {0ul, 1ul, 127ul, 128ul, 255ul, 256ul, 65537ul, 0x7ffffful, 0x800000ul}) {
    ASSERT_EQ(BN_set_word(bn.get(), w), 1);
    check(std::to_string(w).c_str());
  }
  // Random sizes, with the top bit set or not (a leading 0x00 or none).
  for (int bits : {7, 8, 9, 255, 256, 1023, 1024, 2048, 4096}) {
    for (int top : {BN_RAND_TOP_ANY, BN_RAND_TOP_ONE}) {
      ASSERT_EQ(BN_rand(bn.get(), bits, top, BN_RAND_BOTTOM_ANY), 1);
      check(("bits " + std::to_string(bits)).c_str());
    }
  }
  BN_set_negative(bn.get(), 1);
  std::string out;
  EXPECT_FALSE(der::PutInteger(out, bn.get()));
}

TEST(DerTest, FixedWidthPadsAndRefusesWhatDoesNotFit) {
  BignumPtr bn(BN_new());
  ASSERT_EQ(BN_set_word(bn.get(), 0x0102), 1);
  std::string out;
  ASSERT_TRUE(der::PutFixedWidth(out, bn.get(), 4));
  EXPECT_EQ(Hex(out), "00000102");
  ASSERT_TRUE(der::PutFixedWidth(out, bn.get(), 2));
  EXPECT_EQ(Hex(out), "000001020102");
  EXPECT_FALSE(der::PutFixedWidth(out, bn.get(), 1));
  EXPECT_EQ(out.size(), 6u);  // nothing written on refusal
  BN_zero(bn.get());
  ASSERT_TRUE(der::PutFixedWidth(out, bn.get(), 3));
  EXPECT_EQ(Hex(out.substr(6)), "000000");
}

TEST(DerTest, PemMatchesPemWriteBioForEveryTailLength) {
  std::string data(300, '\0');
  ASSERT_EQ(RAND_bytes(reinterpret_cast<unsigned char*>(data.data()), 300), 1);
  for (size_t n = 0; n <= data.size(); ++n) {
    std::string_view der(data.data(), n);
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio(bio.get(), "PRIVATE KEY", "", reinterpret_cast<const unsigned char*>(der.data()),
                  static_cast<long>(n));
    char* p = nullptr;
    long len = BIO_get_mem_data(bio.get(), &p);
    std::string want(p, static_cast<size_t>(len));
    std::string got;
    got.reserve(der::PemSize("PRIVATE KEY", n));
    size_t cap = got.capacity();
    der::PutPem(got, "PRIVATE KEY", der);
    EXPECT_EQ(got, want) << n;
    EXPECT_EQ(got.size(), der::PemSize("PRIVATE KEY", n)) << n;
    EXPECT_EQ(got.capacity(), cap) << "reallocated at " << n;
  }
}

}  // namespace
}  // namespace csrd::crypto
