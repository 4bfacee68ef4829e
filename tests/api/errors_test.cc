#include "api/errors.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace csrd::api {
namespace {

namespace json = boost::json;

TEST(ErrorsTest, PathDecidesTheShape) {
  EXPECT_TRUE(UsesKeystoneShape("/v3/auth/tokens"));
  EXPECT_TRUE(UsesKeystoneShape("/v3/auth/domains"));
  EXPECT_TRUE(UsesKeystoneShape("/v3/projects"));
  EXPECT_TRUE(UsesKeystoneShape("/v3/projects/abc"));
  EXPECT_TRUE(UsesKeystoneShape("/v3.0/OS-CREDENTIAL/credentials"));
  EXPECT_FALSE(UsesKeystoneShape("/v3/scm/csr"));
  EXPECT_FALSE(UsesKeystoneShape("/v3/authx"));
  EXPECT_FALSE(UsesKeystoneShape("/"));
  EXPECT_FALSE(UsesKeystoneShape(""));
}

TEST(ErrorsTest, ScmShapeCarriesCodeMessageAndRequestId) {
  auto r = RenderError("/v3/scm/csr/x", CsrNotFound(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.status, 400);
  auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v.at("error_code").as_string(), "SCM.0707");
  EXPECT_FALSE(v.at("error_msg").as_string().empty());
  EXPECT_EQ(v.at("request_id").as_string(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(v.size(), 3u);
}

TEST(ErrorsTest, KeystoneShapeHasNumericCode) {
  auto r = RenderError("/v3/auth/tokens", Unauthenticated("x"), "id");
  EXPECT_EQ(r.status, 401);
  auto v = json::parse(r.body).as_object();
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.at("code").as_int64(), 401);
  EXPECT_EQ(e.at("title").as_string(), "Unauthorized");
  EXPECT_FALSE(e.at("message").as_string().empty());
}

TEST(ErrorsTest, StatusMapping) {
  EXPECT_EQ(FromStatus(Status::InvalidArgument("name")).code, "SCM.0005");
  EXPECT_EQ(FromStatus(Status::NotFound("x")).code, "SCM.0707");
  EXPECT_EQ(FromStatus(Status::Unauthenticated("x")).status, 401);
  EXPECT_EQ(FromStatus(Status::PermissionDenied("x")).status, 403);
  EXPECT_EQ(FromStatus(Status::ResourceExhausted("x")).status, 429);
  auto internal = FromStatus(Status::Unavailable("sqlite says disk I/O error at /secret/path"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.code, "SCM.0500");
  // Lower-layer detail of a 500 never reaches the client.
  EXPECT_EQ(internal.message.find("sqlite"), std::string::npos);
}

TEST(ErrorsTest, CodesFitTheContractBounds) {
  for (const auto& e : {BadParameter("x"), CsrNotFound(), NoPrivateKey(), CsrQuotaReached(),
                        PrivateKeyUnparsable("x"), PrivateKeyMismatch(), Unauthenticated("x"),
                        Forbidden("x"), RouteNotFound(), BodyTooLarge(), HeadTooLarge(),
                        TooManyRequests(), InternalError()}) {
    EXPECT_GE(e.code.size(), 3u);
    EXPECT_LE(e.code.size(), 36u);
    EXPECT_LE(e.message.size(), 1024u);
  }
  EXPECT_EQ(BodyTooLarge().status, 413);
  EXPECT_EQ(HeadTooLarge().status, 431);
  EXPECT_EQ(RouteNotFound().code, "APIGW.0101");
}

TEST(ErrorsTest, LongMessagesAreCapped) {
  auto r = RenderError("/v3/scm/csr", BadParameter(std::string(5000, 'a')), "id");
  auto v = json::parse(r.body).as_object();
  EXPECT_LE(v.at("error_msg").as_string().size(), 1024u);
}

}  // namespace
}  // namespace csrd::api
