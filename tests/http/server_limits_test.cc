// The server's limits over real loopback sockets: sizes, timeouts, caps and
// shutdown.
#include <gtest/gtest.h>

#include "http/server.h"
#include "http/test_support.h"

namespace csrd::http::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr size_t kHeadLimit = 2 * 1024 * 1024 + 16 * 1024;
constexpr size_t kBodyLimit = 12 * 1024 * 1024;

ServerOptions Fast() {
  ServerOptions o;
  o.worker_threads = 2;
  return o;
}

// A GET whose head (request-line to the final CRLF) is exactly `size` bytes.
std::string HeadOfSize(size_t size) {
  const std::string start = "GET /big HTTP/1.1\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'p') + end;
}

// With one I/O thread, bytes already sent on other connections are read
// before a new connection is answered: a round trip here replaces a sleep
// that hoped the server had read them.
void ProveRead(uint16_t port) {
  Client probe(port);
  ASSERT_TRUE(probe.RoundTrip(Get("/probe")));
}

long long MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
}

TEST(ServerLimitsTest, TwoMebibyteTokenArrivesIntact) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  std::string token(2097152, 'a');
  for (size_t i = 0; i < token.size(); i += 997) token[i] = static_cast<char>('b' + i % 20);
  auto r = c.RoundTrip(Get("/tok", "X-Auth-Token: " + token + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  const Request last = h.last();
  auto seen = last.headers.Get("X-Auth-Token");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->size(), token.size());
  EXPECT_TRUE(*seen == token);
  // The connection is still good for small requests.
  EXPECT_TRUE(c.RoundTrip(Get("/small")));
}

TEST(ServerLimitsTest, HeadAtTheLimitIsServed) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(HeadOfSize(kHeadLimit));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
}

TEST(ServerLimitsTest, HeadOneByteOverTheLimitIs431AndCloses) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(HeadOfSize(kHeadLimit + 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(h.preflight_calls.load(), 0);
  ASSERT_EQ(h.rejects().size(), 1u);
  EXPECT_EQ(h.rejects()[0].first, Rejection::kHeadTooLarge);
  EXPECT_EQ(h.rejects()[0].second, "/big");  // the shape of the error follows the path
}

TEST(ServerLimitsTest, EndlessHeadIsCutOffAt431) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.header_limit = 4096;
  RunningServer s(o, &h);
  Client c(s.port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\n"));
  ASSERT_TRUE(c.Send(std::string(8192, 'h')));  // no end of head in sight
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431);
  EXPECT_TRUE(c.PeerClosed());
}

TEST(ServerLimitsTest, OversizedContentLengthIs413WithoutReadingTheBody) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip("POST /up HTTP/1.1\r\nContent-Length: " + std::to_string(kBodyLimit + 1) +
                       "\r\n\r\n");
  ASSERT_TRUE(r);  // arrives although no body byte was sent
  EXPECT_EQ(r->result_int(), 413);
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(h.preflight_calls.load(), 1);  // route check first
  EXPECT_EQ(h.handle_calls.load(), 0);
  ASSERT_EQ(h.rejects().size(), 1u);
  EXPECT_EQ(h.rejects()[0].first, Rejection::kBodyTooLarge);
  EXPECT_EQ(h.rejects()[0].second, "/up");
}

TEST(ServerLimitsTest, BodyOfExactlyTheLimitIsAccepted) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(Post("/up", std::string(kBodyLimit, 'b')));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(h.last().body.size(), kBodyLimit);
}

std::string Chunked(size_t total, size_t chunk) {
  std::string out = "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size_line[32];
  for (size_t sent = 0; sent < total;) {
    const size_t n = std::min(chunk, total - sent);
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
    out += size_line;
    out.append(n, 'c');
    out += "\r\n";
    sent += n;
  }
  return out + "0\r\n\r\n";
}

TEST(ServerLimitsTest, ChunkedBodyOverTheLimitIs413) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  c.Send(Chunked(kBodyLimit + 1024 * 1024, 1024 * 1024));  // may fail once the server closes
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(h.handle_calls.load(), 0);
}

