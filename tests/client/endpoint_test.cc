#include "client/endpoint.h"

#include <gtest/gtest.h>

namespace csrd::client {
namespace {

TEST(EndpointTest, ParsesSchemesHostsAndPorts) {
  auto ep = ParseEndpoint("http://127.0.0.1:8080");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_FALSE(ep->tls);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 8080);
  EXPECT_EQ(ep->authority, "127.0.0.1:8080");
  EXPECT_EQ(ep->ToString(), "http://127.0.0.1:8080");

  ep = ParseEndpoint("HTTPS://csrd.example.com/");
  ASSERT_TRUE(ep.ok());
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->port, 443);
  EXPECT_EQ(ep->authority, "csrd.example.com");  // the Host header, exactly as written

  ep = ParseEndpoint("http://csrd");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 80);
}

TEST(EndpointTest, NoSchemeMeansHttpsLikeTheSdks) {
  auto ep = ParseEndpoint("scm.example.internal:8443");
  ASSERT_TRUE(ep.ok());
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->host, "scm.example.internal");
  EXPECT_EQ(ep->port, 8443);
}

TEST(EndpointTest, Ipv6InBrackets) {
  auto ep = ParseEndpoint("http://[::1]:9000");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 9000);
  EXPECT_EQ(ep->authority, "[::1]:9000");
  EXPECT_TRUE(IsIpLiteral(ep->host));
  EXPECT_TRUE(IsIpLiteral("10.1.2.3"));
  EXPECT_FALSE(IsIpLiteral("example.com"));
  EXPECT_FALSE(ParseEndpoint("http://[nope]:1").ok());
  EXPECT_FALSE(ParseEndpoint("http://[::1").ok());
}

TEST(EndpointTest, RefusesWhatTheSdksWouldSilentlyDrop) {
  for (const char* bad : {"http://h/v3", "http://h?x=1", "http://h#f", "http://u:p@h", "ftp://h",
                          "http://", "http://h:", "http://h:0", "http://h:65536", "http://h:12a",
                          "http://h h", "http://[::1]x"}) {
    auto ep = ParseEndpoint(bad);
    EXPECT_FALSE(ep.ok()) << bad;
    if (!ep.ok()) {
      EXPECT_TRUE(ep.status().IsInvalidArgument()) << bad;
    }
  }
}

}  // namespace
}  // namespace csrd::client
