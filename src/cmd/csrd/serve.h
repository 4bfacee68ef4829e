// `csrd serve`: wires the layers together and runs the HTTP server until
// SIGTERM or SIGINT.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key_pool.h"

namespace csrd::cmd {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./csrd-data";
  // "" = SQLite at <data_dir>/csrd.db; "postgresql://..." = a shared
  // PostgreSQL database (then data_dir only receives the generated bootstrap
  // password file, if any). See store::ParseDatabaseFlag.
  std::string database;
  int db_pool_size = 8;  // PostgreSQL connections per process
  std::string master_key_file;
  int workers = 16;
  int io_threads = 1;
  int64_t token_lifetime_s = 24 * 3600;
  int64_t csr_quota = 100000;
  // 0 = half the workers, so key generation never occupies every worker and
  // reads, logins and /health keep being served during a burst of RSA creates.
  int max_pending_keygens = 0;
  std::string synchronous = "FULL";
  int idle_timeout_s = 60;
  int request_timeout_s = 30;
  size_t max_connections = 10000;
  // In-flight requests get this long after SIGTERM; RSA-4096 keygen alone can
  // take seconds on a busy machine.
  int shutdown_grace_s = 60;
  // Key pool: "ALG=N" settings applied in order over the defaults of
  // crypto::KeyPoolOptions ("all=0" turns the pool off), refill threads
  // (0: no pool) and their scheduling ("idle": SCHED_IDLE, else nice 19;
  // "normal": like the workers).
  std::vector<std::string> key_pool_depths;
  int key_pool_threads = 1;
  std::string key_pool_priority = "idle";
  // HTTPS: a PEM certificate chain (leaf first) and its unencrypted PEM key,
  // both or neither; re-read on SIGHUP. Without them csrd serves plain HTTP,
  // which on a non-loopback address needs allow_insecure_http.
  std::string tls_cert;
  std::string tls_key;
  bool allow_insecure_http = false;
  // Log lines on stderr: "json" (JSON lines) or "text" (cmd/csrd/logging.h).
  std::string log_format = "json";
};

// Returns the process exit code.
int RunServe(const ServeOptions& options);

// The pool settings of opt over crypto::KeyPoolOptions' defaults;
// InvalidArgument (naming the flag) on a bad value.
Result<crypto::KeyPoolOptions> KeyPoolOptionsFrom(const ServeOptions& opt);

// Splits "HOST:PORT" ("[::1]:8080" for IPv6). False on a malformed value.
bool SplitHostPort(const std::string& listen, std::string* host, uint16_t* port);

// The one description of a listen value SplitHostPort refuses:
// `must be HOST:PORT ([::1]:8080 for IPv6), got "<listen>"`.
std::string ListenFormatProblem(const std::string& listen);

// True if every address host resolves to is a loopback address (127.0.0.0/8,
// ::1, or ::ffff:127.x.y.z); false for 0.0.0.0, ::, other addresses and
// names that do not resolve.
bool IsLoopbackHost(const std::string& host);

}  // namespace csrd::cmd
