// Tests of the harness's own parts: response framing, the load engine against
// a real loopback server, and the fast CSR loop's output. No timing asserts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/csr.h"
#include "fast_csr.h"
#include "http_response.h"
#include "load_engine.h"

namespace csrd::bench {
namespace {

using State = ResponseFramer::State;

TEST(ResponseFramer, ContentLengthAcrossFeeds) {
  std::string wire = "HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"id\":\"ab\"}";
  ResponseFramer f;
  EXPECT_EQ(f.Feed(wire.substr(0, 10)), State::kNeedMore);
  EXPECT_EQ(f.Feed(wire.substr(0, wire.size() - 1)), State::kNeedMore);
  const std::string with_next = wire + "HTTP/1.1";  // body() views into it
  ASSERT_EQ(f.Feed(with_next), State::kComplete);
  EXPECT_EQ(f.status(), 201);
  EXPECT_EQ(f.size(), wire.size());
  EXPECT_EQ(f.body(), "{\"id\":\"ab\"}");
  EXPECT_TRUE(f.keep_alive());
}

TEST(ResponseFramer, Chunked) {
  std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\n\r\n";
  ResponseFramer f;
  EXPECT_EQ(f.Feed(wire.substr(0, wire.size() - 2)), State::kNeedMore);
  ASSERT_EQ(f.Feed(wire), State::kComplete);
  EXPECT_EQ(f.body(), "abcdefg");
  EXPECT_EQ(f.size(), wire.size());
}

TEST(ResponseFramer, NoBodyStatusesAndClose) {
  ResponseFramer f;
  ASSERT_EQ(f.Feed("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"), State::kComplete);
  EXPECT_EQ(f.status(), 204);
  EXPECT_FALSE(f.keep_alive());
  f.Reset();
  ASSERT_EQ(f.Feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), State::kComplete);
  EXPECT_FALSE(f.keep_alive());
  f.Reset();
  ASSERT_EQ(f.Feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"),
            State::kComplete);
  EXPECT_TRUE(f.keep_alive());
}

TEST(ResponseFramer, Malformed) {
  ResponseFramer f;
  EXPECT_EQ(f.Feed("HTTX/1.1 200 OK\r\n\r\n"), State::kError);
  f.Reset();
  EXPECT_EQ(f.Feed("HTTP/1.1 200 OK\r\n\r\n"), State::kError);  // no framing
  f.Reset();
  EXPECT_EQ(f.Feed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), State::kError);
}

TEST(FindJsonString, PicksTheMember) {
  EXPECT_EQ(FindJsonString(R"({"id":"0123","name":"n"})", "id"), "0123");
  EXPECT_EQ(FindJsonString(R"({"name":"n"})", "id"), "");
  EXPECT_EQ(FindJsonString(R"({"id":5})", "id"), "");
}

TEST(Quantile, NearestRank) {
  std::vector<int64_t> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(Quantile(v, 0.5), 5);
  EXPECT_EQ(Quantile(v, 0.99), 10);
  EXPECT_EQ(Quantile(v, 0.0), 1);
  EXPECT_EQ(Quantile({}, 0.5), 0);
}

// A blocking loopback server: one thread per connection, answers every request
// head with a fixed response; closes after `close_after` answers on a
// connection (0: never) to exercise reconnects.
class TinyServer {
 public:
  TinyServer(std::string response, int close_after) : response_(std::move(response)), close_after_(close_after) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 64);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~TinyServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    for (auto& t : conns_) t.join();
  }
  uint16_t port() const { return port_; }
  int64_t served() const { return served_; }

 private:
  void Accept() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      conns_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    std::string in;
    char buf[4096];
    int answered = 0;
    while (true) {
      size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        continue;
      }
      in.erase(0, end + 4);
      // Counted before the send: the client may read the answer and the test
      // check served() before this thread runs again.
      ++served_;
      send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      if (close_after_ > 0 && ++answered >= close_after_) break;
    }
    close(c);
  }
  std::string response_;
  int close_after_;
  int fd_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> served_{0};
  std::thread acceptor_;
  std::vector<std::thread> conns_;
};

