#include "api/csr_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace csrd::api {
namespace {

TEST(CsrJsonTest, EveryContractFieldPresentNeverNull) {
  store::Csr c;
  c.id = "0123456789abcdef0123456789abcdef";
  c.name = "n";
  c.sans = " a.com , b.com";  // verbatim
  c.company_country = "cn";
  c.create_time = 1735804566545;
  c.update_time = 1735804566546;
  c.sealed_key = std::string("secret-bytes");
  auto o = CsrToJson(c);
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
  EXPECT_EQ(boost::json::serialize(o).find("secret-bytes"), std::string::npos);
}

}  // namespace
}  // namespace csrd::api
