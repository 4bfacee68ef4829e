#include "api/access_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <utility>

#include "core/log_format.h"

namespace csrd::api {
namespace {

AccessRecord Sample() {
  AccessRecord r;
  r.request_id = "0123456789abcdef0123456789abcdef";
  r.method = "POST";
  r.route = "/v3/scm/csr";
  r.remote_addr = "192.0.2.1";
  r.account_id = "a1";
  r.user_id = "u1";
  r.status = 201;
  r.latency_us = 12345;
  r.bytes_in = 100;
  r.bytes_out = 2000;
  return r;
}

TEST(AccessLog, JsonFieldsMakeOneObjectWithEveryField) {
  const std::string line = JsonLogLine(0, "info", "access", AccessJsonFields(Sample()));
  ASSERT_EQ(line.back(), '\n');
  auto v = boost::json::parse(line);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("msg").as_string(), "access");
  EXPECT_EQ(o.at("request_id").as_string(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(o.at("account_id").as_string(), "a1");
  EXPECT_EQ(o.at("user_id").as_string(), "u1");
  EXPECT_EQ(o.at("method").as_string(), "POST");
  EXPECT_EQ(o.at("route").as_string(), "/v3/scm/csr");
  EXPECT_EQ(o.at("status").as_int64(), 201);
  EXPECT_DOUBLE_EQ(o.at("latency_ms").as_double(), 12.345);
  EXPECT_EQ(o.at("latency_us").as_int64(), 12345);
  EXPECT_EQ(o.at("bytes_in").as_int64(), 100);
  EXPECT_EQ(o.at("bytes_out").as_int64(), 2000);
  EXPECT_EQ(o.at("remote_addr").as_string(), "192.0.2.1");
  EXPECT_EQ(o.size(), 14u);
}

TEST(AccessLog, JsonLineIsTheRecordWithTheFieldsSpliced) {
  AccessRecord r = Sample();
  EXPECT_EQ(AccessJsonLine(r, 1735804566545),
            JsonLogLine(1735804566545, "info", "access", AccessJsonFields(r)));
  EXPECT_EQ(AccessJsonLine(r, 0).substr(0, 77),
            "{\"time\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\",\"msg\":\"access\","
            "\"request_id\"");
}

TEST(AccessLog, HostileMethodStaysInsideItsString) {
  AccessRecord r = Sample();
  r.method = "GET\"},\n{\"x\":\"\xff";
  r.latency_us = 7;
  const std::string line = JsonLogLine(0, "info", "access", AccessJsonFields(r));
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto v = boost::json::parse(line);
  EXPECT_EQ(v.at("method").as_string(), "GET\"},\n{\"x\":\"\xef\xbf\xbd");
  EXPECT_DOUBLE_EQ(v.at("latency_ms").as_double(), 0.007);
  EXPECT_EQ(AccessText(r).find('\n'), std::string::npos);
}

TEST(AccessLog, TextForHumans) {
  AccessRecord r = Sample();
  r.account_id.clear();
  EXPECT_EQ(AccessText(r),
            "access 201 POST /v3/scm/csr 12.345ms in=100 out=2000 from=192.0.2.1 "
            "request_id=0123456789abcdef0123456789abcdef account=- user=u1");
}

TEST(AccessLog, ExactBytesOfBothEncodings) {
  EXPECT_EQ(AccessJsonFields(Sample()),
            ",\"request_id\":\"0123456789abcdef0123456789abcdef\",\"account_id\":\"a1\","
            "\"user_id\":\"u1\",\"method\":\"POST\",\"route\":\"/v3/scm/csr\",\"status\":201,"
            "\"latency_ms\":12.345,\"latency_us\":12345,\"bytes_in\":100,\"bytes_out\":2000,"
            "\"remote_addr\":\"192.0.2.1\"");
  AccessRecord r = Sample();
  for (auto [us, ms] : {std::pair<int64_t, const char*>{0, "0.000"}, {-5, "0.000"}, {7, "0.007"},
                        {999, "0.999"}, {1000, "1.000"}, {1050, "1.050"},
                        {123456789012, "123456789.012"}}) {
    r.latency_us = us;
    const std::string text = AccessText(r);
    EXPECT_NE(text.find(std::string(" ") + ms + "ms "), std::string::npos) << us << ": " << text;
    const std::string json = AccessJsonFields(r);
    EXPECT_NE(json.find(std::string("\"latency_ms\":") + ms + ","), std::string::npos) << json;
  }
  r.method = "G\xc3\xa9T X";  // non-ASCII and space: one word of '?'
  r.user_id = "";
  r.status = 404;
  r.bytes_out = 18446744073709551615ull;  // size_t max, unsigned as before
  EXPECT_NE(AccessText(r).find("access 404 G??T?X "), std::string::npos) << AccessText(r);
  EXPECT_NE(AccessText(r).find(" user=-"), std::string::npos);
  EXPECT_NE(AccessText(r).find(" out=18446744073709551615 "), std::string::npos);
  EXPECT_NE(AccessJsonFields(r).find("\"bytes_out\":18446744073709551615,"), std::string::npos);
}

TEST(AccessLog, QuietProbes) {
  AccessRecord r = Sample();
  for (const char* route : {"/health", "/ready", "/metrics"}) {
    r.route = route;
    r.status = 200;
    EXPECT_TRUE(IsQuietProbe(r)) << route;
    r.status = 500;
    EXPECT_FALSE(IsQuietProbe(r)) << route;
  }
  r.route = "/v3/scm/csr";
  r.status = 200;
  EXPECT_FALSE(IsQuietProbe(r));
}

}  // namespace
}  // namespace csrd::api
