#include "api/csr_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "crypto/csr.h"
#include "crypto/private_key.h"

namespace csrd::api {
namespace {

// The reference the text writer is checked against: the object built as a boost::json tree (a
// boost::json::object keeps insertion order, so serialize() gives the keys in this order).
boost::json::object CsrToJson(const store::Csr& c) {
  boost::json::object o;
  o.reserve(15);
  o["id"] = c.id;
  o["name"] = c.name;
  o["csr"] = c.csr_pem;
  o["domain_name"] = c.domain_name;
  o["sans"] = c.sans;
  o["private_key_algo"] = c.private_key_algo;
  o["usage"] = c.usage;
  o["company_country"] = c.company_country;
  o["company_province"] = c.company_province;
  o["company_city"] = c.company_city;
  o["company_name"] = c.company_name;
  o["create_time"] = c.create_time;
  o["update_time"] = c.update_time;
  o["export_count"] = c.export_count;
  o["last_export_time"] = c.last_export_time;
  return o;
}

TEST(CsrJsonTest, EveryContractFieldPresentNeverNull) {
  store::Csr c;
  c.id = "0123456789abcdef0123456789abcdef";
  c.name = "n";
  c.sans = " a.com , b.com";  // verbatim
  c.company_country = "cn";
  c.create_time = 1735804566545;
  c.update_time = 1735804566546;
  c.sealed_key = std::string("secret-bytes");
  const std::string text = CsrJsonText(c);
  auto o = boost::json::parse(text).as_object();
  for (const char* k : {"id", "name", "csr", "domain_name", "sans", "private_key_algo", "usage",
                        "company_country", "company_province", "company_city", "company_name"}) {
    ASSERT_TRUE(o.contains(k)) << k;
    EXPECT_TRUE(o.at(k).is_string()) << k;
  }
  EXPECT_EQ(o.at("sans").as_string(), " a.com , b.com");
  EXPECT_EQ(o.at("company_country").as_string(), "cn");
  EXPECT_TRUE(o.at("create_time").is_int64());
  EXPECT_EQ(o.at("create_time").as_int64(), 1735804566545);
  EXPECT_EQ(o.at("update_time").as_int64(), 1735804566546);
  EXPECT_EQ(o.at("export_count").as_int64(), 0);
  EXPECT_EQ(o.at("last_export_time").as_int64(), 0);
  // The sealed key never appears in the object.
  EXPECT_EQ(text.find("secret-bytes"), std::string::npos);
}

// Fields full of what needs escaping, and what must not be escaped.
store::Csr TrickyCsr(int i) {
  store::Csr c;
  c.id = "0123456789abcdef0123456789abcd" + std::to_string(10 + i);
  c.account_id = "acct";
  c.name = "q\"uote\\back/slash\ttab " + std::to_string(i);
  c.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\r\n-----END CERTIFICATE REQUEST-----\n";
  c.domain_name = "例え.jp";
  c.sans = " a.com ; b.com\x7f";
  c.private_key_algo = "EC_P256";
  c.usage = "PERSONAL";
  c.company_country = "CN";
  c.company_province = std::string("ctl\x01\x02\x1f" "\x00" "end", 10);
  c.company_city = "Zürich 🔑";
  c.company_name = "\b\f\n\r\t\"\\";
  c.create_time = 1735804566545 + i;
  c.update_time = -1;
  c.export_count = INT64_MAX;
  c.last_export_time = INT64_MIN;
  c.sealed_key = std::string("secret-bytes");
  return c;
}

TEST(CsrJsonTest, TextIsByteIdenticalToTheBoostTree) {
  for (int i = 0; i < 3; ++i) {
    const store::Csr c = TrickyCsr(i);
    EXPECT_EQ(CsrJsonText(c), boost::json::serialize(CsrToJson(c)));
  }
  store::Csr empty;  // every text field "", every number 0
  EXPECT_EQ(CsrJsonText(empty), boost::json::serialize(CsrToJson(empty)));
  EXPECT_EQ(CsrJsonText(TrickyCsr(0)).find("secret-bytes"), std::string::npos);
}

// The ListCsr body exactly as the handler built it before (a tree, then
// serialize).
std::string OldPageBody(const store::CsrPage& page) {
  boost::json::array items;
  for (const auto& c : page.items) items.emplace_back(CsrToJson(c));
  boost::json::object out;
  out["csr_list"] = std::move(items);
  out["total"] = page.total;
  return boost::json::serialize(out);
}

TEST(CsrJsonTest, PageIsByteIdenticalToTheBoostTree) {
  store::CsrPage page;
  page.total = 0;
  EXPECT_EQ(CsrPageJsonText(page), OldPageBody(page));  // {"csr_list":[],"total":0}
  for (int i = 0; i < 50; ++i) page.items.push_back(TrickyCsr(i));
  page.total = 123456;
  const std::string text = CsrPageJsonText(page);
  EXPECT_EQ(text, OldPageBody(page));
  auto parsed = boost::json::parse(text);  // and it is JSON
  EXPECT_EQ(parsed.at("csr_list").as_array().size(), 50u);
  EXPECT_EQ(parsed.at("csr_list").at(7).at("company_province").as_string(),
            std::string("ctl\x01\x02\x1f" "\x00" "end", 10));
}

TEST(CsrJsonTest, RandomFieldsMatchTheBoostTree) {
  std::mt19937 rng(4);
  auto text = [&rng] {
    std::string s(rng() % 40, '\0');
    for (char& ch : s) ch = static_cast<char>(rng() % 256);
    return s;
  };
  for (int i = 0; i < 300; ++i) {
    store::Csr c;
    for (std::string* f : {&c.id, &c.name, &c.csr_pem, &c.domain_name, &c.sans,
                           &c.private_key_algo, &c.usage, &c.company_country,
                           &c.company_province, &c.company_city, &c.company_name}) {
      *f = text();
    }
    c.create_time = static_cast<int64_t>(rng()) - 1000;
    ASSERT_EQ(CsrJsonText(c), boost::json::serialize(CsrToJson(c))) << i;
  }
}

// An uploaded CSR: the fields come from a real request parsed as the Upload
// handler parses it, with quotes, backslashes and non-ASCII in its subject.
TEST(CsrJsonTest, UploadedCsrWithOddSubjectMatchesTheBoostTree) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyAlgo::kEcP256);
  ASSERT_TRUE(key.ok());
  crypto::CsrSubject subject;
  subject.common_name = "odd.example.com";
  subject.country = "CN";
  subject.province = "Prov \"quoted\" \\ back";
  subject.city = "北京 / Zürich";
  subject.organization = "Org\tTab 🔑";
  auto pem = crypto::BuildCsrPem(*key, subject, {"odd.example.com", "x.example.com"});
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  auto parsed = crypto::ParseCsrPem(*pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  store::Csr c;
  c.id = "0123456789abcdef0123456789abcdef";
  c.name = "uploaded";
  c.csr_pem = parsed->pem;
  c.domain_name = parsed->common_names.at(0);
  c.sans = parsed->dns_sans.at(0) + ";" + parsed->dns_sans.at(1);
  c.private_key_algo = "EC_P256";
  c.usage = "ENTERPRISE";
  c.company_country = parsed->country.value_or("");
  c.company_province = parsed->province.value_or("");
  c.company_city = parsed->city.value_or("");
  c.company_name = parsed->organization.value_or("");
  c.uploaded = true;
  EXPECT_EQ(c.company_city, "北京 / Zürich");
  const std::string text = CsrJsonText(c);
  EXPECT_EQ(text, boost::json::serialize(CsrToJson(c)));
  EXPECT_EQ(boost::json::parse(text).at("company_name").as_string(), "Org\tTab 🔑");
}

}  // namespace
}  // namespace csrd::api
