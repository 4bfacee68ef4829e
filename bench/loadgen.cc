// loadgen: csrd's load generator (issue 4, "The harness").
//
// A fixed number of keep-alive connections for a fixed time (or a fixed
// number of requests), one request in flight per connection. Requests to csrd
// are signed with AK/SK exactly as the Huawei Cloud SDKs sign them (headers
// content-type, host, x-sdk-date; a fresh signature per request) or carry an
// X-Auth-Token. Prints one JSON line on stdout and a human line on stderr.
//
//   loadgen --port 8080 --op create --algo EC_P256 --cred-file ak.json -c 16 -d 10
//   loadgen --port 8080 --op show --ids-file ids.txt --cred-file ak.json
//   loadgen --port 8888 --op post --path /api/v1/cfssl/newkey --body '{...}'
//   loadgen --port 9000 --op get --path /
#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "identity/sdk_signature.h"
#include "http_response.h"
#include "load_engine.h"

namespace csrd::bench {
namespace {

struct Auth {
  std::string access, secret;  // AK/SK when non-empty
  std::string token;           // X-Auth-Token when non-empty
};

// Builds request bytes, signed per request. One per engine thread.
class WireBuilder {
 public:
  WireBuilder(const Auth& auth, std::string host_header)
      : auth_(auth), host_(std::move(host_header)) {}

  void Build(std::string_view method, std::string_view path, std::string_view query,
             std::string_view body, std::string* wire) {
    wire->clear();
    wire->append(method).append(" ").append(path);
    if (!query.empty()) wire->append("?").append(query);
    wire->append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
    wire->append("Content-Type: application/json\r\n");
    if (!auth_.access.empty()) {
      const std::string& date = SdkDate();
      auto sig = identity::SignRequest(
          auth_.access, auth_.secret, method, path, query,
          {{"Content-Type", "application/json"}, {"Host", host_}, {"X-Sdk-Date", date}}, body);
      if (!sig.ok()) {
        std::fprintf(stderr, "loadgen: cannot sign: %s\n", sig.status().ToString().c_str());
        std::exit(2);
      }
      wire->append("X-Sdk-Date: ").append(date).append("\r\nAuthorization: ").append(*sig);
      wire->append("\r\n");
    } else if (!auth_.token.empty()) {
      wire->append("X-Auth-Token: ").append(auth_.token).append("\r\n");
    }
    if (!body.empty() || method == "POST" || method == "PUT") {
      wire->append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    wire->append("\r\n").append(body);
  }

 private:
  // X-Sdk-Date has one-second resolution: format it once a second.
  const std::string& SdkDate() {
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    if (ms / 1000 != date_sec_) {
      date_sec_ = ms / 1000;
      date_ = identity::FormatSdkDate(ms);
    }
    return date_;
  }

  const Auth& auth_;
  std::string host_;
  int64_t date_sec_ = -1;
  std::string date_;
};

enum class Op { kCreate, kShow, kList, kDelete, kPost, kGet };

struct Config {
  Op op = Op::kGet;
  std::string method, path, query, body;
  int expect = 200;
  std::vector<std::string> ids;  // show: sampled; delete: each once
};

class Source : public RequestSource {
 public:
  Source(const Config& cfg, const Auth& auth, const std::string& host_header, int threads)
      : cfg_(cfg) {
    for (int t = 0; t < threads; ++t) {
      per_thread_.push_back(std::make_unique<PerThread>(auth, host_header, t));
    }
  }

  bool Next(unsigned thread, std::string* wire) override {
    PerThread& pt = *per_thread_[thread];
    switch (cfg_.op) {
      case Op::kShow: {
        std::uniform_int_distribution<size_t> pick(0, cfg_.ids.size() - 1);
        pt.path = "/v3/scm/csr/" + cfg_.ids[pick(pt.rng)];
        pt.wire.Build("GET", pt.path, "", "", wire);
        return true;
      }
      case Op::kDelete: {
        size_t k = next_id_.fetch_add(1, std::memory_order_relaxed);
        if (k >= cfg_.ids.size()) return false;
        pt.path = "/v3/scm/csr/" + cfg_.ids[k];
        pt.wire.Build("DELETE", pt.path, "", "", wire);
        return true;
      }
      default:
        pt.wire.Build(cfg_.method, cfg_.path, cfg_.query, cfg_.body, wire);
        return true;
    }
  }

