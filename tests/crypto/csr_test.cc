// BuildCsrPem, checked by our parser and by the openssl CLI.
#include "crypto/csr.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/test_util.h"

namespace csrd::crypto {
namespace {

using test_util::RunCmd;
using test_util::TempDir;

constexpr char kVfySm2[] = " -vfyopt distid:1234567812345678";

PrivateKey MustGenerate(KeyAlgo algo) {
  Result<PrivateKey> k = PrivateKey::Generate(algo);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return std::move(k).value();
}

std::string MustBuild(const PrivateKey& key, const CsrSubject& s,
                      const std::vector<std::string>& dns) {
  Result<std::string> pem = BuildCsrPem(key, s, dns);
  EXPECT_TRUE(pem.ok()) << pem.status().ToString();
  return pem.ok() ? *pem : "";
}

const char* SigName(KeyAlgo a) {
  switch (a) {
    case KeyAlgo::kEcP256: return "ecdsa-with-SHA256";
    case KeyAlgo::kEcP384: return "ecdsa-with-SHA384";
    case KeyAlgo::kSm2: return "SM2-with-SM3";
    default: return "sha256WithRSAEncryption";
  }
}

// `openssl req -verify -text` output; 3.0's exit code lies, so callers match text.
std::string CliVerify(const TempDir& dir, const std::string& pem, bool sm2_distid) {
  std::string f = dir.Write("r.csr", pem);
  return RunCmd("openssl req -in " + f + " -noout -verify -text" + (sm2_distid ? kVfySm2 : ""))
      .output;
}

std::string DerSpki(X509_PUBKEY* xpk) {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(xpk, &der);
  std::string out(reinterpret_cast<char*>(der), n > 0 ? static_cast<size_t>(n) : 0);
  OPENSSL_free(der);
  return out;
}

class BuildCsrTest : public ::testing::TestWithParam<KeyAlgo> {};

TEST_P(BuildCsrTest, ParserAndOpensslCliAgree) {
  KeyAlgo algo = GetParam();
  PrivateKey key = MustGenerate(algo);
  CsrSubject subject{"www.example.com", "CN", "Guangdong", "Shenzhen", "Example Ltd"};
  std::vector<std::string> dns{"www.example.com", "api.example.com", "*.example.org"};
  std::string pem = MustBuild(key, subject, dns);
  ASSERT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u);
  EXPECT_EQ(pem.find('\r'), std::string::npos);

  Result<ParsedCsr> parsed = ParseCsrPem(pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->algo, algo);
  EXPECT_EQ(parsed->common_names, std::vector<std::string>{"www.example.com"});
  EXPECT_EQ(parsed->country, "CN");
  EXPECT_EQ(parsed->province, "Guangdong");
  EXPECT_EQ(parsed->city, "Shenzhen");
  EXPECT_EQ(parsed->organization, "Example Ltd");
  EXPECT_EQ(parsed->dns_sans, dns);
  EXPECT_TRUE(PublicKeyMatches(*parsed, key));
  // A different key of the same kind (EC only: RSA keygen is slow).
  if (algo == KeyAlgo::kEcP256 || algo == KeyAlgo::kEcP384 || algo == KeyAlgo::kSm2) {
    EXPECT_FALSE(PublicKeyMatches(*parsed, MustGenerate(algo)));
  }