TEST(ServerLimitsTest, ChunkedBodyOfExactlyTheLimitIsAccepted) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  auto r = c.RoundTrip(Chunked(kBodyLimit, 1000 * 1000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(h.last().body.size(), kBodyLimit);
}

TEST(ServerLimitsTest, IdleConnectionIsClosed) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.idle_timeout_s = 1;
  RunningServer s(o, &h);
  Client fresh(s.port());
  Client used(s.port());
  ASSERT_TRUE(used.RoundTrip(Get("/x")));
  const auto t0 = Clock::now();
  EXPECT_TRUE(fresh.PeerClosed());
  EXPECT_TRUE(used.PeerClosed());
  EXPECT_LT(MsSince(t0), 2500);
}

TEST(ServerLimitsTest, SlowlorisIsClosedAfterTheRequestTimeout) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.idle_timeout_s = 10;
  o.request_timeout_s = 1;
  RunningServer s(o, &h);
  Client c(s.port(), milliseconds(200));
  const auto t0 = Clock::now();
  const std::string head = Get("/slow", "X-A: 1\r\nX-B: 2\r\nX-C: 3\r\n");
  bool closed = false;
  // One byte every 100 ms: the head would take ~6 s to arrive.
  for (size_t i = 0; i < head.size() && !closed; ++i) {
    if (!c.Send(head.substr(i, 1))) break;
    closed = c.PeerClosed();  // waits up to 200 ms
  }
  while (!closed && MsSince(t0) < 3000) closed = c.PeerClosed();
  EXPECT_TRUE(closed);
  EXPECT_GE(MsSince(t0), 900);
  EXPECT_LT(MsSince(t0), 2500);
  EXPECT_EQ(h.preflight_calls.load(), 0);
}

TEST(ServerLimitsTest, HandlerTimeDoesNotCountAgainstTheRequest) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.request_timeout_s = 2;
  RunningServer s(o, &h);
  Client c(s.port());
  // 1 s of head, then 1.5 s in the handler: past 2 s in total, yet served
  // (1 s of slack for a loaded machine on the head's side).
  ASSERT_TRUE(c.Send("GET /sleep?ms=1500 HTTP/1.1\r\n"));
  std::this_thread::sleep_for(milliseconds(1000));
  auto r = c.RoundTrip("Host: t\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
}

TEST(ServerLimitsTest, ConnectionsBeyondTheCapGet429) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.max_connections = 2;
  RunningServer s(o, &h);
  auto a = std::make_unique<Client>(s.port());
  Client b(s.port());
  ASSERT_TRUE(a->RoundTrip(Get("/a")));
  ASSERT_TRUE(b.RoundTrip(Get("/b")));
  {
    Client third(s.port());
    auto r = third.Read();  // answered without sending anything
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 429);
    EXPECT_TRUE(third.PeerClosed());
  }
  a.reset();  // frees a place, once the server notices
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    Client again(s.port());
    auto r = again.RoundTrip(Get("/again"));
    served = r && r->result_int() == 200;
    if (!served) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST(ServerLimitsTest, FullHandlerQueueGets429) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.worker_threads = 1;
  o.max_queued_requests = 1;
  RunningServer s(o, &h);
  Client busy(s.port());
  ASSERT_TRUE(busy.Send(Get("/sleep?ms=1500")));  // time for c to be queued behind it
  ASSERT_TRUE(h.WaitSleeping(milliseconds(2000)));
  Client c(s.port());
  auto r = c.RoundTrip(Get("/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 429);
  EXPECT_TRUE(r->keep_alive());  // no body pending: the connection survives
  auto done = busy.Read();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->result_int(), 200);
  auto later = c.RoundTrip(Get("/y"));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->result_int(), 200);
}

