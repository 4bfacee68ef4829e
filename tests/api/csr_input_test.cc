#include "api/csr_input.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "api/json_reader.h"

namespace csrd::api {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

std::string Repeat(std::string_view unit, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += unit;
  return s;
}

const std::string kEmoji = "\xF0\x9F\x98\x80";  // one code point, four bytes
const std::string kBei = "\xE5\x8C\x97";        // 北

// ---- name ----

struct TextCase {
  std::string value;
  bool ok;
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << testing::PrintToString(c.value); }

class ValidateNameTest : public testing::TestWithParam<TextCase> {};

TEST_P(ValidateNameTest, Rule) {
  const Status s = ValidateName(GetParam().value);
  EXPECT_EQ(s.ok(), GetParam().ok)
      << testing::PrintToString(GetParam().value) << " " << s.ToString();
  if (!s.ok()) {
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_EQ(s.message().rfind("name: ", 0), 0u) << s.message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Names, ValidateNameTest,
    testing::Values(TextCase{"a", true}, TextCase{std::string(63, 'a'), true},
                    TextCase{std::string(64, 'a'), false}, TextCase{"", false},
                    TextCase{Repeat(kBei, 63), true}, TextCase{Repeat(kBei, 64), false},
                    TextCase{Repeat(kEmoji, 63), true}, TextCase{Repeat(kEmoji, 62) + "ab", false},
                    TextCase{"with space and % _ ' \" \\ /", true},
                    TextCase{"\xC2\xA0nbsp", true},  // U+00A0 is not a control
                    TextCase{"a\0b"s, false}, TextCase{"tab\there", false}, TextCase{"nl\n", false},
                    TextCase{"del\x7F", false}, TextCase{"nel\xC2\x85", false},
                    TextCase{"c1\xC2\x80", false}, TextCase{"c1\xC2\x9F", false},
                    TextCase{"bad\xFF", false}, TextCase{"trunc\xE5\x8C", false}));

// ---- domain_name ----

class ValidateDomainTest : public testing::TestWithParam<TextCase> {};

TEST_P(ValidateDomainTest, Rule) {
  const Status s = ValidateDomainName(GetParam().value);
  EXPECT_EQ(s.ok(), GetParam().ok) << GetParam().value << " " << s.ToString();
  if (!s.ok()) {
    EXPECT_EQ(s.message().rfind("domain_name ", 0), 0u) << s.message();
  }
}

const std::string kLabel63(63, 'a');
// 63 characters total: "a" * 30 + "." + "b" * 32.
const std::string kDomain63 = std::string(30, 'a') + "." + std::string(32, 'b');

INSTANTIATE_TEST_SUITE_P(
    Domains, ValidateDomainTest,
    testing::Values(TextCase{"example.com", true}, TextCase{"www.example.com", true},
                    TextCase{"localhost", true}, TextCase{"a", true},
                    TextCase{"A-B.Example.COM", true}, TextCase{kDomain63, true},
                    TextCase{kDomain63 + "c", false}, TextCase{kLabel63, true},
                    TextCase{kLabel63 + "a", false},
                    TextCase{std::string(64, 'a') + ".com", false},  // label of 64
                    TextCase{"*.example.com", true}, TextCase{"*.com", true}, TextCase{"*", false},
                    TextCase{"a.*.com", false}, TextCase{"*.*.com", false},
                    TextCase{"*a.example.com", false}, TextCase{"a*.example.com", false},
                    TextCase{"1.2.3.4", false}, TextCase{"123", false}, TextCase{"*.1.2", false},
                    TextCase{"123.example.com", true}, TextCase{"example.123", true},
                    TextCase{"1-2.3", true},  // a hyphen makes a label non-numeric
                    TextCase{"example.com.", false}, TextCase{".example.com", false},
                    TextCase{"example..com", false}, TextCase{"", false}, TextCase{".", false},
                    TextCase{"-example.com", false}, TextCase{"example-.com", false},
                    TextCase{"ex-ample.com", true}, TextCase{"xn--mnchen-3ya.de", true},
                    TextCase{"ex_ample.com", false}, TextCase{"ex ample.com", false},
                    TextCase{"example.com:443", false}, TextCase{"ex/ample.com", false},
                    TextCase{"m\xC3\xBCnchen.de", false}, TextCase{"\xE5\x8C\x97.cn", false},
                    TextCase{"a\0.com"s, false}));

TEST(ValidateDomainTest, NonAsciiMessageAsksForPunycode) {
  EXPECT_NE(ValidateDomainName("m\xC3\xBCnchen.de").message().find("punycode"), std::string::npos);
}

// ---- sans ----

TEST(SplitSansTest, SplitsTrimsAndDropsEmptyItems) {
  auto r = SplitSans("a.com; b.com,,c.com");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), (std::vector<std::string>{"a.com", "b.com", "c.com"}));
  EXPECT_EQ(SplitSans("").value(), std::vector<std::string>{});
  EXPECT_EQ(SplitSans(" ; , ;").value(), std::vector<std::string>{});
  EXPECT_EQ(SplitSans("  *.x.com  ;y.com ").value(),
            (std::vector<std::string>{"*.x.com", "y.com"}));
  // Not de-duplicated here; that is for the CSR's name list.
  EXPECT_EQ(SplitSans("A.com;a.com").value(), (std::vector<std::string>{"A.com", "a.com"}));
}