  TempDir dir;
  ASSERT_TRUE(dir.ok());
  bool sm2 = algo == KeyAlgo::kSm2;
  std::string text = CliVerify(dir, pem, sm2);
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text;
  EXPECT_EQ(text.find("verify failure"), std::string::npos) << text;
  EXPECT_NE(text.find("Version: 1 (0x0)"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string("Signature Algorithm: ") + SigName(algo)), std::string::npos)
      << text;
  EXPECT_NE(text.find("Subject: CN = www.example.com, C = CN, ST = Guangdong, L = Shenzhen, "
                      "O = Example Ltd"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("DNS:www.example.com, DNS:api.example.com, DNS:*.example.org"),
            std::string::npos)
      << text;
  if (sm2) {
    EXPECT_NE(text.find("ASN1 OID: SM2"), std::string::npos) << text;
    // Proof the distinguishing id is really in the signature: without it, no.
    std::string plain = CliVerify(dir, pem, false);
    EXPECT_NE(plain.find("verify failure"), std::string::npos) << plain;
    EXPECT_EQ(plain.find("verify OK"), std::string::npos) << plain;
  }
  std::string asn1 = RunCmd("openssl asn1parse -in " + dir.Path("r.csr")).output;
  EXPECT_NE(asn1.find("PRINTABLESTRING   :CN"), std::string::npos) << asn1;
  EXPECT_NE(asn1.find("UTF8STRING        :www.example.com"), std::string::npos) << asn1;
  EXPECT_NE(asn1.find("UTF8STRING        :Example Ltd"), std::string::npos) << asn1;

  // The SPKI shortcut must produce what OpenSSL's own encoder produces.
  BioPtr bio = MemBioOver(pem);
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(req);
  unsigned char* ref = nullptr;
  int ref_len = i2d_PUBKEY(key.get(), &ref);
  ASSERT_GT(ref_len, 0);
  EXPECT_EQ(DerSpki(X509_REQ_get_X509_PUBKEY(req.get())),
            std::string(reinterpret_cast<char*>(ref), static_cast<size_t>(ref_len)));
  OPENSSL_free(ref);

  // The PEM is framed by hand: the same text PEM_write_bio_X509_REQ writes.
  BioPtr out(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_REQ(out.get(), req.get()), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  EXPECT_EQ(pem, std::string(data, static_cast<size_t>(len)));
}

INSTANTIATE_TEST_SUITE_P(AllSix, BuildCsrTest, ::testing::ValuesIn(kAllKeyAlgos),
                         [](const auto& info) { return std::string(KeyAlgoName(info.param)); });

TEST(BuildCsrTest, CnOnlyAndNoSans) {
  PrivateKey key = MustGenerate(KeyAlgo::kEcP256);
  std::string pem = MustBuild(key, {"a.example.com", "", "", "", ""}, {});
  Result<ParsedCsr> p = ParseCsrPem(pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->common_names, std::vector<std::string>{"a.example.com"});
  EXPECT_FALSE(p->country || p->province || p->city || p->organization);
  EXPECT_TRUE(p->dns_sans.empty());
  TempDir dir;
  std::string text = CliVerify(dir, pem, false);
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text;
  EXPECT_NE(text.find("Subject: CN = a.example.com\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Alternative Name"), std::string::npos) << text;
}

TEST(BuildCsrTest, KeepsUtf8AndSanOrder) {
  PrivateKey key = MustGenerate(KeyAlgo::kSm2);
  std::string org = "深圳市某某科技有限公司";
  std::string city = "Zürich";
  std::vector<std::string> dns;
  for (int i = 20; i > 0; --i) dns.push_back("h" + std::to_string(i) + ".example.com");
  std::string pem = MustBuild(key, {"x.example.com", "cn", "广东省", city, org}, dns);
  Result<ParsedCsr> p = ParseCsrPem(pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->organization, org);
  EXPECT_EQ(p->city, city);
  EXPECT_EQ(p->province, "广东省");
  EXPECT_EQ(p->country, "cn");  // upper-casing is the caller's job
  EXPECT_EQ(p->dns_sans, dns);
}

TEST(BuildCsrTest, SubjectBoundsCountCharactersNotBytes) {
  PrivateKey key = MustGenerate(KeyAlgo::kEcP256);
  std::string o64, o65;
  for (int i = 0; i < 64; ++i) o64 += "中";
  o65 = o64 + "中";
  EXPECT_TRUE(BuildCsrPem(key, {"a.example.com", "", "", "", o64}, {}).ok());
  Result<std::string> r = BuildCsrPem(key, {"a.example.com", "", "", "", o65}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("subject O"), std::string::npos) << r.status().message();
  EXPECT_TRUE(BuildCsrPem(key, {"a.example.com", "", std::string(128, 'p'), "", ""}, {}).ok());
  EXPECT_FALSE(BuildCsrPem(key, {"a.example.com", "", std::string(129, 'p'), "", ""}, {}).ok());
  EXPECT_TRUE(BuildCsrPem(key, {std::string(64, 'c'), "", "", "", ""}, {}).ok());
  EXPECT_FALSE(BuildCsrPem(key, {std::string(65, 'c'), "", "", "", ""}, {}).ok());
}

TEST(BuildCsrTest, RefusesBadInput) {
  PrivateKey key = MustGenerate(KeyAlgo::kEcP256);
  auto refused = [&](const CsrSubject& s, const std::vector<std::string>& dns) {
    Result<std::string> r = BuildCsrPem(key, s, dns);
    return !r.ok() && r.status().IsInvalidArgument();
  };
  EXPECT_TRUE(refused({"a.example.com", "CHN", "", "", ""}, {}));
  EXPECT_TRUE(refused({"a.example.com", "C", "", "", ""}, {}));
  EXPECT_TRUE(refused({"a.example.com", "Ü1", "", "", ""}, {}));      // not printable
  EXPECT_TRUE(refused({"a.example.com", "", "", "", "bad\xff utf8"}, {}));
  EXPECT_TRUE(refused({"a.example.com", "", "", "", std::string("n\0l", 3)}, {}));
  EXPECT_TRUE(refused({"a.example.com", "", "", "", ""}, {"ok.example.com", ""}));
  EXPECT_TRUE(refused({"a.example.com", "", "", "", ""}, {"bücher.example"}));
  EXPECT_TRUE(refused({"a.example.com", "", "", "", ""}, {std::string("a\0b", 3)}));
}

TEST(BuildCsrTest, RefusesKeysOutsideTheSix) {
  TempDir dir;
  auto r = RunCmd("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out " +
                  dir.Path("k.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Result<PrivateKey> key = PrivateKey::FromPem(dir.Read("k.pem"));
  ASSERT_TRUE(key.ok());
  Result<std::string> csr = BuildCsrPem(*key, {"a.example.com", "", "", "", ""}, {});
  ASSERT_FALSE(csr.ok());
  EXPECT_TRUE(csr.status().IsInvalidArgument());
}

TEST(BuildCsrTest, ImportedCompressedExplicitSec1KeySignsAValidCsr) {
  TempDir dir;
  auto r = RunCmd("openssl ecparam -name prime256v1 -genkey -noout | openssl ec -param_enc "
                  "explicit -conv_form compressed -out " + dir.Path("k.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Result<PrivateKey> key = PrivateKey::FromPem(dir.Read("k.pem"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  std::string pem = MustBuild(*key, {"a.example.com", "", "", "", ""}, {"a.example.com"});
  std::string text = CliVerify(dir, pem, false);
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text;
  EXPECT_NE(text.find("NIST CURVE: P-256"), std::string::npos) << text;
  Result<ParsedCsr> p = ParseCsrPem(pem);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(PublicKeyMatches(*p, *key));
}

TEST(BuildCsrTest, ImportedSm2Sec1KeySignsWithSm2Rules) {
  TempDir dir;
  auto r = RunCmd("openssl genpkey -algorithm SM2 | openssl ec | "
                  "sed \"s/SM2 PRIVATE/EC PRIVATE/\" > " + dir.Path("k.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Result<PrivateKey> key = PrivateKey::FromPem(dir.Read("k.pem"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  std::string pem = MustBuild(*key, {"a.example.com", "", "", "", ""}, {"a.example.com"});
  std::string text = CliVerify(dir, pem, true);
  EXPECT_NE(text.find("verify OK"), std::string::npos) << text;
  EXPECT_NE(text.find("SM2-with-SM3"), std::string::npos) << text;
}

TEST(BuildCsrTest, OneKeyServesConcurrentCallers) {
  for (KeyAlgo algo : {KeyAlgo::kEcP256, KeyAlgo::kSm2}) {
    PrivateKey key = MustGenerate(algo);
    std::vector<int> bad(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          std::string cn = "h" + std::to_string(t) + "-" + std::to_string(i) + ".example.com";
          Result<std::string> pem = BuildCsrPem(key, {cn, "", "", "", ""}, {cn});
          Result<ParsedCsr> p = pem.ok() ? ParseCsrPem(*pem) : Result<ParsedCsr>(pem.status());
          if (!p.ok() || p->common_names != std::vector<std::string>{cn} ||
              !PublicKeyMatches(*p, key) || !key.ToPkcs8Pem().ok()) {
            ++bad[t];
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int b : bad) EXPECT_EQ(b, 0) << KeyAlgoName(algo);
  }
}

}  // namespace
}  // namespace csrd::crypto
