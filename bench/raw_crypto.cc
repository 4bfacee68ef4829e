// raw_crypto: the physical limit of CreateCsr (issue 4): key generation + CSR
// build + sign + PEM in-process, per algorithm, on T threads, no HTTP, no
// database, no key sealing. Two loops, and the harness takes the faster:
//   csrd - crypto::PrivateKey::Generate + crypto::BuildCsrPem, as csrd runs;
//   fast - hand-rolled (fast_csr.h): keygen context reused per thread, SPKI
//          written by hand for every algorithm, subject and extensions built
//          once, DER -> PEM without a BIO.
// and, only when asked for (--variants create), the whole crypto of a
// CreateCsr as csrd runs it, for profiling csrd's own code:
//   create - the csrd loop + PrivateKey::ToPkcs8Pem + KeySealer::Seal;
//            "export alone" is the rate of those last two.
// Prints one JSON line per (algorithm, loop) on stdout, a human line on stderr.
//
//   raw_crypto [--algos EC_P256,SM2] [--duration 5] [--rsa-duration 15] [--threads 1]
//              [--variants csrd,fast] [--background-keygen RSA_4096]
#include <CLI/CLI.hpp>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <optional>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "crypto/sealer.h"
#include "core/encoding.h"
#include "fast_csr.h"

namespace {

using csrd::crypto::KeyAlgo;

int64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t NowNs() { return ClockNs(CLOCK_MONOTONIC); }

// --clock cpu: the per-phase times (keygen / CSR / export "alone" rates, and
// the latency quantiles) use the thread's CPU clock, so time the thread spent
// preempted by other processes on a shared machine does not count; the
// overall rate stays wall-clock.
bool g_cpu_clock = false;

int64_t PhaseNs() { return ClockNs(g_cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC); }

bool IsRsa(KeyAlgo a) {
  return a == KeyAlgo::kRsa2048 || a == KeyAlgo::kRsa3072 || a == KeyAlgo::kRsa4096;
}

struct ThreadResult {
  int64_t n = 0;
  int64_t keygen_ns = 0, csr_ns = 0, export_ns = 0;
  std::vector<int64_t> lat;  // per iteration: keygen + CSR (+ export in the create loop)
  std::string error;
};

const csrd::crypto::CsrSubject kSubject{"www.example.com", "", "", "", ""};
const std::vector<std::string> kDns{"www.example.com", "example.com", "api.example.com"};

// The csrd loop; with a sealer, the create loop: the key's PKCS#8 PEM sealed
// as csrd stores it, timed as the export phase.
void LoopCsrd(KeyAlgo algo, int64_t deadline, const csrd::crypto::KeySealer* sealer,
              ThreadResult& r) {
  const std::string aad = csrd::crypto::SealAad("csrs", "0123456789abcdef", "account");
  while (NowNs() < deadline) {
    int64_t t0 = PhaseNs();
    auto key = csrd::crypto::PrivateKey::Generate(algo);
    int64_t t1 = PhaseNs();
    if (!key.ok()) return void(r.error = key.status().ToString());
    auto pem = csrd::crypto::BuildCsrPem(*key, kSubject, kDns);
    int64_t t2 = PhaseNs();
    if (!pem.ok()) return void(r.error = pem.status().ToString());
    int64_t t3 = t2;
    if (sealer != nullptr) {
      auto key_pem = key->ToPkcs8Pem();
      if (!key_pem.ok()) return void(r.error = key_pem.status().ToString());
      auto sealed = sealer->Seal(key_pem->view(), aad);
      t3 = PhaseNs();
      if (!sealed.ok()) return void(r.error = sealed.status().ToString());
    }
    r.keygen_ns += t1 - t0;
    r.csr_ns += t2 - t1;
    r.export_ns += t3 - t2;
    r.lat.push_back(t3 - t0);
    ++r.n;
  }
}

void LoopFast(KeyAlgo algo, int64_t deadline, ThreadResult& r) {
  auto maker = csrd::bench::FastCsrMaker::Create(algo, kSubject.common_name, kDns);
  if (!maker.ok()) return void(r.error = maker.status().ToString());
  std::string pem;
  while (NowNs() < deadline) {
    int64_t t0 = PhaseNs();
    auto key = maker->Generate();
    int64_t t1 = PhaseNs();
    if (!key.ok()) return void(r.error = key.status().ToString());
    csrd::Status st = maker->BuildPem(key->get(), &pem);
    int64_t t2 = PhaseNs();
    if (!st.ok()) return void(r.error = st.ToString());
    r.keygen_ns += t1 - t0;
    r.csr_ns += t2 - t1;
    r.lat.push_back(t2 - t0);
    ++r.n;
  }
}

// The fast loop's output must be a CSR csrd itself accepts (signature,
// algorithm, SANs), or its rate means nothing.
bool CheckFast(KeyAlgo algo) {
  auto maker = csrd::bench::FastCsrMaker::Create(algo, kSubject.common_name, kDns);
  if (!maker.ok()) return false;
  auto key = maker->Generate();
  std::string pem;
  if (!key.ok() || !maker->BuildPem(key->get(), &pem).ok()) return false;
  auto parsed = csrd::crypto::ParseCsrPem(pem);
  if (!parsed.ok()) {
    std::fprintf(stderr, "raw_crypto: fast %s CSR rejected: %s\n",
                 std::string(KeyAlgoName(algo)).c_str(), parsed.status().ToString().c_str());
    return false;
  }
  return parsed->algo == algo && parsed->dns_sans == kDns &&
         parsed->common_names == std::vector<std::string>{kSubject.common_name};
}

int64_t Quantile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t idx = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[idx];
}

