// ParseCsrPem and PublicKeyMatches against CSRs made by the openssl CLI.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <random>
#include <string>
#include <vector>

#include "crypto/csr.h"
#include "crypto/ossl.h"
#include "crypto/test_util.h"

namespace csrd::crypto {
namespace {

using test_util::RunCmd;
using test_util::TempDir;

// Runs a shell snippet in dir that must write k.pem and r.csr.
struct CliCsr {
  std::string key_pem, csr_pem;
};

CliCsr MakeWithCli(const TempDir& dir, const std::string& snippet) {
  auto r = RunCmd("cd " + dir.Path("") + " && " + snippet);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return {dir.Read("k.pem"), dir.Read("r.csr")};
}

// A P-256 CSR, really signed, whose CN (of ASN.1 string type cn_type) and
// DNS SAN hold the given raw bytes ("" leaves one out). Made with OpenSSL
// directly: the CLI refuses such values. These are what the fuzzer
// (tests/fuzz/csr_fuzz.cc) reaches by re-signing mutated requests.
std::string RawCsr(int cn_type, std::string_view cn, std::string_view dns) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509ReqPtr req(X509_REQ_new());
  EXPECT_TRUE(key && req && X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) == 1);
  if (!cn.empty()) {
    EXPECT_EQ(X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName,
                                         cn_type, reinterpret_cast<const unsigned char*>(cn.data()),
                                         static_cast<int>(cn.size()), -1, 0),
              1);
  }
  if (!dns.empty()) {
    GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
    GeneralNamePtr gn(GENERAL_NAME_new());
    Asn1Ia5StringPtr ia5(ASN1_IA5STRING_new());
    EXPECT_EQ(ASN1_STRING_set(ia5.get(), dns.data(), static_cast<int>(dns.size())), 1);
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, ia5.release());
    EXPECT_GT(sk_GENERAL_NAME_push(gens.get(), gn.release()), 0);
    X509ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, 0, gens.get()));
    ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
    EXPECT_GT(sk_X509_EXTENSION_push(exts.get(), ext.release()), 0);
    EXPECT_EQ(X509_REQ_add_extensions(req.get(), exts.get()), 1);
  }
  EXPECT_EQ(X509_REQ_set_pubkey(req.get(), key.get()), 1);
  EXPECT_GT(X509_REQ_sign(req.get(), key.get(), EVP_sha256()), 0);
  BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509_REQ(bio.get(), req.get()), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Status ParseStatus(std::string_view pem) { return ParseCsrPem(pem).status(); }

void ExpectRefused(std::string_view pem, std::string_view reason_part = "") {
  Result<ParsedCsr> r = ParseCsrPem(pem);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(reason_part), std::string::npos) << r.status().ToString();
}

struct AcceptCase {
  const char* name;
  const char* snippet;
  KeyAlgo algo;
};

class ParseCliCsrTest : public ::testing::TestWithParam<AcceptCase> {};

constexpr char kSubj[] =
    " -subj '/CN=www.example.com/C=DE/ST=Berlin/L=Berlin/O=Example GmbH/OU=IT'"
    " -addext 'subjectAltName=DNS:www.example.com,IP:192.0.2.1,email:a@example.com,DNS:b.example.com'"
    " -out r.csr";

