#include "cmd/csrd/serve.h"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "api/app.h"
#include "api/service_metrics.h"
#include "cmd/csrd/bootstrap.h"
#include "cmd/csrd/heap.h"
#include "cmd/csrd/logging.h"
#include "cmd/csrd/master_key.h"
#include "cmd/csrd/periodic_task.h"
#include "cmd/csrd/transport.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "crypto/key_pool.h"
#include "crypto/sealer.h"
#include "http/server.h"
#include "http/tls.h"
#include "identity/account_admin.h"
#include "identity/aksk_verifier.h"
#include "identity/credential_service.h"
#include "identity/authenticator.h"
#include "identity/kdf_limiter.h"
#include "identity/login_service.h"
#include "identity/password_hasher.h"
#include "identity/token_service.h"
#include "store/metered_store.h"
#include "store/open_store.h"

namespace csrd::cmd {

// glibc arenas for the whole process (CapMallocArenas); MALLOC_ARENA_MAX
// overrides. glibc's default is 8 per core; 4 is plenty for 2 cores' worth of
// threads running at once, and with the HeapTrimmer it took a bench-like run
// from ~65 MiB to ~30 MiB RSS, req/s unchanged within the machine's noise.
constexpr int kMallocArenas = 4;

Result<crypto::KeyPoolOptions> KeyPoolOptionsFrom(const ServeOptions& opt) {
  crypto::KeyPoolOptions kpo;
  for (const std::string& spec : opt.key_pool_depths) {
    Status st = crypto::ApplyKeyPoolDepth(spec, &kpo);
    if (!st.ok()) return Status::InvalidArgument("--key-pool-depth " + spec + ": " + st.message());
  }
  if (opt.key_pool_threads < 0 || opt.key_pool_threads > crypto::kMaxKeyPoolThreads) {
    return Status::InvalidArgument("--key-pool-threads must be 0.." +
                                   std::to_string(crypto::kMaxKeyPoolThreads));
  }
  if (opt.key_pool_priority != "idle" && opt.key_pool_priority != "normal") {
    return Status::InvalidArgument("--key-pool-priority must be idle or normal");
  }
  kpo.refill_threads = opt.key_pool_threads;
  kpo.low_priority = opt.key_pool_priority == "idle";
  return kpo;
}

bool SplitHostPort(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return false;
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return false;
  std::string p = listen.substr(colon + 1);
  for (char c : p) {
    if (c < '0' || c > '9') return false;
  }
  if (p.size() > 5) return false;
  unsigned long v = std::strtoul(p.c_str(), nullptr, 10);
  if (v > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(v);
  return true;
}

std::string ListenFormatProblem(const std::string& listen) {
  return "must be HOST:PORT ([::1]:8080 for IPv6), got \"" + listen + "\"";
}

bool IsLoopbackHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
  bool all = res != nullptr;
  for (const addrinfo* p = res; p != nullptr && all; p = p->ai_next) {
    if (p->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(p->ai_addr);
      all = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (p->ai_family == AF_INET6) {
      const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(p->ai_addr)->sin6_addr;
      all = IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    } else {
      all = false;
    }
  }
  freeaddrinfo(res);
  return all;
}

namespace {

// A failed login or an AK lockout whose audit event the store refused: the
// request went on (still 401); the operator hears of the lost record here.
void LogLostAuditEvent(const store::AuditEvent& e, const Status& st) {
  spdlog::warn("audit event not recorded: action={} account_id={} request_id={}: {}", e.action,
               e.account_id, e.request_id, st.ToString());
}

// The process holds the master key, private keys and tokens in memory: no
// core file may carry them to disk, and no same-user process may read its
// memory through ptrace or /proc/<pid>/mem (PR_SET_DUMPABLE 0 does both).
void DisableCoreDumps() {
  rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    spdlog::warn("cannot set RLIMIT_CORE to 0: {}", std::strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    spdlog::warn("cannot clear the dumpable flag: {}", std::strerror(errno));
  }
}

// The pool when one is configured, else inline generation.
Result<std::unique_ptr<crypto::KeySource>> MakeKeySource(const crypto::KeyPoolOptions& kpo) {
  bool any = false;
  for (int d : kpo.depth) any = any || d > 0;
  if (!any || kpo.refill_threads == 0) {
    spdlog::info("key pool off: every key is generated when CreateCsr asks for it");
    return std::unique_ptr<crypto::KeySource>(std::make_unique<crypto::InlineKeySource>());
  }
  auto pool = crypto::KeyPool::Create(kpo);
  if (!pool.ok()) return pool.status();
  std::string depths;
  for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) {
    if (!depths.empty()) depths += ' ';
    depths += std::string(crypto::KeyAlgoName(a)) + '=' +
              std::to_string(kpo.depth[crypto::KeyAlgoIndex(a)]);
  }
  spdlog::info("key pool: {} ({} refill thread(s), priority {})", depths, kpo.refill_threads,
               kpo.low_priority ? "idle (SCHED_IDLE, else nice 19)" : "normal");
  return std::unique_ptr<crypto::KeySource>(std::move(pool).value());
}

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

int RunServe(const ServeOptions& opt) {
  DisableCoreDumps();
  // Before any thread starts (bench/RESULTS.md: 16 workers with an arena each
  // ended a benchmark run at 70 MiB RSS).
  if (int cap = CapMallocArenas(kMallocArenas, std::getenv("MALLOC_ARENA_MAX"),
                                std::getenv("GLIBC_TUNABLES"))) {
    spdlog::debug("malloc arenas capped at {}", cap);
  }
  auto pool_options = KeyPoolOptionsFrom(opt);
  if (!pool_options.ok()) {
    spdlog::error("{}", pool_options.status().message());
    return 2;
  }
  auto transport = PlanTransport(opt);
  if (!transport.ok()) {
    spdlog::error("{}", transport.status().message());
    return transport.status().IsInvalidArgument() ? 2 : 1;
  }
  const std::string host = transport->host;
  const uint16_t port = transport->port;
  if (!transport->warning.empty()) spdlog::warn("{}", transport->warning);
  std::shared_ptr<http::TlsContext> tls = transport->tls;
  if (tls) spdlog::info("TLS certificate: {}", tls->Describe());

  // Signals are taken by one thread with sigwait, so block them everywhere
  // before any other thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);  // reloads the TLS certificate
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto where = store::ParseDatabaseFlag(opt.database, opt.data_dir);
  if (!where.ok()) {
    spdlog::error("--database: {}", where.status().ToString());
    return 2;
  }
  const bool shared = where->kind == store::StoreKind::kPostgres;
  if (!shared) {
    std::error_code ec;
    std::filesystem::create_directories(opt.data_dir, ec);
    if (ec) {
      spdlog::error("cannot create data dir {}: {}", opt.data_dir, ec.message());
      return 1;
    }
    ::chmod(opt.data_dir.c_str(), 0700);
    // SQLite's own error for this ("unable to open database file") does not
    // say why; a read-only mount or a wrong owner is the usual reason.
    if (::access(opt.data_dir.c_str(), W_OK | X_OK) != 0) {
      spdlog::error("data dir {} is not writable: {}", opt.data_dir, std::strerror(errno));
      return 1;
    }
  }

  // Declared before the store and the App, so it outlives everything that
  // records into it.
  metrics::Registry registry;
  api::ServiceMetrics service_metrics(&registry);
  store::OpenOptions sopt;
  sopt.sqlite_synchronous = opt.synchronous;
  sopt.postgres_pool_size = opt.db_pool_size;
  auto store = store::OpenStore(*where, sopt);
  if (!store.ok()) {
    spdlog::error("cannot open database {}: {}", where->redacted, store.status().ToString());
    return 1;
  }
  // SQLite's group-commit counters (read from the store itself, not the decorator); then every
  // database call from here on is timed (csrd_db_operation_duration_seconds).
  store::RegisterBackendMetrics(**store, &registry);
  *store = std::make_unique<store::MeteredStore>(std::move(*store), &registry);
  if (Status st = registry.status(); !st.ok()) {
    spdlog::error("metrics: {}", st.ToString());
    return 1;
  }

  // A shared database never gets a generated key, nor one from a replica's
  // own data dir: the key must be handed to every replica alike.
  MasterKeySource mks{EnvOr("CSRD_MASTER_KEY"), opt.master_key_file, shared ? "" : opt.data_dir};
  unsetenv("CSRD_MASTER_KEY");
  auto mk = LoadMasterKey(mks, **store, /*allow_generate=*/!shared);
  if (!mk.ok()) {
    spdlog::error("master key: {}", mk.status().ToString());
    return 1;
  }
  if (mk->generated) {
    spdlog::warn("generated a new master key in {} (mode 0600); back it up and keep it outside "
                 "the data dir in production: without it no stored private key can be read",
                 mk->origin);
  } else {
    spdlog::info("master key loaded from {}", mk->origin);
  }
  auto sealer = crypto::KeySealer::Create(mk->key);
  if (!sealer.ok()) {
    spdlog::error("master key: {}", sealer.status().ToString());
    return 1;
  }

  SystemClock clock;
  identity::PasswordHasher hasher(identity::Argon2Params{});
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  identity::KdfLimiter kdf_limiter(static_cast<int>(cores));
  identity::TokenService tokens(store->get(), &clock, opt.token_lifetime_s * 1000);
  identity::LoginService login(store->get(), &clock, &hasher, &kdf_limiter, &tokens,
                               identity::LoginPolicy{}, LogLostAuditEvent);
  identity::CredentialService credentials(store->get(), &clock, &*sealer);
  identity::AkSkVerifier aksk(store->get(), &clock, &credentials, identity::AkSkPolicy{},
                              LogLostAuditEvent);
  identity::Authenticator authenticator(&tokens, &aksk);
  identity::AccountAdmin admin(store->get(), &clock, &hasher);

  if (int rc = Bootstrap(**store, admin, opt.data_dir); rc != 0) return rc;

  // Started after every check that can fail, because stopping it may wait
  // for a key in flight.
  auto key_source = MakeKeySource(*pool_options);
  if (!key_source.ok()) {
    spdlog::error("key pool: {}", key_source.status().ToString());
    return 1;
  }
  std::unique_ptr<crypto::KeySource> keys = std::move(key_source).value();

  api::AppDeps deps;
  deps.store = store->get();
  deps.clock = &clock;
  deps.sealer = &*sealer;
  deps.authenticator = &authenticator;
  deps.login = &login;
  deps.tokens = &tokens;
  deps.credentials = &credentials;
  deps.keys = keys.get();
  service_metrics.WatchKeySource(keys.get());
  deps.metrics = &service_metrics;
  api::AppConfig config;
  config.csr_quota_per_account = opt.csr_quota;
  config.max_pending_keygens =
      opt.max_pending_keygens > 0 ? opt.max_pending_keygens : std::max(1, opt.workers / 2);
  api::App app(deps, config, LogAccess);

  http::ServerOptions sv;
  sv.host = host;
  sv.port = port;
  sv.io_threads = opt.io_threads;
  sv.worker_threads = opt.workers;
  sv.idle_timeout_s = opt.idle_timeout_s;
  sv.request_timeout_s = opt.request_timeout_s;
  sv.max_connections = opt.max_connections;
  sv.tls = tls;
  // A handshake is part of receiving the first request, so it gets no more
  // time than a request does.
  sv.handshake_timeout_s = std::min(sv.handshake_timeout_s, opt.request_timeout_s);
  auto server = http::Server::Create(sv, &app);
  if (!server.ok()) {
    spdlog::error("cannot listen on {}: {}", opt.listen, server.status().ToString());
    return 1;
  }
  spdlog::info("csrd listening on {}://{}:{} (database {}, data dir {})", tls ? "https" : "http",
               host, (*server)->port(), where->redacted, opt.data_dir);

  std::atomic<bool> signaled{false};
  std::thread signal_waiter([&] {
    int sig = 0;
    for (;;) {
      sigwait(&sigs, &sig);
      if (sig != SIGHUP) break;
      if (!tls) {
        spdlog::info("SIGHUP: nothing to reload (no TLS)");
        continue;
      }
      // Established connections keep going; new handshakes get the new pair.
      Status st = tls->Reload();
      if (st.ok()) {
        spdlog::info("TLS certificate reloaded: {}", tls->Describe());
      } else {
        spdlog::error("TLS reload failed, still serving the previous certificate: {}",
                      st.message());
      }
    }
    signaled = true;
    spdlog::info("signal {} received: finishing in-flight requests", sig);
    (*server)->Stop(opt.shutdown_grace_s * 1000);
  });
  // Expired tokens and temporary keys are dead weight: sweep them every ten
  // minutes (a failure is only logged; the next sweep tries again).
  std::optional<PeriodicTask> sweeper(std::in_place, std::chrono::minutes(10), [&] {
    const int64_t now = clock.NowMillis();
    Status a = (*store)->DeleteExpiredTokens(now);
    Status b = (*store)->DeleteExpiredCredentials(now);
    if (!a.ok() || !b.ok()) {
      spdlog::warn("sweeping expired tokens/keys failed: {} / {}", a.ToString(), b.ToString());
    }
  });

  // Hands the memory freed after a burst back to the OS (heap.h).
  HeapTrimmer trimmer(std::chrono::seconds(10), size_t{4} << 20, [](size_t before, size_t after) {
    spdlog::debug("heap trimmed: RSS {} -> {} KiB", before >> 10, after >> 10);
  });
  (*server)->Run();
  sweeper.reset();  // stopped before the server and the key pool go
  // Run() can also return without a signal (fatal listener error): wake the
  // waiter so it can be joined.
  if (!signaled) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  server->reset();
  // No handler runs any more. Joining the refill threads may wait for the one
  // key each has in flight (an RSA-4096 key: seconds).
  keys.reset();
  spdlog::info("csrd stopped");
  return 0;
}

}  // namespace csrd::cmd