  bool OnResponse(unsigned thread, int status, std::string_view body) override {
    bool ok = status == cfg_.expect || (cfg_.op == Op::kCreate && status == 200);
    if (ok && cfg_.op == Op::kCreate && save_ids_) {
      std::string_view id = FindJsonString(body, "id");
      if (!id.empty()) per_thread_[thread]->created.emplace_back(id);
    } else if (!ok) {
      PerThread& pt = *per_thread_[thread];
      if (pt.error_samples < 3) {
        ++pt.error_samples;
        std::fprintf(stderr, "loadgen: unexpected %d: %.*s\n", status,
                     static_cast<int>(std::min<size_t>(body.size(), 300)), body.data());
      }
    }
    return ok;
  }

  void set_save_ids(bool v) { save_ids_ = v; }
  std::vector<std::string> CreatedIds() const {
    std::vector<std::string> all;
    for (const auto& pt : per_thread_) all.insert(all.end(), pt->created.begin(), pt->created.end());
    return all;
  }

 private:
  struct PerThread {
    PerThread(const Auth& auth, const std::string& host, int seed)
        : wire(auth, host), rng(0x5eed + seed) {}
    WireBuilder wire;
    std::mt19937_64 rng;
    std::string path;
    std::vector<std::string> created;
    int error_samples = 0;
  };
  const Config& cfg_;
  std::vector<std::unique_ptr<PerThread>> per_thread_;
  std::atomic<size_t> next_id_{0};
  bool save_ids_ = false;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string CreateBody(const std::string& algo) {
  return R"({"name":"bench","domain_name":"www.example.com","sans":"example.com;api.example.com",)"
         R"("private_key_algo":")" + algo + R"(","usage":"PERSONAL"})";
}

std::string Ms(int64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", static_cast<double>(ns) / 1e6);
  return b;
}

std::string JsonEscape(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o.push_back(c);
  }
  return o;
}

// CPU this process used (user + system), for the harness's noise accounting.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace
}  // namespace csrd::bench

int main(int argc, char** argv) {
  using namespace csrd::bench;
  CLI::App app{"csrd load generator"};
  EngineOptions eo;
  std::string op_name = "get", algo = "EC_P256", path, body, body_file, query, cred_file,
              token_file, ids_file, save_ids, label;
  int expect = 0;
  app.add_option("--host", eo.host, "Server IPv4 address")->capture_default_str();
  app.add_option("--port", eo.port, "Server port")->required();
  app.add_option("--op", op_name, "create|show|list|delete|post|get")->capture_default_str();
  app.add_option("--algo", algo, "create: private_key_algo")->capture_default_str();
  app.add_option("-c,--connections", eo.connections, "Connections")->capture_default_str();
  app.add_option("-t,--threads", eo.threads, "Engine threads")->capture_default_str();
  app.add_option("-d,--duration", eo.duration_s, "Seconds (a timeout with --requests)")
      ->capture_default_str();
  app.add_option("-n,--requests", eo.max_requests, "Stop after N requests (0: none)");
  app.add_option("--warmup", eo.warmup_s, "Seconds left out of the figures");
  app.add_option("--warmup-requests", eo.warmup_requests, "First N responses left out");
  app.add_option("--drain", eo.drain_s, "Seconds to wait for in-flight requests at the end");
  app.add_option("--path", path, "post/get: request path");
  app.add_option("--query", query, "post/get: raw query, without '?'");
  app.add_option("--body", body, "post: request body");
  app.add_option("--body-file", body_file, "post: request body from a file");
  app.add_option("--expect", expect, "Success status (default per op)");
  app.add_option("--cred-file", cred_file, "JSON {\"access\",\"secret\"}: sign with AK/SK");
  app.add_option("--token-file", token_file, "File holding an X-Auth-Token");
  app.add_option("--ids-file", ids_file, "show/delete: CSR ids, one a line");
  app.add_option("--save-ids", save_ids, "create: append created ids to this file");
  app.add_option("--label", label, "Name of this run in the output");
  CLI11_PARSE(app, argc, argv);

  Config cfg;
  if (op_name == "create") {
    cfg = {Op::kCreate, "POST", "/v3/scm/csr", "", CreateBody(algo), 201, {}};
  } else if (op_name == "show") {
    cfg.op = Op::kShow;
  } else if (op_name == "list") {
    cfg = {Op::kList, "GET", "/v3/scm/csr", "limit=50", "", 200, {}};
  } else if (op_name == "delete") {
    cfg.op = Op::kDelete;
    cfg.expect = 204;
  } else if (op_name == "post" || op_name == "get") {
    cfg.op = op_name == "post" ? Op::kPost : Op::kGet;
    cfg.method = op_name == "post" ? "POST" : "GET";
    cfg.path = path.empty() ? "/" : path;
    cfg.query = query;
    cfg.body = body;
    if (!body_file.empty()) {
      auto b = ReadFile(body_file);
      if (!b) return std::fprintf(stderr, "loadgen: cannot read %s\n", body_file.c_str()), 2;
      cfg.body = *b;
    }
  } else {
    std::fprintf(stderr, "loadgen: unknown --op %s\n", op_name.c_str());
    return 2;
  }
  if (expect != 0) cfg.expect = expect;
  if (cfg.op == Op::kShow || cfg.op == Op::kDelete) {
    auto text = ReadFile(ids_file);
    if (!text) return std::fprintf(stderr, "loadgen: --ids-file is required for %s\n", op_name.c_str()), 2;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) cfg.ids.push_back(line);
    }
    if (cfg.ids.empty()) return std::fprintf(stderr, "loadgen: no ids in %s\n", ids_file.c_str()), 2;
  }