// Diagnostic (--background-keygen): one SCHED_IDLE thread in this process
// generating keys of another algorithm for the whole loop, as csrd's key pool
// refill thread does, to see whether it slows the measured threads down
// through locks shared inside OpenSSL.
std::optional<KeyAlgo> g_background;

void Run(KeyAlgo algo, const std::string& variant, double seconds, int threads) {
  std::vector<ThreadResult> res(static_cast<size_t>(threads));
  int64_t start = NowNs();
  int64_t deadline = start + static_cast<int64_t>(seconds * 1e9);
  std::vector<std::thread> ts;
  std::atomic<bool> bg_stop{false};
  std::atomic<int64_t> bg_keys{0};
  std::thread bg;
  if (g_background) {
    bg = std::thread([&] {
      sched_param p{};
      sched_setscheduler(0, SCHED_IDLE, &p);
      while (!bg_stop.load()) {
        if (csrd::crypto::PrivateKey::Generate(*g_background).ok()) ++bg_keys;
      }
    });
  }
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      ThreadResult& r = res[static_cast<size_t>(t)];
      if (variant == "csrd") {
        LoopCsrd(algo, deadline, nullptr, r);
      } else if (variant == "create") {
        auto sealer = csrd::crypto::KeySealer::Create(csrd::Secret(csrd::RandomBytes(32)));
        if (!sealer.ok()) return void(r.error = sealer.status().ToString());
        LoopCsrd(algo, deadline, &*sealer, r);
      } else {
        LoopFast(algo, deadline, r);
      }
    });
  }
  for (auto& t : ts) t.join();
  double elapsed = static_cast<double>(NowNs() - start) / 1e9;
  if (bg.joinable()) {
    bg_stop = true;
    bg.join();
    std::fprintf(stderr, "raw_crypto: background SCHED_IDLE thread made %lld %s keys\n",
                 static_cast<long long>(bg_keys.load()),
                 std::string(KeyAlgoName(*g_background)).c_str());
  }
  int64_t n = 0, kg = 0, cs = 0, ex = 0;
  std::vector<int64_t> lat;
  for (auto& r : res) {
    if (!r.error.empty()) {
      std::fprintf(stderr, "raw_crypto: %s %s: %s\n", std::string(KeyAlgoName(algo)).c_str(),
                   variant.c_str(), r.error.c_str());
      return;
    }
    n += r.n, kg += r.keygen_ns, cs += r.csr_ns, ex += r.export_ns;
    lat.insert(lat.end(), r.lat.begin(), r.lat.end());
  }
  std::sort(lat.begin(), lat.end());
  double rps = static_cast<double>(n) / elapsed;
  // Per-thread busy time split: the rate if only keygen (or only the CSR) ran.
  double keygen_rps = kg > 0 ? static_cast<double>(n) * threads / (static_cast<double>(kg) / 1e9) : 0;
  double csr_rps = cs > 0 ? static_cast<double>(n) * threads / (static_cast<double>(cs) / 1e9) : 0;
  double export_rps = ex > 0 ? static_cast<double>(n) * threads / (static_cast<double>(ex) / 1e9) : 0;
  std::string name(KeyAlgoName(algo));
  std::printf(
      "{\"label\":\"raw_%s\",\"op\":\"raw\",\"algo\":\"%s\",\"variant\":\"%s\",\"threads\":%d,"
      "\"window_s\":%.3f,\"ok\":%lld,\"rps\":%.2f,\"keygen_rps\":%.2f,\"csr_rps\":%.2f,"
      "\"export_rps\":%.2f,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
      name.c_str(), name.c_str(), variant.c_str(), threads, elapsed, static_cast<long long>(n), rps,
      keygen_rps, csr_rps, export_rps, Quantile(lat, 0.50) / 1e6, Quantile(lat, 0.95) / 1e6,
      Quantile(lat, 0.99) / 1e6, lat.empty() ? 0.0 : lat.back() / 1e6);
  std::fflush(stdout);
  std::fprintf(stderr,
               "raw %-8s %-6s t=%d %10.1f /s  (keygen alone %10.1f /s, CSR alone %10.1f /s%s)  "
               "p50 %.3f ms  p99 %.3f ms  n=%lld\n",
               name.c_str(), variant.c_str(), threads, rps, keygen_rps, csr_rps,
               ex > 0 ? (", export alone " + std::to_string(static_cast<long long>(export_rps)) + " /s").c_str() : "",
               Quantile(lat, 0.50) / 1e6, Quantile(lat, 0.99) / 1e6, static_cast<long long>(n));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raw in-process keygen + CSR rate"};
  std::string algos = "RSA_2048,RSA_3072,RSA_4096,EC_P256,EC_P384,SM2";
  std::string variants = "csrd,fast";
  double seconds = 5, rsa_seconds = 15;
  int threads = 1;
  app.add_option("--algos", algos, "Comma-separated algorithms")->capture_default_str();
  app.add_option("--variants", variants, "csrd,fast (and create: csrd + PKCS#8 + seal)")
      ->capture_default_str();
  app.add_option("--duration", seconds, "Seconds per EC/SM2 loop")->capture_default_str();
  app.add_option("--rsa-duration", rsa_seconds, "Seconds per RSA loop")->capture_default_str();
  app.add_option("--threads", threads, "Threads")->capture_default_str();
  std::string clock = "wall";
  app.add_option("--clock", clock, "Per-phase times: wall, or cpu (thread CPU time)")
      ->check(CLI::IsMember({"wall", "cpu"}))
      ->capture_default_str();
  std::string background;
  app.add_option("--background-keygen", background,
                 "Diagnostic: a SCHED_IDLE thread generating keys of this algorithm meanwhile");
  CLI11_PARSE(app, argc, argv);
  g_cpu_clock = clock == "cpu";
  if (!background.empty()) {
    g_background = csrd::crypto::ParseKeyAlgo(background);
    if (!g_background) return std::fprintf(stderr, "raw_crypto: unknown algorithm %s\n", background.c_str()), 2;
  }

  std::vector<KeyAlgo> list;
  for (size_t pos = 0; pos <= algos.size();) {
    size_t comma = algos.find(',', pos);
    if (comma == std::string::npos) comma = algos.size();
    std::string name = algos.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty()) continue;
    auto a = csrd::crypto::ParseKeyAlgo(name);
    if (!a) return std::fprintf(stderr, "raw_crypto: unknown algorithm %s\n", name.c_str()), 2;
    list.push_back(*a);
  }
  for (KeyAlgo a : list) {
    if (!CheckFast(a)) {
      std::fprintf(stderr, "raw_crypto: the fast loop is broken for %s\n",
                   std::string(KeyAlgoName(a)).c_str());
      return 1;
    }
  }
  for (KeyAlgo a : list) {
    for (const char* v : {"csrd", "fast", "create"}) {
      if (variants.find(v) == std::string::npos) continue;
      // RSA time is all keygen, the same call in both loops: one loop is enough
      // unless both were asked for explicitly.
      if (IsRsa(a) && std::string(v) == "csrd" && variants == "csrd,fast") continue;
      Run(a, v, IsRsa(a) ? rsa_seconds : seconds, threads);
    }
  }
  return 0;
}