TEST(SplitSansTest, LengthCountsTheRawString) {
  // 4-char items "a.io" joined by "; ": 255 and 256 raw characters.
  std::string s255;
  while (s255.size() + 6 <= 255) s255 += "ab.io;";
  s255 += std::string(255 - s255.size(), ' ');
  ASSERT_EQ(s255.size(), 255u);
  EXPECT_TRUE(SplitSans(s255).ok());
  const Status s = SplitSans(s255 + " ").status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "sans: must be at most 255 characters");
}

TEST(SplitSansTest, EachItemFollowsTheDomainRule) {
  for (const char* bad : {"a.com;1.2.3.4", "a.com;ex_ample.com", "a.com;b.com.", "a.*.com",
                          "a.com\tb.com", "a.com;m\xC3\xBCnchen.de", "a.com;-b.com"}) {
    const Status s = SplitSans(bad).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_EQ(s.message().rfind("sans: ", 0), 0u) << s.message();
  }
  EXPECT_EQ(SplitSans("\xFF").status().message(), "sans: must be valid UTF-8");
}

// ---- CreateCsr ----

json::object Body(std::string_view text) {
  auto r = ParseJsonObject(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : json::object();
}

json::object Personal() {
  return Body(
      R"({"name": "n1", "domain_name": "www.example.com", "sans": "a.example.com;b.example.com",
                  "private_key_algo": "RSA_2048", "usage": "PERSONAL"})");
}

json::object Enterprise() {
  return Body(R"({"name": "n2", "domain_name": "example.com", "private_key_algo": "EC_P256",
                  "usage": "ENTERPRISE", "company_country": "cn",
                  "company_province": "\u5317\u4eac\u5e02", "company_city": "Beijing",
                  "company_name": "ACME Ltd."})");
}

TEST(ParseCreateCsrTest, PersonalHappyPath) {
  auto r = ParseCreateCsr(Personal());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "n1");
  EXPECT_EQ(r->domain_name, "www.example.com");
  EXPECT_EQ(r->sans, "a.example.com;b.example.com");
  EXPECT_EQ(r->private_key_algo, "RSA_2048");
  EXPECT_EQ(r->algo, crypto::KeyAlgo::kRsa2048);
  EXPECT_EQ(r->usage, "PERSONAL");
  EXPECT_FALSE(r->enterprise);
  EXPECT_EQ(r->company_country, "");
  EXPECT_EQ(r->company_name, "");
  EXPECT_EQ(r->subject.common_name, "www.example.com");
  EXPECT_EQ(r->subject.country, "");
  EXPECT_EQ(r->subject.organization, "");
  EXPECT_EQ(r->dns_names,
            (std::vector<std::string>{"www.example.com", "a.example.com", "b.example.com"}));
}