class CountingSource : public RequestSource {
 public:
  explicit CountingSource(int64_t limit) : limit_(limit) {}
  bool Next(unsigned, std::string* wire) override {
    if (limit_ > 0 && issued_.fetch_add(1) >= limit_) return false;
    *wire = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    return true;
  }
  bool OnResponse(unsigned, int status, std::string_view body) override {
    return status == 200 && body == "hello";
  }

 private:
  int64_t limit_;
  std::atomic<int64_t> issued_{0};
};

TEST(RunLoad, CappedRequestsAllCount) {
  TinyServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0);
  EngineOptions o;
  o.port = server.port();
  o.connections = 4;
  o.threads = 2;
  o.duration_s = 30;
  o.max_requests = 500;
  CountingSource src(0);
  LoadResult r = RunLoad(o, src);
  ASSERT_TRUE(r.fatal.empty());
  EXPECT_EQ(r.ok, 500);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.io_errors, 0);
  EXPECT_EQ(r.latencies_ns.size(), 500u);
  EXPECT_EQ(r.status_counts[200], 500);
  EXPECT_GT(r.window_s, 0);
}

TEST(RunLoad, SourceRunsOutAndServerClosesConnections) {
  // Connection: close on every answer forces a reconnect per request.
  TinyServer server("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", 1);
  EngineOptions o;
  o.port = server.port();
  o.connections = 3;
  o.duration_s = 30;
  CountingSource src(50);
  LoadResult r = RunLoad(o, src);
  EXPECT_EQ(r.ok, 50);
  EXPECT_GE(r.reconnects, 49);
  EXPECT_EQ(server.served(), 50);
}

TEST(RunLoad, WarmupRequestsAreLeftOut) {
  TinyServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nhello", 0);
  EngineOptions o;
  o.port = server.port();
  o.connections = 1;
  o.max_requests = 20;
  o.warmup_requests = 5;
  CountingSource src(0);
  LoadResult r = RunLoad(o, src);
  EXPECT_EQ(r.ok, 0);
  EXPECT_EQ(r.failed, 15);
  EXPECT_EQ(r.status_counts[404], 15);
}

TEST(RunLoad, RefusedConnectionsAreIoErrors) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);  // a port nobody listens on
  EngineOptions o;
  o.port = ntohs(a.sin_port);
  o.connections = 1;
  o.duration_s = 0.3;
  CountingSource src(0);
  LoadResult r = RunLoad(o, src);
  EXPECT_EQ(r.ok, 0);
  EXPECT_GT(r.io_errors, 0);
}

class FastCsrTest : public ::testing::TestWithParam<crypto::KeyAlgo> {};

TEST_P(FastCsrTest, CsrdAcceptsTheFastCsr) {
  const std::vector<std::string> dns{"www.example.com", "example.com"};
  auto maker = FastCsrMaker::Create(GetParam(), "www.example.com", dns);
  ASSERT_TRUE(maker.ok()) << maker.status().ToString();
  for (int i = 0; i < 2; ++i) {  // the reused contexts must survive reuse
    auto key = maker->Generate();
    ASSERT_TRUE(key.ok());
    std::string pem;
    ASSERT_TRUE(maker->BuildPem(key->get(), &pem).ok());
    auto parsed = crypto::ParseCsrPem(pem);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->algo, GetParam());
    EXPECT_EQ(parsed->dns_sans, dns);
    ASSERT_EQ(parsed->common_names.size(), 1u);
    EXPECT_EQ(parsed->common_names[0], "www.example.com");
    EXPECT_EQ(EVP_PKEY_eq(parsed->public_key.get(), key->get()), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Algos, FastCsrTest,
                         ::testing::Values(crypto::KeyAlgo::kRsa2048, crypto::KeyAlgo::kEcP256,
                                           crypto::KeyAlgo::kEcP384, crypto::KeyAlgo::kSm2));

}  // namespace
}  // namespace csrd::bench
