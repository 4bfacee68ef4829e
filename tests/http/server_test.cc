// The server's HTTP behaviour over real loopback sockets: framing,
// keep-alive, pipelining, request ids, threading, errors.
#include "http/server.h"

#include <gtest/gtest.h>

#include <regex>

#include "http/test_support.h"

namespace csrd::http::testing {
namespace {

ServerOptions Fast() {
  ServerOptions o;
  o.worker_threads = 2;
  return o;
}

TEST(ServerTest, CreateRejectsBadOptions) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.port = 0;
  o.worker_threads = 0;
  EXPECT_TRUE(Server::Create(o, &h).status().IsInvalidArgument());
  o = Fast();
  o.port = 0;
  EXPECT_TRUE(Server::Create(o, nullptr).status().IsInvalidArgument());
  o.host = "192.0.2.1";  // TEST-NET-1: not an address of this host, so bind fails
  EXPECT_TRUE(Server::Create(o, &h).status().IsUnavailable());
}

TEST(ServerTest, HostNamesAreResolved) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.host = "localhost";  // /etc/hosts, no DNS
  o.port = 0;
  auto s = Server::Create(o, &h);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NE((*s)->port(), 0);
}

TEST(ServerTest, BindingAPortInUseFails) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  ServerOptions o = Fast();
  o.port = s.port();
  auto second = Server::Create(o, &h);
  EXPECT_TRUE(second.status().IsUnavailable()) << second.status().ToString();
}

TEST(ServerTest, KeepAliveServesTenRequestsOnOneConnection) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  for (int i = 0; i < 10; ++i) {
    auto r = c.RoundTrip(Get("/echo?i=" + std::to_string(i)));
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_TRUE(r->keep_alive());
    EXPECT_EQ(r->body().rfind("GET /echo i=" + std::to_string(i) + " 0 ", 0), 0u) << r->body();
  }
  EXPECT_EQ(h.handle_calls.load(), 10);
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  std::string all;
  for (int i = 0; i < 16; ++i) {
    // Mix bodies in so that a request's tail and the next head share reads.
    all += i % 3 == 0 ? Post("/p?i=" + std::to_string(i), "body" + std::to_string(i))
                      : Get("/g?i=" + std::to_string(i));
  }
  ASSERT_TRUE(c.Send(all));
  for (int i = 0; i < 16; ++i) {
    auto r = c.Read();
    ASSERT_TRUE(r) << "response " << i;
    ASSERT_EQ(r->result_int(), 200);
    const std::string want = i % 3 == 0 ? "POST /p i=" + std::to_string(i) : "GET /g i=" + std::to_string(i);
    EXPECT_EQ(r->body().rfind(want + " ", 0), 0u) << r->body();
    if (i % 3 == 0) {
      EXPECT_NE(r->body().find("body=body" + std::to_string(i) + "\n"), std::string::npos);
    }
  }
}

TEST(ServerTest, EchoesMethodPathQueryHeadersInOrder) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip("PATCH /a%2Fb/c?x=1&y=%20 HTTP/1.1\r\nHost: t\r\nX-B: 2\r\nx-a: 1\r\n"
                       "X-B: 3\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(r);
  Request seen = h.last();
  EXPECT_EQ(seen.method, "PATCH");
  EXPECT_EQ(seen.target, "/a%2Fb/c?x=1&y=%20");
  EXPECT_EQ(seen.path, "/a%2Fb/c");
  EXPECT_EQ(seen.query, "x=1&y=%20");
  EXPECT_EQ(seen.body, "abc");
  EXPECT_EQ(seen.remote_addr, "127.0.0.1");
  ASSERT_EQ(seen.headers.fields().size(), 5u);
  EXPECT_EQ(seen.headers.fields()[1].first, "X-B");
  EXPECT_EQ(seen.headers.fields()[2].first, "x-a");
  EXPECT_EQ(seen.headers.Count("x-b"), 2u);
  EXPECT_EQ(*seen.headers.Get("X-A"), "1");
}

TEST(ServerTest, RequestIdIsFreshHexAndMatchesTheHandlersView) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto a = c.RoundTrip(Get("/one"));
  auto b = c.RoundTrip(Get("/two"));
  ASSERT_TRUE(a && b);
  const std::string ia = Header(*a, "X-Request-Id"), ib = Header(*b, "X-Request-Id");
  static const std::regex kHex32("^[0-9a-f]{32}$");
  EXPECT_TRUE(std::regex_match(ia, kHex32)) << ia;
  EXPECT_TRUE(std::regex_match(ib, kHex32)) << ib;
  EXPECT_NE(ia, ib);
  auto ids = h.request_ids();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], ia);
  EXPECT_EQ(ids[1], ib);
  // Server-made responses carry one too.
  auto bad = c.RoundTrip("NOT A REQUEST\r\n\r\n");
  ASSERT_TRUE(bad);
  EXPECT_TRUE(std::regex_match(Header(*bad, "X-Request-Id"), kHex32));
}

TEST(ServerTest, DefaultHeaders) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto echo = c.RoundTrip(Get("/echo"));
  ASSERT_TRUE(echo);
  EXPECT_EQ(Header(*echo, "Content-Type"), "text/plain");  // the handler's own
  EXPECT_EQ(Header(*echo, "Content-Length"), std::to_string(echo->body().size()));
  EXPECT_TRUE(std::regex_match(Header(*echo, "Date"),
                               std::regex("^[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} "
                                          "\\d\\d:\\d\\d:\\d\\d GMT$")));
  auto nf = c.RoundTrip(Get("/missing"));
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->result_int(), 404);
  EXPECT_EQ(Header(*nf, "Content-Type"), "application/json;charset=UTF-8");
}

