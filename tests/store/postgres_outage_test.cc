// PostgresStore through a database outage: on a private throwaway cluster
// (scripts/pg-cluster.sh, in a temp dir, on a free port) the server is
// stopped under an open store, calls answer Unavailable in bounded time, and
// once the server is back the same store serves again without reopening.
// Runs when CSRD_TEST_PG_URL is set (the CI always sets it), like every
// PostgreSQL test, although it does not use that server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/pg_test_util.h"
#include "store/postgres/postgres_store.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MakeCsr;
using testing::Q;
using Clock = std::chrono::steady_clock;

std::string ClusterScript() {
  if (const char* s = std::getenv("CSRD_PG_CLUSTER_SCRIPT")) return s;
  // tests/store/<this file> -> <repo>/scripts/pg-cluster.sh
  return (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "scripts" /
          "pg-cluster.sh")
      .string();
}

// Runs the script; returns its last output line, or nullopt on failure.
std::optional<std::string> Script(const std::string& args) {
  const std::string cmd = "'" + ClusterScript() + "' " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) out += buf.data();
  const int rc = ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (rc != 0) {
    ADD_FAILURE() << "pg-cluster.sh " << args << " failed:\n" << out;
    return std::nullopt;
  }
  const size_t nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Seconds that fn took.
double Timed(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class PgOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PgTestUrl().empty()) GTEST_SKIP() << testing::kNoPgUrl;
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    dir_ = std::make_unique<testing::TempDir>();
    auto url = Script("start '" + dir_->path() + "' " + std::to_string(port_));
    ASSERT_TRUE(url.has_value());
    url_ = *url;
    ASSERT_EQ(url_.rfind("postgresql://", 0), 0u) << url_;
    started_ = true;
  }
  void TearDown() override {
    if (started_) Script("stop '" + dir_->path() + "'");
    dir_.reset();
  }
  bool Stop() { return Script("stop '" + dir_->path() + "'").has_value(); }
  bool Start() {
    return Script("start '" + dir_->path() + "' " + std::to_string(port_)).has_value();
  }

  int port_ = 0;
  std::unique_ptr<testing::TempDir> dir_;
  std::string url_;
  bool started_ = false;
};

TEST_F(PgOutageTest, StoreAnswersUnavailableWhileDownAndRecoversWithoutReopen) {
  PostgresOptions o;
  o.pool_size = 3;
  o.connect_timeout_s = 2;
  o.statement_timeout_ms = 2000;
  o.acquire_timeout_ms = 2000;
  auto opened = OpenPostgresStore(url_, o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Store> s = std::move(opened).value();
  Account a = MakeAccount("default");
  ASSERT_TRUE(s->CreateAccount(a).ok());
  Csr c = MakeCsr(a.id, "before", 1);
  ASSERT_TRUE(s->InsertCsr(c, 100).ok());

  ASSERT_TRUE(Stop());
  // Every kind of call fails as Unavailable, each within the bound.
  const std::vector<std::pair<const char*, std::function<Status()>>> calls = {
      {"Ping", [&] { return s->Ping(); }},
      {"GetCsr", [&] { return s->GetCsr(a.id, c.id).status(); }},
      {"ListCsrs", [&] { return s->ListCsrs(a.id, Q("", "", 10)).status(); }},
      {"InsertCsr", [&] { return s->InsertCsr(MakeCsr(a.id, "during", 2), 100); }},
      {"RecordFailure", [&] { return s->RecordFailure("k", 1, 1000, 5, 1000).status(); }},
      {"RememberOnce", [&] { return s->RememberOnce("sig:1", 1, 2).status(); }},
      {"Ping again", [&] { return s->Ping(); }},
  };
  for (const auto& [name, call] : calls) {
    Status st;
    double took = Timed([&] { st = call(); });
    EXPECT_TRUE(st.IsUnavailable()) << name << ": " << st.ToString();
    EXPECT_LT(took, 10.0) << name;
  }

  ASSERT_TRUE(Start());
  // The very first call after the restart already works: dead sessions were
  // dropped and the pool reconnects on demand.
  Status first = s->Ping();
  EXPECT_TRUE(first.ok()) << first.ToString();
  auto got = s->GetCsr(a.id, c.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "before");
  EXPECT_TRUE(s->InsertCsr(MakeCsr(a.id, "after", 3), 100).ok());
  EXPECT_EQ(s->CountCsrs(a.id).value(), 2);  // the insert during the outage left nothing

  // A restart between two calls, with every pooled session idle: the stale
  // sessions are noticed before use, so no call fails.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(s->Ping().ok());
  ASSERT_TRUE(Stop());
  ASSERT_TRUE(Start());
  for (int i = 0; i < 5; ++i) {
    Status st = s->ListCsrs(a.id, Q("", "", 10)).status();
    EXPECT_TRUE(st.ok()) << "call " << i << ": " << st.ToString();
  }
  s.reset();
}

}  // namespace
}  // namespace csrd::store
