#include "http/wire.h"

#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <sstream>

namespace csrd::http::internal {
namespace {

std::string Serialize(WireResponse& r) {
  std::ostringstream out;
  out << r;
  return out.str();
}

WireOptions Opts(bool keep_alive = true) {
  WireOptions o;
  o.request_id = "0123456789abcdef0123456789abcdef";
  o.keep_alive = keep_alive;
  return o;
}

TEST(WireTest, HttpDate) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(WireTest, AddsServerHeadersAndJsonDefault) {
  Response r;
  r.status = 201;
  r.body = "{}";
  auto w = BuildWireResponse(r, Opts());
  EXPECT_EQ(w->result_int(), 201u);
  EXPECT_EQ((*w)["X-Request-Id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ((*w)["Content-Type"], "application/json;charset=UTF-8");
  EXPECT_EQ((*w)["Content-Length"], "2");
  EXPECT_FALSE((*w)["Date"].empty());
  EXPECT_TRUE(w->keep_alive());
  EXPECT_EQ(w->body(), "{}");
}

TEST(WireTest, EmptyBodyHasLengthZeroAndNoType) {
  auto w = BuildWireResponse(Response{}, Opts());
  EXPECT_EQ((*w)["Content-Length"], "0");
  EXPECT_EQ(w->find("Content-Type"), w->end());
}

TEST(WireTest, HandlerHeadersKeptButFramingIsTheServers) {
  Response r;
  r.body = "abc";
  r.SetHeader("Content-Type", "text/plain");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Content-Length", "999");
  r.SetHeader("Transfer-Encoding", "chunked");
  r.SetHeader("X-Request-Id", "forged");
  r.SetHeader("X-Evil", "a\r\nSet-Cookie: x=1");
  r.SetHeader("Bad Name", "v");
  auto w = BuildWireResponse(r, Opts());
  const std::string text = Serialize(*w);
  EXPECT_EQ((*w)["Content-Type"], "text/plain");
  EXPECT_EQ((*w)["Cache-Control"], "no-store");
  EXPECT_EQ((*w)["Content-Length"], "3");
  EXPECT_EQ(w->find("Transfer-Encoding"), w->end());
  EXPECT_EQ((*w)["X-Request-Id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(text.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(text.find("Bad Name"), std::string::npos);
  EXPECT_EQ(text.find("forged"), std::string::npos);
}

TEST(WireTest, HandlerConnectionCloseWins) {
  Response r;
  r.SetHeader("Connection", "keep-alive, Close");
  auto w = BuildWireResponse(r, Opts(true));
  EXPECT_FALSE(w->keep_alive());
  EXPECT_NE(Serialize(*w).find("Connection: close\r\n"), std::string::npos);
}

TEST(WireTest, NoContentHasNoBodyNorLength) {
  Response r;
  r.status = 204;
  r.body = "dropped";
  auto w = BuildWireResponse(r, Opts());
  EXPECT_TRUE(w->body().empty());
  EXPECT_EQ(w->find("Content-Length"), w->end());
  EXPECT_EQ(w->find("Content-Type"), w->end());
}

TEST(WireTest, HeadAnnouncesTheLength) {
  Response r;
  r.body = "12345";
  WireOptions o = Opts();
  o.head_request = true;
  auto w = BuildWireResponse(r, o);
  EXPECT_EQ((*w)["Content-Length"], "5");
  EXPECT_TRUE(w->body().empty());
}

TEST(WireTest, Http10KeepAliveIsExplicit) {
  WireOptions o = Opts(true);
  o.version = 10;
  auto w = BuildWireResponse(Response{}, o);
  EXPECT_EQ(w->version(), 10u);
  EXPECT_EQ((*w)["Connection"], "keep-alive");
  o.keep_alive = false;
  auto c = BuildWireResponse(Response{}, o);
  EXPECT_FALSE(c->keep_alive());
}

TEST(WireTest, StatusOutOfRangeBecomes500) {
  Response r;
  r.status = 42;
  EXPECT_EQ(BuildWireResponse(r, Opts())->result_int(), 500u);
  r.status = 1000;
  EXPECT_EQ(BuildWireResponse(r, Opts())->result_int(), 500u);
}

TEST(WireTest, InternalError) {
  Response r = InternalErrorResponse("abc");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error_code":"SCM.0500","error_msg":"Internal error","request_id":"abc"})");
}

TEST(WireTest, IsToken) {
  EXPECT_TRUE(IsToken("X-Auth-Token"));
  EXPECT_TRUE(IsToken("a!#$%&'*+-.^_`|~9"));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken("a b"));
  EXPECT_FALSE(IsToken("a:b"));
}

}  // namespace
}  // namespace csrd::http::internal