TEST_P(ParseCliCsrTest, AcceptsAndReadsFields) {
  const AcceptCase& c = GetParam();
  TempDir dir;
  CliCsr cli = MakeWithCli(dir, std::string(c.snippet) + kSubj);
  Result<ParsedCsr> p = ParseCsrPem(cli.csr_pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->algo, c.algo);
  EXPECT_EQ(p->common_names, std::vector<std::string>{"www.example.com"});
  EXPECT_EQ(p->country, "DE");
  EXPECT_EQ(p->province, "Berlin");
  EXPECT_EQ(p->city, "Berlin");
  EXPECT_EQ(p->organization, "Example GmbH");
  EXPECT_EQ(p->dns_sans, (std::vector<std::string>{"www.example.com", "b.example.com"}));

  Result<PrivateKey> key = PrivateKey::FromPem(cli.key_pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(PublicKeyMatches(*p, *key));
  Result<PrivateKey> other = PrivateKey::Generate(c.algo == KeyAlgo::kRsa2048 ? KeyAlgo::kEcP256
                                                                              : c.algo);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(PublicKeyMatches(*p, *other));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, ParseCliCsrTest,
    ::testing::Values(
        AcceptCase{"Rsa2048", "openssl req -new -newkey rsa:2048 -nodes -keyout k.pem",
                   KeyAlgo::kRsa2048},
        AcceptCase{"P256",
                   "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem",
                   KeyAlgo::kEcP256},
        AcceptCase{"P384",
                   "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes "
                   "-keyout k.pem -sha384",
                   KeyAlgo::kEcP384},
        AcceptCase{"Sm2",
                   "openssl genpkey -algorithm SM2 -out k.pem && openssl req -new -key k.pem "
                   "-sm3 -sigopt distid:1234567812345678",
                   KeyAlgo::kSm2}),
    [](const auto& info) { return std::string(info.param.name); });

class ParseRefusalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    good_ = new CliCsr(MakeWithCli(*dir_,
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem "
        "-subj /CN=a.example.com -out r.csr"));
  }
  static void TearDownTestSuite() {
    delete good_;
    delete dir_;
  }
  static std::string GoodDer() { return test_util::PemBody(good_->csr_pem); }
  static TempDir* dir_;
  static CliCsr* good_;
};
TempDir* ParseRefusalTest::dir_ = nullptr;
CliCsr* ParseRefusalTest::good_ = nullptr;

TEST_F(ParseRefusalTest, GoodOneIsAccepted) { EXPECT_TRUE(ParseStatus(good_->csr_pem).ok()); }

TEST_F(ParseRefusalTest, OtherLabelsAndLeadingBlocks) {
  std::string der = GoodDer();
  EXPECT_TRUE(ParseStatus(test_util::ToPem("NEW CERTIFICATE REQUEST", der)).ok());
  EXPECT_TRUE(ParseStatus("some text\n" + good_->key_pem + good_->csr_pem).ok());
  ExpectRefused(test_util::ToPem("CERTIFICATE", der), "no PEM CERTIFICATE REQUEST");
  ExpectRefused(good_->key_pem, "no PEM CERTIFICATE REQUEST");
}

TEST_F(ParseRefusalTest, TamperedSignatureOrBody) {
  std::string der = GoodDer();
  std::string sig = der;
  sig[sig.size() - 2] ^= 0x01;
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", sig));
  size_t cn = der.find("a.example.com");
  ASSERT_NE(cn, std::string::npos);
  std::string body = der;
  body[cn] = 'b';
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", body), "signature does not verify");
}

TEST_F(ParseRefusalTest, VersionOtherThanZero) {
  std::string der = GoodDer();
  // SEQUENCE { SEQUENCE { INTEGER 0, ... } }: both headers are 2 or 3 bytes long.
  size_t pos = der.find(std::string("\x02\x01\x00", 3));
  ASSERT_LT(pos, 10u);
  der[pos + 2] = 1;
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", der), "version");
}

TEST_F(ParseRefusalTest, GarbageEmptyTruncatedTrailing) {
  ExpectRefused("", "no PEM");
  ExpectRefused("garbage", "no PEM");
  std::mt19937 rng(7);
  std::string random(4096, '\0');
  for (char& ch : random) ch = static_cast<char>(rng());
  ExpectRefused(random);
  const std::string& pem = good_->csr_pem;
  ExpectRefused(pem.substr(0, pem.size() / 2), "no PEM");
  ExpectRefused(pem.substr(0, pem.size() - 10), "no PEM");
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", "\x30\x03\x02\x01"));
  ExpectRefused(test_util::ToPem("CERTIFICATE REQUEST", GoodDer() + std::string(2, '\0')),
                "trailing");
  ExpectRefused("-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n");
}

TEST_F(ParseRefusalTest, NeverCrashesOnMutations) {
  std::string der = GoodDer();
  for (size_t n = 0; n < der.size(); ++n) {
    Status s = ParseStatus(test_util::ToPem("CERTIFICATE REQUEST", der.substr(0, n)));
    EXPECT_TRUE(s.IsInvalidArgument()) << n;
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; ++i) {
    std::string m = der;
    for (int k = 0; k < 1 + i % 3; ++k) m[rng() % m.size()] = static_cast<char>(rng());
    Status s = ParseStatus(test_util::ToPem("CERTIFICATE REQUEST", m));
    EXPECT_TRUE(s.ok() || s.IsInvalidArgument()) << s.ToString();
  }
}

struct RefuseCase {
  const char* name;
  const char* snippet;  // writes r.csr
  const char* reason;
};