TEST(ParseCreateCsrTest, EnterpriseFillsSubjectAndKeepsFieldsVerbatim) {
  auto r = ParseCreateCsr(Enterprise());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->enterprise);
  EXPECT_EQ(r->algo, crypto::KeyAlgo::kEcP256);
  EXPECT_EQ(r->company_country, "cn");  // returned as sent
  EXPECT_EQ(r->subject.country, "CN");  // upper-cased in the CSR
  EXPECT_EQ(r->company_province, "\xE5\x8C\x97\xE4\xBA\xAC\xE5\xB8\x82");
  EXPECT_EQ(r->subject.province, r->company_province);
  EXPECT_EQ(r->subject.city, "Beijing");
  EXPECT_EQ(r->subject.organization, "ACME Ltd.");
  EXPECT_EQ(r->subject.common_name, "example.com");
  EXPECT_EQ(r->sans, "");
  EXPECT_EQ(r->dns_names, std::vector<std::string>{"example.com"});
}

TEST(ParseCreateCsrTest, PersonalKeepsCompanyFieldsOutOfTheSubject) {
  json::object b = Personal();
  b["company_country"] = "de";
  b["company_name"] = "Private";
  auto r = ParseCreateCsr(b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->company_country, "de");
  EXPECT_EQ(r->company_name, "Private");
  EXPECT_EQ(r->subject.country, "");
  EXPECT_EQ(r->subject.organization, "");
  // ...but they are still validated.
  b["company_country"] = "DEU";
  EXPECT_EQ(ParseCreateCsr(b).status().message(), "company_country: must be two ASCII letters");
}

TEST(ParseCreateCsrTest, DnsNamesDeduplicatedCaseInsensitively) {
  json::object b = Personal();
  b["domain_name"] = "a.com";
  b["sans"] = "A.com;a.com";
  auto r = ParseCreateCsr(b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dns_names, std::vector<std::string>{"a.com"});
  EXPECT_EQ(r->sans, "A.com;a.com");

  b["sans"] = " B.com , c.com;b.COM;C.com;d.com ";
  r = ParseCreateCsr(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dns_names, (std::vector<std::string>{"a.com", "B.com", "c.com", "d.com"}));
  EXPECT_EQ(r->sans, " B.com , c.com;b.COM;C.com;d.com ");
}

TEST(ParseCreateCsrTest, AllSixAlgorithms) {
  for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) {
    json::object b = Personal();
    b["private_key_algo"] = std::string(crypto::KeyAlgoName(a));
    auto r = ParseCreateCsr(b);
    ASSERT_TRUE(r.ok()) << crypto::KeyAlgoName(a);
    EXPECT_EQ(r->algo, a);
  }
}

struct Mutation {
  const char* what;
  const char* key;
  json::value value;  // json::value() (null) with `erase` = remove the key
  bool erase;
  const char* message;  // nullptr: accepted
};

void PrintTo(const Mutation& c, std::ostream* os) { *os << c.what; }

class CreateCsrRulesTest : public testing::TestWithParam<Mutation> {};

TEST_P(CreateCsrRulesTest, Rule) {
  const Mutation& m = GetParam();
  json::object b = std::string_view(m.what).rfind("ent:", 0) == 0 ? Enterprise() : Personal();
  if (m.erase) {
    b.erase(m.key);
  } else {
    b[m.key] = m.value;
  }
  auto r = ParseCreateCsr(b);
  if (m.message == nullptr) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_EQ(r.status().message(), m.message);
  }
}

json::value S(std::string s) { return json::value(json::string(s)); }