  Auth auth;
  if (!cred_file.empty()) {
    auto text = ReadFile(cred_file);
    if (!text) return std::fprintf(stderr, "loadgen: cannot read %s\n", cred_file.c_str()), 2;
    auth.access = std::string(FindJsonString(*text, "access"));
    auth.secret = std::string(FindJsonString(*text, "secret"));
    if (auth.access.empty() || auth.secret.empty()) {
      return std::fprintf(stderr, "loadgen: %s lacks access/secret\n", cred_file.c_str()), 2;
    }
  } else if (!token_file.empty()) {
    auto text = ReadFile(token_file);
    if (!text) return std::fprintf(stderr, "loadgen: cannot read %s\n", token_file.c_str()), 2;
    auth.token = *text;
    while (!auth.token.empty() && (auth.token.back() == '\n' || auth.token.back() == '\r')) {
      auth.token.pop_back();
    }
  }

  std::string host_header = eo.host + ":" + std::to_string(eo.port);
  int threads = std::max(1, std::min(eo.threads, eo.connections));
  Source source(cfg, auth, host_header, threads);
  source.set_save_ids(!save_ids.empty());
  LoadResult r = RunLoad(eo, source);
  if (!r.fatal.empty()) {
    std::fprintf(stderr, "loadgen: %s\n", r.fatal.c_str());
    return 2;
  }
  if (!save_ids.empty()) {
    std::ofstream out(save_ids, std::ios::app);
    for (const auto& id : source.CreatedIds()) out << id << '\n';
  }

  const auto& lat = r.latencies_ns;
  double rps = r.window_s > 0 ? static_cast<double>(r.ok) / r.window_s : 0;
  if (label.empty()) label = op_name + (cfg.op == Op::kCreate ? "_" + algo : "");
  std::string statuses;
  for (const auto& [code, n] : r.status_counts) {
    if (!statuses.empty()) statuses += ",";
    statuses += "\"" + std::to_string(code) + "\":" + std::to_string(n);
  }
  std::printf(
      "{\"label\":\"%s\",\"op\":\"%s\",\"algo\":\"%s\",\"connections\":%d,\"threads\":%d,"
      "\"auth\":\"%s\",\"window_s\":%.3f,\"ok\":%lld,\"failed\":%lld,\"io_errors\":%lld,"
      "\"reconnects\":%lld,\"status\":{%s},\"rps\":%.2f,\"p50_ms\":%s,\"p90_ms\":%s,"
      "\"p95_ms\":%s,\"p99_ms\":%s,\"max_ms\":%s,\"client_cpu_s\":%.3f}\n",
      JsonEscape(label).c_str(), op_name.c_str(), cfg.op == Op::kCreate ? algo.c_str() : "",
      eo.connections, threads,
      !auth.access.empty() ? "aksk" : !auth.token.empty() ? "token" : "none", r.window_s,
      static_cast<long long>(r.ok), static_cast<long long>(r.failed),
      static_cast<long long>(r.io_errors), static_cast<long long>(r.reconnects), statuses.c_str(),
      rps, Ms(Quantile(lat, 0.50)).c_str(), Ms(Quantile(lat, 0.90)).c_str(),
      Ms(Quantile(lat, 0.95)).c_str(), Ms(Quantile(lat, 0.99)).c_str(),
      Ms(lat.empty() ? 0 : lat.back()).c_str(), CpuSeconds());
  std::fprintf(stderr,
               "%-22s c=%-3d %9.1f req/s  p50 %8s ms  p95 %8s ms  p99 %8s ms  max %8s ms  "
               "(%lld ok, %lld failed, %lld io errors, %.1f s)\n",
               label.c_str(), eo.connections, rps, Ms(Quantile(lat, 0.50)).c_str(),
               Ms(Quantile(lat, 0.95)).c_str(), Ms(Quantile(lat, 0.99)).c_str(),
               Ms(lat.empty() ? 0 : lat.back()).c_str(), static_cast<long long>(r.ok),
               static_cast<long long>(r.failed), static_cast<long long>(r.io_errors), r.window_s);
  return r.ok > 0 ? 0 : 1;
}