TEST(ServerLimitsTest, LargeRequestsInFlightAreCapped) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.large_request_threshold = 1024;
  o.max_large_requests = 1;
  RunningServer s(o, &h);
  Client first(s.port());
  ASSERT_TRUE(first.Send("GET /a HTTP/1.1\r\nX-Pad: " + std::string(4096, 'p')));  // unfinished
  ProveRead(s.port());
  Client second(s.port());
  auto r = second.RoundTrip(HeadOfSize(4096));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 429);
  // Small requests are not affected, and the first one completes.
  Client small(s.port());
  EXPECT_TRUE(small.RoundTrip(Get("/s")));
  auto done = first.RoundTrip("\r\n\r\n");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->result_int(), 200);
  // Its slot is free again.
  Client third(s.port());
  auto ok = third.RoundTrip(HeadOfSize(4096));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200);
}

TEST(ServerLimitsTest, LargeBodiesCountAgainstTheSameCap) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.large_request_threshold = 1024;
  o.max_large_requests = 1;
  RunningServer s(o, &h);
  const std::string head = "POST /b HTTP/1.1\r\nContent-Length: 8192\r\n\r\n";
  Client first(s.port());
  ASSERT_TRUE(first.Send(head + std::string(4096, 'x')));  // half a body
  for (int i = 0; i < 500 && h.preflight_calls.load() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ProveRead(s.port());
  Client second(s.port());
  ASSERT_TRUE(second.Send(head + std::string(4096, 'y')));
  auto r = second.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 429);
  EXPECT_TRUE(second.PeerClosed());
  auto done = first.RoundTrip(std::string(4096, 'x'));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->result_int(), 200);
  EXPECT_EQ(h.last().body.size(), 8192u);
}

TEST(ServerLimitsTest, StopLetsTheRunningHandlerAnswer) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client idle(s.port());
  ASSERT_TRUE(idle.RoundTrip(Get("/warm")));
  Client c(s.port());
  ASSERT_TRUE(c.Send(Get("/sleep?ms=1500")));  // Stop begins while it runs
  ASSERT_TRUE(h.WaitSleeping(milliseconds(2000)));
  std::thread stopper([&] { s.StopAndJoin(5000); });
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_FALSE(r->keep_alive());
  stopper.join();
  EXPECT_TRUE(s.returned());
  EXPECT_TRUE(idle.PeerClosed());
  // Nothing listens any more.
  boost::asio::io_context ioc;
  tcp::socket probe(ioc);
  boost::system::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()), ec);
  EXPECT_TRUE(ec);
}

TEST(ServerLimitsTest, StopGraceBoundsTheWait) {
  FakeHandler h;
  RunningServer s(Fast(), &h);
  Client c(s.port());
  ASSERT_TRUE(c.RoundTrip(Get("/warm")));    // accepted and idle
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\n"));  // a head that never ends
  ProveRead(s.port());  // c is mid-head, which Stop waits for (idle would close)
  auto took = s.StopAndJoin(200);
  EXPECT_GE(took.count(), 150);
  EXPECT_LT(took.count(), 2000);
}

TEST(ServerLimitsTest, GraceExpiringDuringAHandlerStillShutsDownCleanly) {
  FakeHandler h;
  auto s = std::make_unique<RunningServer>(Fast(), &h);
  Client c(s->port());
  ASSERT_TRUE(c.Send(Get("/sleep?ms=1000")));  // the 50 ms grace ends while it runs
  ASSERT_TRUE(h.WaitSleeping(milliseconds(2000)));
  // Run() returns once the pool is idle, i.e. after the 1 s handler; its
  // response is abandoned with the connection.
  auto took = s->StopAndJoin(50);
  EXPECT_LT(took.count(), 3000);
  s.reset();  // destroys the connection the handler answered for
  EXPECT_FALSE(c.Read());
}

TEST(ServerLimitsTest, StopBeforeRunAndDestroyWithoutRun) {
  FakeHandler h;
  ServerOptions o = Fast();
  o.port = 0;
  {
    auto s = Server::Create(o, &h);
    ASSERT_TRUE(s.ok());
    EXPECT_NE((*s)->port(), 0);
  }
  auto s = Server::Create(o, &h);
  ASSERT_TRUE(s.ok());
  (*s)->Stop();
  const auto t0 = Clock::now();
  (*s)->Run();  // returns at once
  (*s)->Run();  // a second call too
  EXPECT_LT(MsSince(t0), 1000);
}

}  // namespace
}  // namespace csrd::http::testing