TEST(ServerTest, NoContentHasNoBodyAndKeepsFraming) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/nocontent") + Get("/after")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 204);
  EXPECT_TRUE(r->body().empty());
  EXPECT_EQ(r->find("Content-Length"), r->end());
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body().rfind("GET /after ", 0), 0u) << next->body();
}

TEST(ServerTest, HeadResponseAnnouncesLengthWithoutBody) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  ASSERT_TRUE(c.Send("HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/after")));
  auto head = c.Read(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_NE(Header(*head, "Content-Length"), "0");
  auto next = c.Read();  // would be garbage had the HEAD body been sent
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body().rfind("GET /after ", 0), 0u);
}

// A sensitive answer (wiped by the server once written) goes out whole, on
// GET and on HEAD, and the connection carries on.
TEST(ServerTest, SensitiveAnswersAreSentWhole) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto plain = c.RoundTrip(Get("/echo"));
  auto secret = c.RoundTrip(Get("/secret"));
  ASSERT_TRUE(plain && secret);
  EXPECT_EQ(secret->body().rfind("GET /secret ", 0), 0u) << secret->body();
  EXPECT_EQ(secret->body().size(), plain->body().size() + 2);  // "/secret" vs "/echo"
  ASSERT_TRUE(c.Send("HEAD /secret HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/after")));
  auto head = c.Read(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_NE(Header(*head, "Content-Length"), "0");
  auto next = c.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body().rfind("GET /after ", 0), 0u);
}

TEST(ServerTest, HandlersRunOffTheIoThread) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  ASSERT_TRUE(c.RoundTrip(Post("/x", "abc")));
  ASSERT_TRUE(c.RoundTrip(Get("/y")));
  ASSERT_FALSE(h.handle_threads().empty());
  EXPECT_EQ(h.handle_threads().count(s.io_thread()), 0u);
  EXPECT_EQ(h.preflight_threads().count(s.io_thread()), 0u);
  EXPECT_EQ(h.handle_threads().count(std::this_thread::get_id()), 0u);
}

TEST(ServerTest, ThrowingHandlerGets500AndServerKeepsServing) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(Get("/throw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500);
  const std::string id = Header(*r, "X-Request-Id");
  EXPECT_EQ(r->body(), R"({"error_code":"SCM.0500","error_msg":"Internal error","request_id":")" +
                           id + "\"}");
  EXPECT_EQ(Header(*r, "Content-Type"), "application/json;charset=UTF-8");
  auto again = c.RoundTrip(Get("/fine"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 200);
  Client other(s.port());
  EXPECT_TRUE(other.RoundTrip(Get("/fine")));
}

TEST(ServerTest, BadRequestLineIs400AndCloses) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip("GET /x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(h.handle_calls.load(), 0);
  ASSERT_EQ(h.rejects().size(), 1u);
  EXPECT_EQ(h.rejects()[0].first, Rejection::kBadRequest);
}

TEST(ServerTest, AmbiguousFramingNeverReachesTheHandler) {
  const char* cases[] = {
      "POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
  };
  FakeHandler h;
  RunningServer s(Fast(), &h);
  for (const char* req : cases) {
    Client c(s.port());
    ASSERT_TRUE(c.Send(req));
    auto r = c.Read();
    if (r) {
      EXPECT_EQ(r->result_int(), 400) << req;
    }
    EXPECT_TRUE(c.PeerClosed()) << req;
  }
  EXPECT_EQ(h.handle_calls.load(), 0);
}

TEST(ServerTest, ChunkedBodyIsAssembled) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(h.last().body, "abcde");
}

TEST(ServerTest, PreflightAnswerSkipsTheBody) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  {  // Body announced but never sent: 404 at once, then close.
    Client c(s.port());
    auto r = c.RoundTrip("POST /missing HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 404);
    EXPECT_TRUE(c.PeerClosed());
  }
  {  // Unknown route beats size: 404, not 413.
    Client c(s.port());
    auto r = c.RoundTrip("POST /missing HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 404);
  }
  {  // Without a body the connection stays usable.
    Client c(s.port());
    auto r = c.RoundTrip(Get("/missing"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 404);
    EXPECT_TRUE(r->keep_alive());
    EXPECT_TRUE(c.RoundTrip(Get("/ok")));
  }
  EXPECT_EQ(h.handle_calls.load(), 1);
}

TEST(ServerTest, ExpectContinueIsAnswered) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  ASSERT_TRUE(c.Send("POST /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->result_int(), 100);
  ASSERT_TRUE(c.Send("wxyz"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(h.last().body, "wxyz");
}

TEST(ServerTest, ConnectionCloseAndHttp10) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  {
    Client c(s.port());
    auto r = c.RoundTrip(Get("/a", "Connection: close\r\n"));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.PeerClosed());
  }
  {
    Client c(s.port());
    auto r = c.RoundTrip("GET /b HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->version(), 10);
    EXPECT_TRUE(c.PeerClosed());
  }
  {
    Client c(s.port());
    auto r = c.RoundTrip("GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->keep_alive());
    EXPECT_TRUE(c.RoundTrip("GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  }
}

TEST(ServerTest, ManyClientsWithSeveralIoThreads) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.io_threads = 3;
  o.worker_threads = 4;
  RunningServer s(o, &h);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      Client c(s.port());
      for (int i = 0; i < 25; ++i) {
        auto r = c.RoundTrip(Post("/m?t=" + std::to_string(t), std::string(i * 10, 'z')));
        if (r && r->result_int() == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace csrd::http::testing
