// csrd: the server program. `csrd serve` runs the service; `csrd admin ...`
// manages accounts, users and keys in a store and migrates stores.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cmd/csrd/admin.h"
#include "cmd/csrd/serve.h"
#include "crypto/key_pool.h"

int main(int argc, char** argv) {
  CLI::App app{"csrd: a self-hosted, Huawei Cloud SCM-compatible CSR service"};
  app.require_subcommand(1);

  csrd::cmd::ServeOptions serve;
  auto* s = app.add_subcommand("serve", "Run the HTTP service");
  s->add_option("--listen", serve.listen, "HOST:PORT to listen on")->capture_default_str();
  s->add_option("--data-dir", serve.data_dir, "Directory of the SQLite database and generated files")
      ->capture_default_str();
  s->add_option("--database", serve.database,
                "Store: postgresql://USER[:PASS]@HOST:PORT/DB[?...] for replicas sharing one "
                "PostgreSQL database, or sqlite:PATH (default: SQLite at <data-dir>/csrd.db)");
  s->add_option("--db-pool-size", serve.db_pool_size,
                "PostgreSQL connections this process keeps open")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  s->add_option("--master-key-file", serve.master_key_file,
                "File holding the base64 master key (default: CSRD_MASTER_KEY, else "
                "<data-dir>/master.key)");
  s->add_option("--workers", serve.workers, "Worker threads for handlers (crypto, database)")
      ->capture_default_str()->check(CLI::Range(1, 512));
  s->add_option("--io-threads", serve.io_threads, "I/O threads")
      ->capture_default_str()->check(CLI::Range(1, 64));
  s->add_option("--token-lifetime", serve.token_lifetime_s, "Token lifetime in seconds")
      ->capture_default_str()->check(CLI::Range(60, 7 * 24 * 3600));
  s->add_option("--csr-quota", serve.csr_quota, "CSRs per account (0: no cap)")
      ->capture_default_str();
  s->add_option("--max-pending-keygens", serve.max_pending_keygens,
                "Key generations in flight before CreateCsr answers 429 (0: half the workers)")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  s->add_option("--synchronous", serve.synchronous, "SQLite synchronous mode: FULL or NORMAL")
      ->capture_default_str()->check(CLI::IsMember({"FULL", "NORMAL"}));
  s->add_option("--idle-timeout", serve.idle_timeout_s, "Idle keep-alive timeout, seconds")
      ->capture_default_str();
  s->add_option("--request-timeout", serve.request_timeout_s,
                "Seconds allowed to receive one whole request")
      ->capture_default_str();
  s->add_option("--max-connections", serve.max_connections, "Open connections cap")
      ->capture_default_str();
  s->add_option("--shutdown-grace", serve.shutdown_grace_s,
                "Seconds in-flight requests get to finish after SIGTERM")
      ->capture_default_str()->check(CLI::Range(0, 3600));
  s->add_option("--key-pool-depth", serve.key_pool_depths,
                "Pre-generated keys kept per algorithm, ALG=N (repeatable; ALG is RSA_2048, "
                "RSA_3072, RSA_4096, EC_P256, EC_P384, SM2 or all; 0 disables). Defaults: "
                "RSA_2048=32 RSA_3072=16 RSA_4096=16 EC_P256=256 EC_P384=64 SM2=256")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator(
          [](std::string& spec) {
            csrd::crypto::KeyPoolOptions scratch;
            csrd::Status st = csrd::crypto::ApplyKeyPoolDepth(spec, &scratch);
            return st.ok() ? std::string() : st.message();
          },
          "ALG=N"));
  s->add_option("--key-pool-threads", serve.key_pool_threads,
                "Background threads refilling the key pool (0: no pool)")
      ->capture_default_str()->check(CLI::Range(0, csrd::crypto::kMaxKeyPoolThreads));
  s->add_option("--key-pool-priority", serve.key_pool_priority,
                "Refill threads' scheduling: idle (SCHED_IDLE, else nice 19) or normal")
      ->capture_default_str()->check(CLI::IsMember({"idle", "normal"}));
  s->add_option("--tls-cert", serve.tls_cert,
                "PEM certificate chain (leaf first) to serve HTTPS with; needs --tls-key; both "
                "files are re-read on SIGHUP");
  s->add_option("--tls-key", serve.tls_key, "Unencrypted PEM private key of --tls-cert");
  s->add_flag("--allow-insecure-http", serve.allow_insecure_http,
              "Serve plain HTTP on a non-loopback --listen address (only behind a "
              "TLS-terminating proxy; loopback needs no flag)");

  csrd::cmd::AdminCommand admin;
  auto* a = app.add_subcommand("admin", "Manage accounts, users and keys; migrate a store");
  a->add_option("--data-dir", admin.data_dir, "Data dir of the csrd to manage")
      ->capture_default_str();
  a->add_option("--database", admin.database,
                "Store of the csrd to manage, as `csrd serve --database` (default: SQLite at "
                "<data-dir>/csrd.db)");
  a->require_subcommand(1);
  a->fallthrough();
  auto verb = [&](const char* name, const char* help) {
    auto* v = a->add_subcommand(name, help);
    v->callback([&admin, name] { admin.verb = name; });
    return v;
  };
  verb("create-account", "Create an account; prints its id")
      ->add_option("name", admin.account, "Account name")->required();
  auto* cu = verb("create-user", "Create a user (password read from stdin); prints its id");
  cu->add_option("--account", admin.account)->required();
  cu->add_option("--user", admin.user)->required();
  cu->add_option("--role", admin.roles, "Role (repeatable): \"SCM FullAccess\", "
                 "\"SCM ReadOnlyAccess\", \"Security Administrator\"");
  auto* sr = verb("set-roles", "Replace a user's roles");
  sr->add_option("--account", admin.account)->required();
  sr->add_option("--user", admin.user)->required();
  sr->add_option("--role", admin.roles, "Role (repeatable)");
  for (const char* name : {"reset-password", "disable-user", "enable-user"}) {
    auto* v = verb(name, name == std::string("reset-password")
                             ? "Set a new password (read from stdin); revokes the user's tokens"
                             : "Disable/enable a user (disabling revokes its tokens)");
    v->add_option("--account", admin.account)->required();
    v->add_option("--user", admin.user)->required();
  }
  auto* ck = verb("create-key", "Create a permanent AK/SK for a user; prints {\"access\",\"secret\"} "
                 "(the only time the SK is shown)");
  ck->add_option("--account", admin.account)->required();
  ck->add_option("--user", admin.user)->required();
  ck->add_option("--description", admin.description);
  ck->add_option("--master-key-file", admin.master_key_file,
                 "Master key file (default: CSRD_MASTER_KEY, else <data-dir>/master.key)");
  auto* lk = verb("list-keys", "List a user's permanent access keys");
  lk->add_option("--account", admin.account)->required();
  lk->add_option("--user", admin.user)->required();
  for (const char* name : {"deactivate-key", "delete-key"}) {
    auto* v = verb(name, name == std::string("delete-key")
                             ? "Delete an access key (and its temporary keys)"
                             : "Deactivate an access key");
    v->add_option("--access", admin.access, "The AK")->required();
  }
  auto* ms = verb("migrate-store", "Copy a SQLite data dir into an empty store (PostgreSQL), "
                  "then verify the counts; stop csrd on the source first");
  ms->add_option("--from-data-dir", admin.from_data_dir, "SQLite data dir to copy")->required();
  ms->add_option("--to", admin.to, "Empty target: postgresql://... (or sqlite:PATH)")->required();
  auto* lu = verb("list-users", "List users");
  lu->add_option("--account", admin.account, "Only this account");
  lu->add_flag("--json", admin.json, "JSON output");

  CLI11_PARSE(app, argc, argv);

  // Logs go to stderr; stdout is kept for command output.
  auto logger = spdlog::stderr_logger_mt("csrd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);

  if (s->parsed()) return csrd::cmd::RunServe(serve);
  return csrd::cmd::RunAdmin(admin);
}
