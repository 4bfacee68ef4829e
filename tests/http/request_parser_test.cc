#include "http/request_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

namespace csrd::http::internal {
namespace {

// Feeds everything at once; returns the parser's error.
boost::beast::error_code Feed(RequestParser& p, std::string_view bytes) {
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < bytes.size()) {
    size_t n = p.Put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec || p.is_done() || n == 0) break;
  }
  return ec;
}

TEST(RequestParserTest, FillsTheRequest) {
  RequestParser p;
  p.body_limit(1024);
  auto ec = Feed(p, "DELETE /v3/scm/csr/abc?x=1 HTTP/1.0\r\nHost: h\r\nX-Dup: 1\r\n"
                    "x-dup:  2 \r\nContent-Length: 2\r\n\r\nhi");
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(p.is_done());
  Request& r = p.request();
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(r.target, "/v3/scm/csr/abc?x=1");
  EXPECT_EQ(r.path, "/v3/scm/csr/abc");
  EXPECT_EQ(r.query, "x=1");
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(p.version(), 10);
  EXPECT_TRUE(p.has_request_line());
  ASSERT_EQ(r.headers.fields().size(), 4u);
  EXPECT_EQ(r.headers.fields()[2].second, "2");  // surrounding whitespace trimmed
}

TEST(RequestParserTest, FieldValuesBeyond64KiB) {
  // Beast's own basic_fields cannot hold these; ours must.
  RequestParser p;
  p.header_limit(1 << 22);
  const std::string big(200000, 't');
  auto ec = Feed(p, "GET / HTTP/1.1\r\nX-Auth-Token: " + big + "\r\n\r\n");
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(*p.request().headers.Get("x-auth-token"), big);
}

TEST(RequestParserTest, RefusesTransferEncodingOtherThanChunked) {
  for (const char* te : {"gzip", "gzip, chunked", "chunked, gzip"}) {
    RequestParser p;
    auto ec = Feed(p, std::string("POST / HTTP/1.1\r\nTransfer-Encoding: ") + te + "\r\n\r\n");
    EXPECT_EQ(ec, boost::beast::http::error::bad_transfer_encoding) << te;
  }
  RequestParser ok;
  auto ec = Feed(ok, "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n");
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(ok.request().body, "z");
}

TEST(RequestParserTest, RefusesSmugglingShapes) {
  using e = boost::beast::http::error;
  struct Case {
    const char* request;
    e expected;
  } cases[] = {
      {"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", e::bad_content_length},
      {"POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\n{}",
       e::multiple_content_length},  // basic_parser's own check
      {"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n{}", e::bad_content_length},
      {"POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}", e::bad_content_length},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       e::bad_transfer_encoding},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
       e::bad_transfer_encoding},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       e::bad_transfer_encoding},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", e::bad_transfer_encoding},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", e::bad_field},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", e::bad_value},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n", e::bad_value},
      {"POST / HTTP/1.1\r\nContent-Length:\r\n 2\r\n\r\n{}", e::bad_value},
  };
  for (const Case& c : cases) {
    RequestParser p;
    EXPECT_EQ(Feed(p, c.request), c.expected) << c.request;
  }
  // Beast's own checks, relied upon: bare LF or CR line ends, NUL and other
  // control bytes in the head.
  for (const char* bad : {"GET / HTTP/1.1\nHost: a\n\n", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n",
                          "GET / HTTP/1.1\rHost: a\r\n\r\n", "GET /\x01 HTTP/1.1\r\n\r\n"}) {
    RequestParser p;
    const auto ec = Feed(p, bad);
    EXPECT_TRUE(ec && ec != boost::beast::http::error::need_more) << bad;
  }
  RequestParser nul;  // NUL inside a field value
  const auto ec = Feed(nul, std::string_view("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 29));
  EXPECT_TRUE(ec && ec != boost::beast::http::error::need_more);
}

TEST(RequestParserTest, AcceptsWhatLooksOddButIsFine) {
  for (const char* ok : {"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1 2\r\n\r\n",
                         "GET / HTTP/1.1\r\nHost:\ta\r\n\r\n",
                         "GET / HTTP/1.1\r\n\r\n",  // no Host: tolerated
                         "GET / HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
                         "POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n1234567"}) {
    RequestParser p;
    auto ec = Feed(p, ok);
    EXPECT_FALSE(ec) << ok << ": " << ec.message();
    EXPECT_TRUE(p.is_done()) << ok;
  }
  // A body may hold anything, obs-fold lookalikes included.
  RequestParser p;
  EXPECT_FALSE(Feed(p, "POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\na\r\n b\n"));
  EXPECT_EQ(p.request().body, "a\r\n b\n");
}

TEST(RequestParserTest, HasObsFold) {
  EXPECT_FALSE(HasObsFold("GET / HTTP/1.1\r\nA: 1\r\n\r\n body"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\n A: 1\r\n\r\n"));
  EXPECT_FALSE(HasObsFold("GET / HTTP/1.1\r\nA: 1\r\n\r\n\r\n x"));
}

TEST(RequestParserTest, ChunkedBodyLimit) {
  RequestParser p;
  p.body_limit(4);
  auto ec = Feed(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n");
  EXPECT_EQ(ec, boost::beast::http::error::body_limit);
}

TEST(RequestParserTest, RequestLineUnknownBeforeParsing) {
  RequestParser p;
  EXPECT_FALSE(p.has_request_line());
  EXPECT_EQ(p.version(), 11);
  auto ec = Feed(p, "GET /x\r\n\r\n");
  EXPECT_TRUE(ec);
  EXPECT_FALSE(p.has_request_line());
}

TEST(RequestParserTest, SplitTarget) {
  std::string path, query;
  SplitTarget("/a/b?c=d?e", &path, &query);
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "c=d?e");
  SplitTarget("/plain", &path, &query);
  EXPECT_EQ(path, "/plain");
  EXPECT_EQ(query, "");
  SplitTarget("/empty?", &path, &query);
  EXPECT_EQ(path, "/empty");
  EXPECT_EQ(query, "");
}

}  // namespace
}  // namespace csrd::http::internal