INSTANTIATE_TEST_SUITE_P(
    Rules, CreateCsrRulesTest,
    testing::Values(
        Mutation{"name missing", "name", {}, true, "name is required"},
        Mutation{"name null", "name", nullptr, false, "name is required"},
        Mutation{"name number", "name", 5, false, "name: must be a string"},
        Mutation{"name empty", "name", S(""), false, "name: must be 1..63 characters"},
        Mutation{"name 64", "name", S(std::string(64, 'n')), false,
                 "name: must be 1..63 characters"},
        Mutation{"name 63 multibyte", "name", S(Repeat(kBei, 63)), false, nullptr},
        Mutation{"name NUL", "name", S("a\0"s), false, "name: must not contain control characters"},
        Mutation{"domain missing", "domain_name", {}, true, "domain_name is required"},
        Mutation{"domain null", "domain_name", nullptr, false, "domain_name is required"},
        Mutation{"domain array", "domain_name", json::array{"a.com"}, false,
                 "domain_name: must be a string"},
        Mutation{"domain ip", "domain_name", S("1.2.3.4"), false,
                 "domain_name must not be all-numeric"},
        Mutation{"domain wildcard", "domain_name", S("*.example.com"), false, nullptr},
        Mutation{"sans bool", "sans", true, false, "sans: must be a string"},
        Mutation{"sans null", "sans", nullptr, false, nullptr},
        Mutation{"sans absent", "sans", {}, true, nullptr},
        Mutation{"sans empty", "sans", S(""), false, nullptr},
        Mutation{"sans bad item", "sans", S("a.com;b_c.com"), false,
                 "sans: each item must use only letters, digits, '-' and '.'"},
        Mutation{"algo missing", "private_key_algo", {}, true, "private_key_algo is required"},
        Mutation{"algo lower case", "private_key_algo", S("rsa_2048"), false,
                 "private_key_algo: must be one of RSA_2048, RSA_3072, RSA_4096, EC_P256, "
                 "EC_P384, SM2"},
        Mutation{"algo unknown", "private_key_algo", S("RSA_1024"), false,
                 "private_key_algo: must be one of RSA_2048, RSA_3072, RSA_4096, EC_P256, "
                 "EC_P384, SM2"},
        Mutation{"algo number", "private_key_algo", 2048, false,
                 "private_key_algo: must be a string"},
        Mutation{"usage missing", "usage", {}, true, "usage is required"},
        Mutation{"usage lower", "usage", S("personal"), false,
                 "usage: must be PERSONAL or ENTERPRISE"},
        Mutation{"usage other", "usage", S("OV"), false, "usage: must be PERSONAL or ENTERPRISE"},
        Mutation{"company null is absent", "company_name", nullptr, false, nullptr},
        Mutation{"company number", "company_city", 1, false, "company_city: must be a string"},
        Mutation{"country lower ok", "company_country", S("cn"), false, nullptr},
        Mutation{"country mixed ok", "company_country", S("cN"), false, nullptr},
        Mutation{"country empty ok", "company_country", S(""), false, nullptr},
        Mutation{"country 3", "company_country", S("CHN"), false,
                 "company_country: must be two ASCII letters"},
        Mutation{"country digit", "company_country", S("C1"), false,
                 "company_country: must be two ASCII letters"},
        Mutation{"country 1", "company_country", S("C"), false,
                 "company_country: must be two ASCII letters"},
        Mutation{"country non-ascii", "company_country",
                 S("\xC3\x9C"
                   "A"),
                 false, "company_country: must be two ASCII letters"},
        Mutation{"company_name 64", "company_name", S(Repeat(kBei, 64)), false, nullptr},
        Mutation{"company_name 65", "company_name", S(std::string(65, 'o')), false,
                 "company_name: must be at most 64 characters"},
        Mutation{"province 128", "company_province", S(Repeat(kEmoji, 128)), false, nullptr},
        Mutation{"province 129", "company_province", S(std::string(129, 'p')), false,
                 "company_province: must be at most 128 characters"},
        Mutation{"city 128", "company_city", S(std::string(128, 'c')), false, nullptr},
        Mutation{"city 129", "company_city", S(Repeat(kBei, 129)), false,
                 "company_city: must be at most 128 characters"},
        Mutation{"company control", "company_name", S("A\0B"s), false,
                 "company_name: must not contain control characters"},
        Mutation{"unknown field ignored", "extra", S("x"), false, nullptr},
        Mutation{"ent: ok", "extra", 1, false, nullptr},
        Mutation{"ent: country missing",
                 "company_country",
                 {},
                 true,
                 "company_country is required for ENTERPRISE usage"},
        Mutation{"ent: province missing",
                 "company_province",
                 {},
                 true,
                 "company_province is required for ENTERPRISE usage"},
        Mutation{"ent: city missing",
                 "company_city",
                 {},
                 true,
                 "company_city is required for ENTERPRISE usage"},
        Mutation{"ent: name missing",
                 "company_name",
                 {},
                 true,
                 "company_name is required for ENTERPRISE usage"},
        Mutation{"ent: name null", "company_name", nullptr, false,
                 "company_name is required for ENTERPRISE usage"},
        Mutation{"ent: city empty", "company_city", S(""), false,
                 "company_city is required for ENTERPRISE usage"},
        Mutation{"ent: country bad", "company_country", S("C1"), false,
                 "company_country: must be two ASCII letters"},
        Mutation{"ent: name 65", "company_name", S(std::string(65, 'o')), false,
                 "company_name: must be at most 64 characters"}),
    [](const testing::TestParamInfo<Mutation>& info) {
      std::string n;
      for (const char* p = info.param.what; *p; ++p) n += std::isalnum(*p) ? *p : '_';
      return n;
    });