class ParseCliRefusalTest : public ::testing::TestWithParam<RefuseCase> {};

TEST_P(ParseCliRefusalTest, Refuses) {
  const RefuseCase& c = GetParam();
  TempDir dir;
  CliCsr cli = MakeWithCli(dir, std::string(c.snippet) + " -subj /CN=a.example.com -out r.csr");
  ASSERT_NE(cli.csr_pem.find("BEGIN CERTIFICATE REQUEST"), std::string::npos);
  ExpectRefused(cli.csr_pem, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cli, ParseCliRefusalTest,
    ::testing::Values(
        RefuseCase{"Rsa1024", "openssl req -new -newkey rsa:1024 -nodes -keyout k.pem", "2048"},
        RefuseCase{"RsaE3",
                   "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
                   "-pkeyopt rsa_keygen_pubexp:3 -out k.pem && openssl req -new -key k.pem",
                   "65537"},
        RefuseCase{"RsaPss",
                   "openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out k.pem "
                   "&& openssl req -new -key k.pem",
                   "not supported"},
        RefuseCase{"P521",
                   "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes "
                   "-keyout k.pem",
                   "P-256, P-384 or SM2"},
        RefuseCase{"Ed25519",
                   "openssl genpkey -algorithm ED25519 -out k.pem && openssl req -new -key k.pem",
                   "not supported"},
        RefuseCase{"Sm2WithoutDistid",
                   "openssl genpkey -algorithm SM2 -out k.pem && openssl req -new -key k.pem -sm3",
                   "signature does not verify"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseCsrTest, SeveralCnsNoCnAndFirstOfEachAttribute) {
  TempDir dir;
  CliCsr a = MakeWithCli(dir,
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem "
      "-subj '/CN=a.example.com/O=First/CN=b.example.com/O=Second' -out r.csr");
  Result<ParsedCsr> p = ParseCsrPem(a.csr_pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->common_names, (std::vector<std::string>{"a.example.com", "b.example.com"}));
  EXPECT_EQ(p->organization, "First");
  EXPECT_FALSE(p->country.has_value());

  CliCsr b = MakeWithCli(dir,
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem "
      "-subj '/O=Org' -addext 'subjectAltName=DNS:x.example.com' -out r.csr");
  p = ParseCsrPem(b.csr_pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->common_names.empty());
  EXPECT_EQ(p->dns_sans, std::vector<std::string>{"x.example.com"});
}

// Fuzzer finding: DER decoding does not check that a dNSName (IA5String) is
// ASCII, and such bytes went on into the stored `sans` as invalid UTF-8.
TEST(ParseCsrTest, RefusesNonAsciiDnsName) {
  ExpectRefused(RawCsr(V_ASN1_UTF8STRING, "a.example.com", "b\xFF\x85.example.com"),
                "not ASCII");
  ExpectRefused(RawCsr(V_ASN1_UTF8STRING, "", "\xC3\xA9.example.com"), "not ASCII");
  Result<ParsedCsr> ok = ParseCsrPem(RawCsr(V_ASN1_UTF8STRING, "a.example.com", "b.example.com"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->dns_sans, std::vector<std::string>{"b.example.com"});
}

TEST(ParseCsrTest, PublicKeyMatchesAcrossSm2KeyForms) {
  // The CSR's SM2 key arrives as id-ecPublicKey + SM2 curve; the private key
  // as SEC1. Both must end up as SM2 keys for the comparison to hold.
  TempDir dir;
  CliCsr c = MakeWithCli(dir,
      "openssl genpkey -algorithm SM2 -out p8.pem && openssl ec -in p8.pem -out k.pem && "
      "openssl req -new -key p8.pem -sm3 -sigopt distid:1234567812345678 -subj /CN=a.example.com "
      "-out r.csr");
  Result<ParsedCsr> p = ParseCsrPem(c.csr_pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(EVP_PKEY_is_a(p->public_key.get(), "SM2"), 1);
  Result<PrivateKey> key = PrivateKey::FromPem(c.key_pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(PublicKeyMatches(*p, *key));
  ParsedCsr empty;
  EXPECT_FALSE(PublicKeyMatches(empty, *key));
  ParsedCsr copy = *p;  // copyable: the key is shared
  EXPECT_TRUE(PublicKeyMatches(copy, *key));
}

}  // namespace
}  // namespace csrd::crypto
