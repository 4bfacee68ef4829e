// csrd: the server program. `csrd serve` runs the service; `csrd admin ...`
// manages accounts, users and keys in a store and migrates stores.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "cmd/csrd/admin.h"
#include "cmd/csrd/check_config.h"
#include "cmd/csrd/config.h"
#include "cmd/csrd/logging.h"
#include "cmd/csrd/serve.h"
#include "cmd/csrd/serve_flags.h"
#include "core/secret.h"

namespace {

void ForEachLine(std::string_view text, auto&& fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Loads the settings (flags > CSRD_* > --config file > defaults), then checks
// them (--check-config) or serves. Bad configuration: exit 2.
int RunServeCommand(const csrd::cmd::ServeCommandLine& cl) {
  auto cfg = csrd::cmd::LoadServeConfig(
      {cl.config, csrd::cmd::ConfigEnvironment(), csrd::cmd::GivenFlags(cl)});
  if (!cl.check_config) {
    if (!cfg.ok()) {
      ForEachLine(cfg.status().message(),
                  [](std::string_view line) { spdlog::error("configuration: {}", line); });
      return 2;
    }
    // The server logs JSON lines unless told otherwise (the table validated
    // the name); before this point, configuration errors are logged as text.
    csrd::cmd::LogFormat format = csrd::cmd::LogFormat::kJson;
    csrd::cmd::ParseLogFormat(cfg->options.log_format, &format);
    csrd::cmd::SetUpLogging(format);
    return csrd::cmd::RunServe(cfg->options);
  }
  if (!cfg.ok()) {
    ForEachLine(cfg.status().message(),
                [](std::string_view line) { std::cerr << "error: " << line << "\n"; });
    std::cerr << "configuration invalid\n";
    return 2;
  }
  csrd::cmd::SecretEnv secrets;
  if (const char* mk = std::getenv("CSRD_MASTER_KEY")) secrets.master_key = mk;
  secrets.bootstrap_password = std::getenv("CSRD_BOOTSTRAP_PASSWORD") != nullptr;
  std::cout << csrd::cmd::FormatEffectiveConfig(*cfg, secrets) << std::flush;
  auto problems = csrd::cmd::CheckServeConfig(*cfg, secrets);
  csrd::SecureWipe(secrets.master_key);
  for (const std::string& p : problems) std::cerr << "error: " << p << "\n";
  std::cerr << (problems.empty() ? "configuration OK\n" : "configuration invalid\n");
  return problems.empty() ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"csrd: a self-hosted, Huawei Cloud SCM-compatible CSR service"};
  app.require_subcommand(1);

  // Every serve setting comes from the table of config_table.cc: flag, CSRD_*
  // variable and configuration-file key.
  csrd::cmd::ServeCommandLine serve;
  auto* s = app.add_subcommand("serve", "Run the HTTP service");
  csrd::cmd::RegisterServeFlags(s, &serve);

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; usage errors 2, like configuration errors.
    return app.exit(e) == 0 ? 0 : 2;
  }

  // Logs go to stderr; stdout is kept for command output. Text for people
  // running `csrd admin`; `csrd serve` switches to its configured format.
  csrd::cmd::SetUpLogging(csrd::cmd::LogFormat::kText);

  if (s->parsed()) return RunServeCommand(serve);
  return csrd::cmd::RunAdmin(admin);
}