TEST(ParseCreateCsrTest, MessagesNeverEchoValues) {
  json::object b = Personal();
  b["name"] = std::string(70, 'S') + "hunter2";
  EXPECT_EQ(ParseCreateCsr(b).status().message().find("hunter2"), std::string::npos);
  b = Personal();
  b["domain_name"] = "hunter2_x.com";
  EXPECT_EQ(ParseCreateCsr(b).status().message().find("hunter2"), std::string::npos);
  b = Personal();
  b["private_key_algo"] = "hunter2";
  EXPECT_EQ(ParseCreateCsr(b).status().message().find("hunter2"), std::string::npos);
}

// ---- UpdateCsr / UploadCsr ----

TEST(ParseUpdateCsrTest, NameRule) {
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": "renamed"})")).value(), "renamed");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": "\ud83d\ude00"})")).value(), kEmoji);
  EXPECT_EQ(ParseUpdateCsr(Body(R"({})")).status().message(), "name is required");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": null})")).status().message(), "name is required");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": ""})")).status().message(),
            "name: must be 1..63 characters");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": 1})")).status().message(), "name: must be a string");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": "a\u007f"})")).status().message(),
            "name: must not contain control characters");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": "a\u0085"})")).status().message(),
            "name: must not contain control characters");
  EXPECT_EQ(ParseUpdateCsr(Body(R"({"name": "a\u0000"})")).status().message(),
            "name: must not contain control characters");
}

TEST(ParseUploadCsrTest, Fields) {
  auto r =
      ParseUploadCsr(Body(R"({"name": "up", "csr": "-----BEGIN CERTIFICATE REQUEST-----\nMII\n",)"
                          R"( "private_key": "-----BEGIN PRIVATE KEY-----\n"})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "up");
  EXPECT_EQ(r->csr, "-----BEGIN CERTIFICATE REQUEST-----\nMII\n");
  ASSERT_TRUE(r->private_key.has_value());
  EXPECT_EQ(r->private_key->view(), "-----BEGIN PRIVATE KEY-----\n");

  r = ParseUploadCsr(Body(R"({"name": "up", "csr": "pem"})"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->private_key.has_value());
  r = ParseUploadCsr(Body(R"({"name": "up", "csr": "pem", "private_key": null})"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->private_key.has_value());
  r = ParseUploadCsr(Body(R"({"name": "up", "csr": "pem", "private_key": ""})"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->private_key.has_value());
  EXPECT_EQ(r->private_key->view(), "");

  EXPECT_EQ(ParseUploadCsr(Body(R"({"csr": "pem"})")).status().message(), "name is required");
  EXPECT_EQ(ParseUploadCsr(Body(R"({"name": "", "csr": "pem"})")).status().message(),
            "name: must be 1..63 characters");
  EXPECT_EQ(ParseUploadCsr(Body(R"({"name": "up"})")).status().message(), "csr is required");
  EXPECT_EQ(ParseUploadCsr(Body(R"({"name": "up", "csr": null})")).status().message(),
            "csr is required");
  EXPECT_EQ(ParseUploadCsr(Body(R"({"name": "up", "csr": ""})")).status().message(),
            "csr: must not be empty");
  EXPECT_EQ(ParseUploadCsr(Body(R"({"name": "up", "csr": 1})")).status().message(),
            "csr: must be a string");
  EXPECT_EQ(
      ParseUploadCsr(Body(R"({"name": "up", "csr": "pem", "private_key": {}})")).status().message(),
      "private_key: must be a string");
}

}  // namespace
}  // namespace csrd::api
