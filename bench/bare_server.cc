// bare_server: the ceiling for csrd's read routes (issue 4). csrd's own
// http::Server (same parser, same I/O thread + worker pool hop, same headers)
// in front of a Handler that answers every request with a ~90-byte JSON built
// per request with Boost.JSON, as in deps-and-limits.md §3. No auth, no
// database: what is left of a csrd read once everything csrd adds is gone.
//
//   bare_server --port 9000 [--io-threads 1] [--workers 16]
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "http/server.h"

namespace {

class HelloHandler : public csrd::http::Handler {
 public:
  std::optional<csrd::http::Response> Preflight(const csrd::http::Request&) override {
    return std::nullopt;
  }

  csrd::http::Response Handle(csrd::http::Request&) override {
    boost::json::object o;
    o["status"] = "ok";
    o["service"] = "csr-manager";
    o["requests"] = requests_.fetch_add(1, std::memory_order_relaxed) + 1;
    o["algorithms"] = boost::json::array{"rsa2048", "p256", "sm2"};
    csrd::http::Response r;
    r.body = boost::json::serialize(o);
    return r;
  }

  csrd::http::Response Reject(csrd::http::Rejection, std::string_view,
                              std::string_view) override {
    csrd::http::Response r;
    r.status = 429;
    r.body = R"({"error":"rejected"})";
    return r;
  }

 private:
  std::atomic<int64_t> requests_{0};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bare hello-JSON server on csrd's HTTP library"};
  csrd::http::ServerOptions opt;
  opt.port = 9000;
  app.add_option("--host", opt.host)->capture_default_str();
  app.add_option("--port", opt.port)->capture_default_str();
  app.add_option("--io-threads", opt.io_threads)->capture_default_str();
  app.add_option("--workers", opt.worker_threads)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  HelloHandler handler;
  auto server = csrd::http::Server::Create(opt, &handler);
  if (!server.ok()) {
    std::fprintf(stderr, "bare_server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "bare_server listening on %s:%u\n", opt.host.c_str(), (*server)->port());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    (*server)->Stop(1000);
  });
  (*server)->Run();
  waiter.join();
  return 0;
}
