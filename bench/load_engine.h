// A closed-loop HTTP/1.1 load engine: a fixed number of keep-alive
// connections, each with exactly one request in flight, driven by one epoll
// loop per thread over non-blocking sockets. Cheap per request (no
// allocation on the steady path beyond what the RequestSource does), so one
// core of load can saturate a one-core server on small GETs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace csrd::bench {

// Supplies requests and judges responses. Called concurrently from the
// engine's threads (thread = 0..threads-1): implementations keep per-thread
// state indexed by it, or synchronize.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Replaces *wire with the whole next request (head and body). False when
  // this source has no more work (e.g. every id was deleted once).
  virtual bool Next(unsigned thread, std::string* wire) = 0;
  // True when the response counts as a success (its latency is recorded).
  virtual bool OnResponse(unsigned thread, int status, std::string_view body) = 0;
};

struct EngineOptions {
  std::string host = "127.0.0.1";  // IPv4 literal
  uint16_t port = 8080;
  int connections = 16;
  int threads = 1;
  // Stop issuing requests after this long. Responses arriving later do not
  // count; in-flight requests are abandoned unless drain_s > 0.
  double duration_s = 10;
  double drain_s = 0;
  // Stop after this many requests were issued (0: no cap); the run then waits
  // for all of them (up to duration_s) and they all count.
  int64_t max_requests = 0;
  // Responses completed in the first warmup_s seconds, and the first
  // warmup_requests responses, are left out of the figures; the measured
  // window starts after both.
  double warmup_s = 0;
  int64_t warmup_requests = 0;
};

struct LoadResult {
  int64_t ok = 0;         // successful responses in the window
  int64_t failed = 0;     // responses the source refused (status), in the window
  int64_t io_errors = 0;  // connects refused, resets, unframable answers (whole run)
  int64_t reconnects = 0;
  std::map<int, int64_t> status_counts;  // in the window
  double window_s = 0;                   // length of the measured window
  std::vector<int64_t> latencies_ns;     // successes in the window, sorted
  std::string fatal;                     // non-empty: the run could not start
};

LoadResult RunLoad(const EngineOptions& options, RequestSource& source);

// The q-quantile (0..1) of sorted values, nearest-rank; 0 when empty.
int64_t Quantile(const std::vector<int64_t>& sorted, double q);

}  // namespace csrd::bench
