#include "load_engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

#include "http_response.h"

namespace csrd::bench {

namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Sample {
  int64_t done_ns;
  int64_t latency_ns;
  int status;
  bool ok;
};

enum class ConnState { kClosed, kConnecting, kWriting, kReading, kIdle };

struct Conn {
  int fd = -1;
  ConnState state = ConnState::kClosed;
  uint32_t events = 0;  // current epoll interest
  std::string out;
  size_t out_off = 0;
  std::string in;
  ResponseFramer framer;
  int64_t sent_ns = 0;
  bool pending = false;  // `out` holds a request not yet answered
};

// Shared by all threads of one run.
struct Shared {
  const EngineOptions* opt;
  RequestSource* source;
  sockaddr_in addr{};
  int64_t start_ns = 0;
  int64_t deadline_ns = 0;  // stop issuing
  int64_t hard_end_ns = 0;  // stop waiting
  std::atomic<int64_t> issued{0};
  std::atomic<int64_t> io_errors{0};
  std::atomic<int64_t> reconnects{0};
};

class Worker {
 public:
  Worker(Shared& sh, unsigned index, int nconns) : sh_(sh), index_(index), conns_(nconns) {}

  void Run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return;
    samples_.reserve(1 << 16);
    for (size_t i = 0; i < conns_.size(); ++i) StartRequest(i);
    RetryFailed();
    epoll_event evs[256];
    while (true) {
      int64_t now = NowNs();
      bool issuing = now < sh_.deadline_ns;
      if (!issuing && !WaitForInFlight()) break;
      if (now >= sh_.hard_end_ns) break;
      if (InFlight() == 0) break;
      int64_t until = issuing ? sh_.deadline_ns : sh_.hard_end_ns;
      int timeout_ms = static_cast<int>(std::clamp<int64_t>((until - now) / 1'000'000 + 1, 1, 1000));
      if (!retry_.empty()) timeout_ms = 0;
      int n = epoll_wait(ep_, evs, 256, timeout_ms);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) OnEvent(evs[i].data.u64, evs[i].events);
      RetryFailed();
    }
    for (auto& c : conns_) CloseConn(c);
    close(ep_);
  }

  std::vector<Sample>& samples() { return samples_; }

 private:
  bool WaitForInFlight() const {
    return sh_.opt->max_requests > 0 || sh_.opt->drain_s > 0;
  }

  size_t InFlight() const {
    size_t n = 0;
    for (const auto& c : conns_) n += c.pending ? 1 : 0;
    return n;
  }

  void SetInterest(size_t i, uint32_t ev) {
    Conn& c = conns_[i];
    if (c.events == ev) return;
    epoll_event e{};
    e.events = ev;
    e.data.u64 = i;
    epoll_ctl(ep_, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &e);
    c.events = ev;
  }

  void CloseConn(Conn& c) {
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
    }
    c.fd = -1;
    c.events = 0;
    c.state = ConnState::kClosed;
    c.in.clear();
  }

  bool Connect(size_t i) {
    Conn& c = conns_[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return false;
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&sh_.addr), sizeof sh_.addr);
    if (rc < 0 && errno != EINPROGRESS) {
      CloseConn(c);
      return false;
    }
    c.state = ConnState::kConnecting;
    SetInterest(i, EPOLLOUT);
    return true;
  }

  // Takes the next request for connection i (unless one is pending) and sends it.
  void StartRequest(size_t i) {
    Conn& c = conns_[i];
    if (!c.pending) {
      if (NowNs() >= sh_.deadline_ns) return Park(i);
      if (sh_.opt->max_requests > 0 &&
          sh_.issued.fetch_add(1, std::memory_order_relaxed) >= sh_.opt->max_requests) {
        return Park(i);
      }
      if (!sh_.source->Next(index_, &c.out)) return Park(i);
      c.pending = true;
      c.out_off = 0;
      c.sent_ns = NowNs();
    }
    if (c.fd < 0) {
      if (!Connect(i)) return Fail(i);
      return;  // the write happens once connected
    }
    c.state = ConnState::kWriting;
    Write(i);
  }

  void Park(size_t i) {
    Conn& c = conns_[i];
    c.state = ConnState::kIdle;
    if (c.fd >= 0) SetInterest(i, EPOLLIN);  // to notice a close
  }

  void Write(size_t i) {
    Conn& c = conns_[i];
    while (c.out_off < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        SetInterest(i, EPOLLOUT);
        return;
      }
      return Fail(i);
    }
    c.state = ConnState::kReading;
    c.framer.Reset();
    SetInterest(i, EPOLLIN);
  }

  void Read(size_t i) {
    Conn& c = conns_[i];
    char buf[65536];
    while (true) {
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.state != ConnState::kReading) return Fail(i);  // unsolicited bytes
        c.in.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) == sizeof buf) continue;
        break;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // EOF or error: fine between requests (server closed an idle
      // connection), an error in the middle of one.
      if (c.state == ConnState::kReading && c.pending) return Fail(i);
      bool idle = c.state == ConnState::kIdle;
      CloseConn(c);
      if (!idle) {
        sh_.reconnects.fetch_add(1, std::memory_order_relaxed);
        StartRequest(i);
      }
      return;
    }
    if (c.state != ConnState::kReading) return;
    auto st = c.framer.Feed(c.in);
    if (st == ResponseFramer::State::kNeedMore) return;
    if (st == ResponseFramer::State::kError) return Fail(i);
    int64_t now = NowNs();
    int status = c.framer.status();
    bool ok = sh_.source->OnResponse(index_, status, c.framer.body());
    samples_.push_back(Sample{now, now - c.sent_ns, status, ok});
    bool keep = c.framer.keep_alive();
    c.in.erase(0, c.framer.size());
    c.pending = false;
    if (!keep || !c.in.empty()) {
      CloseConn(c);
      sh_.reconnects.fetch_add(1, std::memory_order_relaxed);
    }
    StartRequest(i);
  }

  void OnEvent(uint64_t i, uint32_t ev) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    if (c.state == ConnState::kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) return Fail(i);
      c.state = ConnState::kWriting;
      return Write(i);
    }
    if (c.state == ConnState::kWriting && (ev & EPOLLOUT)) return Write(i);
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(i);
  }

  // An I/O failure: the request in flight (if any) is retried on a new
  // connection from the event loop, so the run keeps its connection count. A
  // server that keeps refusing ends the run after many failures.
  void Fail(size_t i) {
    Conn& c = conns_[i];
    CloseConn(c);
    int64_t errs = sh_.io_errors.fetch_add(1, std::memory_order_relaxed) + 1;
    if (errs > 1000) {
      c.pending = false;
      c.state = ConnState::kIdle;
      return;
    }
    retry_.push_back(i);
  }

  void RetryFailed() {
    if (retry_.empty()) return;
    if (sh_.io_errors.load(std::memory_order_relaxed) > 10) usleep(1000);
    std::vector<size_t> now;
    now.swap(retry_);
    for (size_t i : now) {
      if (conns_[i].pending) conns_[i].sent_ns = NowNs();
      StartRequest(i);
    }
  }

  Shared& sh_;
  unsigned index_;
  std::vector<Conn> conns_;
  std::vector<Sample> samples_;
  std::vector<size_t> retry_;
  int ep_ = -1;
};

}  // namespace

