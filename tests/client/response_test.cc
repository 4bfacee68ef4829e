#include "client/response.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/json_wiping.h"

namespace csrd::client {
namespace {

HttpResponse Make(int status, std::string body, std::string request_id = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!request_id.empty()) r.headers.emplace_back("x-request-id", request_id);
  return r;
}

TEST(ResponseTest, DecodesTheScmShape) {
  auto e = DecodeApiError(Make(400,
                               R"({"error_code":"SCM.0707","error_msg":"The CSR does not exist.",)"
                               R"("request_id":"body-id"})",
                               "0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.error_code, "SCM.0707");
  EXPECT_EQ(e.error_msg, "The CSR does not exist.");
  EXPECT_EQ(e.request_id, "0123456789abcdef0123456789abcdef");  // the header wins, as in the SDKs
  EXPECT_FALSE(e.keystone);
  EXPECT_EQ(DescribeApiError(e),
            "HTTP 400 SCM.0707: The CSR does not exist. (request id 0123456789abcdef0123456789abcdef)");
  // Without the header the body's request_id is used.
  e = DecodeApiError(Make(400, R"({"error_code":"X.1","error_msg":"m","request_id":"body-id"})"));
  EXPECT_EQ(e.request_id, "body-id");
}

TEST(ResponseTest, DecodesKeystoneErrors) {
  auto e = DecodeApiError(Make(401,
                               R"({"error":{"code":401,"message":"The username or password is wrong.",)"
                               R"("title":"Unauthorized"}})",
                               "ab"));
  EXPECT_TRUE(e.keystone);
  EXPECT_EQ(e.error_code, "401");
  EXPECT_EQ(e.title, "Unauthorized");
  EXPECT_EQ(e.error_msg, "The username or password is wrong.");
  EXPECT_EQ(DescribeApiError(e), "HTTP 401 Unauthorized: The username or password is wrong. (request id ab)");
  auto j = boost::json::serialize(ApiErrorJson(e));
  EXPECT_EQ(j, R"({"error":{"status":401,"error_code":"401","error_msg":"The username or password is wrong.",)"
               R"("request_id":"ab","title":"Unauthorized"}})");
}

TEST(ResponseTest, OtherSpellingsAndFallbacks) {
  auto e = DecodeApiError(Make(403, R"({"errorCode":"E1","errorMsg":"camel"})"));
  EXPECT_EQ(e.error_code, "E1");
  EXPECT_EQ(e.error_msg, "camel");
  e = DecodeApiError(Make(409, R"({"outer":{"inner":{"code":"C","message":"deep"}}})"));
  EXPECT_EQ(e.error_code, "C");
  EXPECT_FALSE(e.keystone);
  e = DecodeApiError(Make(502, "<html>Bad Gateway</html>"));
  EXPECT_EQ(e.error_code, "502");
  EXPECT_EQ(e.error_msg, "<html>Bad Gateway</html>");
  e = DecodeApiError(Make(500, ""));
  EXPECT_EQ(e.error_msg, "(empty body)");
  e = DecodeApiError(Make(400, R"({"error_code":"only"})"));
  EXPECT_EQ(e.error_code, "400");
  e = DecodeApiError(Make(500, std::string(1000, 'x')));
  EXPECT_EQ(e.error_msg.size(), 303u);
}

TEST(ResponseTest, DescribeSanitizesServerText) {
  auto e = DecodeApiError(Make(400, "{\"error_code\":\"A\",\"error_msg\":\"x\\u001b[31my\"}", "r\x1b"));
  EXPECT_EQ(DescribeApiError(e), "HTTP 400 A: x?[31my (request id r?)");
}

TEST(ResponseTest, ParseJsonBody) {
  auto v = ParseJsonBody(R"({"private_key":"-----BEGIN PRIVATE KEY-----\n"})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->at("private_key").as_string(), "-----BEGIN PRIVATE KEY-----\n");
  // Copies made in the same storage stay usable after the parse result dies.
  boost::json::value copy(WipingJsonStorage());
  copy = *v;
  v = ParseJsonBody("[]");
  EXPECT_EQ(copy.at("private_key").as_string().size(), 28u);
  auto bad = ParseJsonBody("{not json secret}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace csrd::client
