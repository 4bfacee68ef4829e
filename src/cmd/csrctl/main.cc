// csrctl: a command-line client for csrd (and Huawei Cloud SCM's CSR API).
// Thin: parse the command line, let the client library talk, print.
#include <CLI/CLI.hpp>

#include <clocale>
#include <cstdio>

#include "cmd/csrctl/commands.h"
#include "cmd/csrctl/context.h"
#include "cmd/csrctl/help.h"

namespace {

using csrd::csrctl::CommandDoc;

CommandDoc RootDoc() {
  CommandDoc d;
  d.synopsis =
      "[GLOBAL OPTIONS] COMMAND [ARGS...]\n"
      "COMMAND --help";
  d.description =
      "csrctl manages certificate signing requests on a csrd server (or on any service that "
      "speaks Huawei Cloud SCM's CSR API): it creates CSRs whose private keys the server "
      "generates, lists, shows, renames and deletes them, exports private keys into files of "
      "mode 0600, uploads CSRs made elsewhere, and reads the audit trail.\n"
      "\n"
      "Requests are authenticated like the official Huawei Cloud SDKs authenticate them: "
      "signed with an access key (AK/SK, SDK-HMAC-SHA256, the same signing code csrd verifies "
      "with), or with an IAM token from csrctl login. AK/SK is used when one is available "
      "(environment or profile), else the profile's token; --auth chooses explicitly.\n"
      "\n"
      "Settings come from, in this order: command-line options, the environment, the profile "
      "(see FILES). csrctl configure writes a profile; no editor is needed.\n"
      "\n"
      "HTTPS endpoints are verified: the server certificate must chain to a system CA or to "
      "the --ca-file bundle, and must match the endpoint's host name or IP address.";
  d.sections = {
      {"FILES",
       "$XDG_CONFIG_HOME/csrctl/config, or ~/.config/csrctl/config when XDG_CONFIG_HOME is unset: "
       "the profiles, one [NAME] section each with endpoint, ak, sk, project_id, domain_id, "
       "ca_file and the token of csrctl login. It holds secrets, so it must be mode 0600 and "
       "owned by you: csrctl refuses to read it otherwise (chmod 600 it, or run csrctl configure, "
       "which rewrites it with mode 0600). The directory is created with mode 0700."},
      {"ENVIRONMENT",
       " CSRCTL_ENDPOINT      endpoint URL (overrides the profile; --endpoint overrides it)\n"
       " CSRCTL_PROFILE       profile name (default: default; --profile overrides it)\n"
       " HUAWEICLOUD_SDK_AK   access key, with HUAWEICLOUD_SDK_SK (the SDKs' names);\n"
       " HUAWEICLOUD_SDK_SK   both together override the profile's AK/SK\n"
       " HUAWEICLOUD_SDK_DOMAIN_ID, HUAWEICLOUD_SDK_PROJECT_ID\n"
       "                      sent as X-Domain-Id / X-Project-Id (override the profile)\n"
       " XDG_CONFIG_HOME, HOME  where the config file lives (see FILES)"},
      {"EXIT STATUS",
       " 0  success\n"
       " 1  the server answered with an error (error_code, error_msg and request id are shown)\n"
       " 2  usage or configuration error (bad arguments, no endpoint or credentials, an\n"
       "    unsafe config file, an unreadable CA file)\n"
       " 3  network or TLS error (cannot resolve, connection refused, timeout, certificate\n"
       "    not trusted or not matching the host)\n"
       " 4  local file error (an output file exists, an input file cannot be read)"},
  };
  d.examples =
      "# Save a profile; the SK is read from a prompt (or stdin with --sk-stdin):\n"
      "csrctl configure --endpoint https://csrd.example.com:8443 --ak AKEXAMPLE\n"
      "\n"
      "# Create a CSR, keep the CSR and its private key in files:\n"
      "csrctl csr create --name web --domain www.example.com --sans api.example.com \\\n"
      "    --algo EC_P256 --csr-out web.csr --key-out web.key\n"
      "\n"
      "csrctl csr list --output json | jq -r '.csr_list[].id'\n"
      "\n"
      "# Or log in with a password instead of an AK/SK:\n"
      "csrctl login --domain acme --user alice\n"
      "\n"
      "# Bash completion:\n"
      "source <(csrctl completion bash)";
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_CTYPE, "");
  csrd::csrctl::Context ctx;
  CLI::App app{"a command-line client for csrd's CSR API", "csrctl"};
  auto man = std::make_shared<csrd::csrctl::ManFormatter>();
  app.formatter(man);
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", "csrctl " + std::string(csrd::csrctl::kVersion));
  app.set_help_flag("-h,--help", "Print this manual and exit.");
  man->Document(&app, RootDoc());

  auto& g = ctx.global;
  app.add_option("--endpoint", g.endpoint,
                 "The server, http[s]://HOST[:PORT]. Overrides CSRCTL_ENDPOINT and the profile.")
      ->type_name("URL");
  app.add_option("--profile", g.profile,
                 "The profile to use (default: CSRCTL_PROFILE, else \"default\").")
      ->type_name("NAME");
  app.add_option("-o,--output", g.output,
                 "table (for people) or json (the server's JSON, indented, for scripts).")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--ca-file", g.ca_file,
                 "PEM bundle of the CA(s) to trust for an https endpoint instead of the system "
                 "store (overrides the profile's ca_file).")
      ->type_name("FILE");
  app.add_option("--auth", g.auth,
                 "aksk, token, or auto: AK/SK when available, else the profile's token.")
      ->type_name("MODE")
      ->check(CLI::IsMember({"auto", "aksk", "token"}));
  app.add_option("--timeout", g.timeout_s,
                 "Seconds one request may take, connecting included (default: 60).")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.1, 3600.0));

  csrd::csrctl::AddAccountCommands(app, ctx, *man);
  csrd::csrctl::AddCsrCommands(app, ctx, *man);
  csrd::csrctl::AddAuditCommands(app, ctx, *man);
  csrd::csrctl::AddCompletionCommand(app, ctx, *man);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "csrctl: %s\nRun csrctl --help (or csrctl COMMAND --help) for the manual.\n",
                 e.what());
    return csrd::csrctl::kExitUsage;
  }
  if (!ctx.run) {
    std::fputs("csrctl: no command given; see csrctl --help\n", stderr);
    return csrd::csrctl::kExitUsage;
  }
  return ctx.run();
}