int64_t Quantile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  double rank = std::ceil(q * static_cast<double>(sorted.size()));
  size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(idx, sorted.size() - 1)];
}

LoadResult RunLoad(const EngineOptions& opt, RequestSource& source) {
  LoadResult out;
  Shared sh;
  sh.opt = &opt;
  sh.source = &source;
  sh.addr.sin_family = AF_INET;
  sh.addr.sin_port = htons(opt.port);
  if (inet_pton(AF_INET, opt.host.c_str(), &sh.addr.sin_addr) != 1) {
    out.fatal = "host must be an IPv4 literal";
    return out;
  }
  if (opt.connections < 1 || opt.threads < 1) {
    out.fatal = "connections and threads must be >= 1";
    return out;
  }
  int threads = std::min(opt.threads, opt.connections);
  sh.start_ns = NowNs();
  sh.deadline_ns = sh.start_ns + static_cast<int64_t>(opt.duration_s * 1e9);
  sh.hard_end_ns = sh.deadline_ns + static_cast<int64_t>(opt.drain_s * 1e9);
  if (opt.max_requests > 0) sh.hard_end_ns = sh.deadline_ns;

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    int n = opt.connections / threads + (t < opt.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(sh, static_cast<unsigned>(t), n));
  }
  std::vector<std::thread> ts;
  for (auto& w : workers) ts.emplace_back([&w] { w->Run(); });
  for (auto& t : ts) t.join();
  int64_t end_ns = NowNs();

  std::vector<Sample> all;
  for (auto& w : workers) all.insert(all.end(), w->samples().begin(), w->samples().end());
  std::sort(all.begin(), all.end(), [](const Sample& a, const Sample& b) { return a.done_ns < b.done_ns; });

  // Window: after the warm-up (time and count), up to the deadline (or, when
  // the work ran out or was capped, the last response).
  int64_t win_start = sh.start_ns + static_cast<int64_t>(opt.warmup_s * 1e9);
  size_t first = 0;
  while (first < all.size() && all[first].done_ns < win_start) ++first;
  if (opt.warmup_requests > 0 && static_cast<size_t>(opt.warmup_requests) > first) {
    first = std::min(all.size(), static_cast<size_t>(opt.warmup_requests));
    if (first > 0) win_start = std::max(win_start, all[first - 1].done_ns);
  }
  int64_t win_end = std::min(end_ns, sh.deadline_ns);
  bool capped = opt.max_requests > 0;
  if (capped && !all.empty()) win_end = all.back().done_ns;
  bool ran_out = !all.empty() && all.back().done_ns < sh.deadline_ns - 50'000'000 &&
                 end_ns < sh.deadline_ns;
  if (ran_out) win_end = all.back().done_ns;
  for (size_t k = first; k < all.size(); ++k) {
    const Sample& s = all[k];
    if (!capped && s.done_ns > sh.deadline_ns) continue;
    ++out.status_counts[s.status];
    if (s.ok) {
      ++out.ok;
      out.latencies_ns.push_back(s.latency_ns);
    } else {
      ++out.failed;
    }
  }
  std::sort(out.latencies_ns.begin(), out.latencies_ns.end());
  out.window_s = std::max<int64_t>(0, win_end - win_start) / 1e9;
  out.io_errors = sh.io_errors.load();
  out.reconnects = sh.reconnects.load();
  return out;
}

}  // namespace csrd::bench
