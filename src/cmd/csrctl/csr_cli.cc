// The csr command group: options and manual text (runners in csr_commands.cc).
#include "cmd/csrctl/commands.h"
#include "cmd/csrctl/csr_commands.h"

namespace csrd::csrctl {
namespace {

const std::vector<std::string> kAlgos = {"RSA_2048", "RSA_3072", "RSA_4096",
                                         "EC_P256",  "EC_P384",  "SM2"};

CLI::App* Command(CLI::App* parent, ManFormatter& man, const char* name, const char* summary,
                  CommandDoc doc) {
  CLI::App* c = parent->add_subcommand(name, summary);
  man.Document(c, std::move(doc));
  return c;
}

void ForceFlag(CLI::App* c, CsrOptions& o) {
  c->add_flag("--force", o.force,
              "Replace output files that exist (atomically: the old file stays until the new one "
              "is complete). Without it an existing file is never touched.");
}

}  // namespace

void AddCsrCommands(CLI::App& root, Context& ctx, ManFormatter& man) {
  static CsrOptions o;
  CLI::App* csr = Command(&root, man, "csr", "create, list, show, rename, delete, export and upload CSRs",
                          {"csr COMMAND [OPTIONS]",
                           "Certificate signing requests of your account. CSR ids are 32 "
                           "lower-case hex characters; csrctl csr list shows them.",
                           {},
                           "csrctl csr list\ncsrctl csr create --help"});
  csr->require_subcommand(1);

  CLI::App* c = Command(
      csr, man, "create", "create a CSR; the server generates its private key",
      {"csr create --name NAME --domain DOMAIN [--sans LIST] [--algo ALGO]\n"
       "    [--usage PERSONAL|ENTERPRISE] [--country CC --province P --city C --company O]\n"
       "    [--csr-out FILE] [--key-out FILE] [--force]",
       "Asks the server to generate a private key of the chosen algorithm and a PKCS#10 request "
       "for DOMAIN (subject CN, and the first subjectAltName) plus the --sans names. ENTERPRISE "
       "requests carry C, ST, L and O from the four company options, which are then required. "
       "The server validates every field and answers SCM.0005 naming the first bad one.\n"
       "\n"
       "--csr-out writes the CSR's PEM to a file; --key-out exports the private key into a file "
       "created with mode 0600 (an export is recorded in the audit trail). Both files are "
       "reserved before the request is sent, so an existing file stops the command before "
       "anything is created.",
       {},
       "csrctl csr create --name web --domain www.example.com --sans 'example.com;api.example.com'\n"
       "csrctl csr create --name corp --domain corp.example.com --algo RSA_3072 \\\n"
       "    --usage ENTERPRISE --country DE --province Berlin --city Berlin --company 'Acme GmbH' \\\n"
       "    --csr-out corp.csr --key-out corp.key"});
  c->add_option("--name", o.name, "Display name, 1..63 characters.")->type_name("NAME")->required();
  c->add_option("--domain", o.domain, "The domain name: subject CN and first SAN (*.x allowed).")
      ->type_name("DOMAIN")
      ->required();
  c->add_option("--sans", o.sans, "More DNS names, separated by ';' or ','.")->type_name("LIST");
  c->add_option("--algo", o.algo, "Key algorithm: RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P384 or SM2.")
      ->type_name("ALGO")
      ->capture_default_str()
      ->check(CLI::IsMember(kAlgos));
  c->add_option("--usage", o.usage, "PERSONAL (subject CN only) or ENTERPRISE (with C, ST, L, O).")
      ->type_name("USAGE")
      ->capture_default_str()
      ->check(CLI::IsMember({"PERSONAL", "ENTERPRISE"}));
  c->add_option("--country", o.country, "Two-letter country code (C).")->type_name("CC");
  c->add_option("--province", o.province, "State or province (ST).")->type_name("TEXT");
  c->add_option("--city", o.city, "City (L).")->type_name("TEXT");
  c->add_option("--company", o.company, "Organization (O).")->type_name("TEXT");
  c->add_option("--csr-out", o.csr_out, "Write the CSR (PEM) to FILE.")->type_name("FILE");
  c->add_option("--key-out", o.key_out, "Export the private key (PKCS#8 PEM) to FILE, mode 0600.")
      ->type_name("FILE");
  ForceFlag(c, o);
  c->callback([&ctx] { ctx.run = [&ctx] { return RunCreate(ctx, o); }; });

  c = Command(csr, man, "list", "list your CSRs, newest first",
              {"csr list [--limit N] [--offset N] [--name TEXT] [--algo ALGO] [--all]",
               "Lists CSRs newest first, one page at a time (--limit, 10..50, default 10, after "
               "skipping --offset entries), or every page with --all. --name keeps names "
               "containing TEXT (case-sensitive), --algo one algorithm. The table goes to "
               "standard output and an 'N of TOTAL' line to standard error; --output json prints "
               "{\"csr_list\": [...], \"total\": N} with the full CSR objects.",
               {},
               "csrctl csr list --limit 50 --name web\n"
               "csrctl csr list --all --output json | jq -r '.csr_list[] | .id + \" \" + .name'"});
  c->add_option("--limit", o.limit, "Page size, 10..50.")->type_name("N");
  c->add_option("--offset", o.offset, "Entries to skip.")->type_name("N");
  c->add_option("--name", o.filter_name, "Only names containing TEXT.")->type_name("TEXT");
  c->add_option("--algo", o.filter_algo, "Only this algorithm.")->type_name("ALGO")->check(CLI::IsMember(kAlgos));
  c->add_flag("--all", o.all, "Fetch every page.");
  c->callback([&ctx] { ctx.run = [&ctx] { return RunList(ctx, o); }; });

  c = Command(csr, man, "show", "show one CSR",
              {"csr show ID [--pem] [--csr-out FILE [--force]]",
               "Shows a CSR's fields. --pem prints only the CSR's PEM (for openssl req); "
               "--csr-out writes it to a file. An unknown id, or one of another account, is "
               "SCM.0707.",
               {},
               "csrctl csr show 0123456789abcdef0123456789abcdef --pem | openssl req -noout -text"});
  c->add_option("ID", o.id, "The CSR id.")->required();
  c->add_flag("--pem", o.pem, "Print only the CSR in PEM.");
  c->add_option("--csr-out", o.csr_out, "Write the CSR (PEM) to FILE.")->type_name("FILE");
  ForceFlag(c, o);
  c->callback([&ctx] { ctx.run = [&ctx] { return RunShow(ctx, o); }; });

  c = Command(csr, man, "rename", "change a CSR's name",
              {"csr rename ID NAME", "Sets a new display name (1..63 characters); nothing else changes.",
               {}, "csrctl csr rename 0123456789abcdef0123456789abcdef web-2026"});
  c->add_option("ID", o.id, "The CSR id.")->required();
  c->add_option("NAME", o.new_name, "The new name.")->required();
  c->callback([&ctx] { ctx.run = [&ctx] { return RunRename(ctx, o); }; });

  c = Command(csr, man, "delete", "delete CSRs and their private keys",
              {"csr delete ID...",
               "Deletes each CSR with its stored private key. Ids that fail are reported and the "
               "others still deleted; the exit status is that of the worst failure.",
               {}, "csrctl csr delete 0123456789abcdef0123456789abcdef"});
  c->add_option("ID", o.ids, "CSR ids.")->required()->expected(1, 1000);
  c->callback([&ctx] { ctx.run = [&ctx] { return RunDelete(ctx, o); }; });

  c = Command(csr, man, "key", "export a CSR's private key into a file (mode 0600)",
              {"csr key ID --out FILE [--force]\ncsr key ID --stdout",
               "Exports the private key (unencrypted PKCS#8 PEM) of a CSR the server generated, "
               "or of an uploaded one that came with its key (SCM.0010 otherwise). Needs SCM "
               "FullAccess; every export is audited.\n"
               "\n"
               "The key goes into FILE, created with mode 0600; an existing FILE is refused "
               "before the key is fetched unless --force is given. It is written to standard "
               "output only when you ask for it with --stdout.",
               {},
               "csrctl csr key 0123456789abcdef0123456789abcdef --out web.key\n"
               "csrctl csr key 0123456789abcdef0123456789abcdef --stdout | openssl pkey -noout -text"});
  c->add_option("ID", o.id, "The CSR id.")->required();
  c->add_option("--out", o.out, "Write the key to FILE (mode 0600).")->type_name("FILE");
  c->add_flag("--stdout", o.to_stdout, "Print the key on standard output instead.");
  ForceFlag(c, o);
  c->callback([&ctx] { ctx.run = [&ctx] { return RunKey(ctx, o); }; });

  c = Command(csr, man, "upload", "upload a CSR made elsewhere, optionally with its key",
              {"csr upload --name NAME --csr FILE [--key FILE]",
               "Stores a PKCS#10 request (PEM) made elsewhere. The server checks its signature "
               "and key (one of the six algorithms) and derives domain, SANs, algorithm, usage and "
               "company fields from it. With --key (unencrypted PEM: PKCS#8, PKCS#1 or SEC1) the "
               "key is stored sealed too and can be exported later; it must be the CSR's key "
               "(SCM.0014) and parsable (SCM.0012).",
               {},
               "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \\\n"
               "    -subj /CN=www.example.com -keyout my.key -out my.csr\n"
               "csrctl csr upload --name mine --csr my.csr --key my.key"});
  c->add_option("--name", o.name, "Display name, 1..63 characters.")->type_name("NAME")->required();
  c->add_option("--csr", o.csr_file, "The CSR, PEM.")->type_name("FILE")->required();
  c->add_option("--key", o.key_file, "Its private key, PEM (unencrypted).")->type_name("FILE");
  c->callback([&ctx] { ctx.run = [&ctx] { return RunUpload(ctx, o); }; });
}

}  // namespace csrd::csrctl
