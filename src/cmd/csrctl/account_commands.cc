// csrctl configure, login, logout, profile list|show.
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <boost/json/serialize.hpp>

#include "client/endpoint.h"
#include "client/render.h"
#include "client/response.h"
#include "cmd/csrctl/commands.h"
#include "core/json_wiping.h"
#include "identity/sdk_signature.h"

namespace csrd::csrctl {
namespace {

namespace json = boost::json;

struct AccountOptions {
  // configure
  std::string ak, project_id, domain_id;
  bool sk_stdin = false;
  std::vector<std::string> unset;
  // login
  std::string domain, user, project;
  bool password_stdin = false;
  // profile show
  std::string name;
};

// Loads the store for writing: a group/world-accessible file is accepted
// (the save rewrites it with mode 0600) with a note.
std::optional<client::ProfileStore> LoadForUpdate(Context& ctx, int* exit) {
  std::string path = ctx.ConfigPath();
  if (path.empty()) {
    *exit = ctx.Fail(kExitUsage, "cannot place the config file: set HOME or XDG_CONFIG_HOME");
    return std::nullopt;
  }
  bool loose = false;
  Result<client::ProfileStore> store =
      client::ProfileStore::Load(path, client::ProfileStore::LooseMode::kAllow, &loose);
  if (!store.ok()) {
    *exit = ctx.Fail(kExitUsage, store.status().message());
    return std::nullopt;
  }
  if (loose) ctx.Warn(path + " was accessible by group or others; it is rewritten with mode 0600");
  return std::move(store).value();
}

int Save(Context& ctx, const client::ProfileStore& store) {
  Status st = store.Save();
  return st.ok() ? kExitOk : ctx.Fail(kExitFile, st.message());
}

std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

int RunConfigure(Context& ctx, const AccountOptions& o) {
  std::string name = ctx.ProfileName();
  if (!client::IsValidProfileName(name)) {
    return ctx.Fail(kExitUsage, "profile names are 1..64 of A-Z a-z 0-9 _ . -");
  }
  const std::string& endpoint = ctx.global.endpoint;
  const std::string& ca_file = ctx.global.ca_file;
  if (endpoint.empty() && o.ak.empty() && !o.sk_stdin && o.project_id.empty() &&
      o.domain_id.empty() && ca_file.empty() && o.unset.empty()) {
    return ctx.Fail(kExitUsage, "nothing to set: give --endpoint, --ak, --project-id, "
                                "--domain-id, --ca-file or --unset (see csrctl configure --help)");
  }
  if (!endpoint.empty()) {
    Result<client::Endpoint> ep = client::ParseEndpoint(endpoint);
    if (!ep.ok()) return ctx.Fail(kExitUsage, ep.status().message());
  }
  if (!o.ak.empty() && !identity::IsAccessKeyId(o.ak)) {
    return ctx.Fail(kExitUsage, "--ak must be 1..40 letters or digits");
  }
  for (const std::string* v : {&o.project_id, &o.domain_id, &ca_file}) {
    if (!client::IsStorableValue(*v)) {
      return ctx.Fail(kExitUsage, "values may not hold control characters or surrounding spaces");
    }
  }
  if (!ca_file.empty() && access(ca_file.c_str(), R_OK) != 0) {
    return ctx.Fail(kExitFile, "cannot read the CA file " + ca_file);
  }

  int exit = kExitOk;
  std::optional<client::ProfileStore> store = LoadForUpdate(ctx, &exit);
  if (!store) return exit;
  client::Profile& p = store->Upsert(name);
  for (const std::string& key : o.unset) {
    if (key == "endpoint") p.endpoint.clear();
    if (key == "aksk") {
      p.ak.clear();
      p.sk = Secret();
    }
    if (key == "project_id") p.project_id.clear();
    if (key == "domain_id") p.domain_id.clear();
    if (key == "ca_file") p.ca_file.clear();
    if (key == "token") {
      p.token = Secret();
      p.token_expires_at.clear();
      p.token_user.clear();
    }
  }
  if (!endpoint.empty()) p.endpoint = endpoint;
  if (!o.project_id.empty()) p.project_id = o.project_id;
  if (!o.domain_id.empty()) p.domain_id = o.domain_id;
  if (!ca_file.empty()) p.ca_file = Absolute(ca_file);
  if (!o.ak.empty() || o.sk_stdin) {
    if (o.ak.empty() && p.ak.empty()) {
      return ctx.Fail(kExitUsage, "--sk-stdin needs --ak (the profile has no AK yet)");
    }
    Result<Secret> sk = GetSecret(o.sk_stdin, "secret key (SK)", "--sk-stdin");
    if (!sk.ok()) return ctx.Fail(kExitUsage, sk.status().message());
    if (!client::IsStorableValue(sk->view())) {
      return ctx.Fail(kExitUsage, "the SK may not hold control characters or surrounding spaces");
    }
    if (!o.ak.empty()) p.ak = o.ak;
    p.sk = std::move(sk).value();
  }
  int rc = Save(ctx, *store);
  if (rc != kExitOk) return rc;
  json::object out;
  out["profile"] = name;
  out["config_file"] = store->path();
  ctx.Emit(out, [&] { return "profile '" + name + "' saved in " + store->path() + "\n"; });
  return kExitOk;
}

int RunLogin(Context& ctx, const AccountOptions& o) {
  std::string name = ctx.ProfileName();
  if (!client::IsValidProfileName(name)) {
    return ctx.Fail(kExitUsage, "profile names are 1..64 of A-Z a-z 0-9 _ . -");
  }
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit, Context::Purpose::kLogin);
  if (!api) return exit;
  Result<Secret> password = GetSecret(o.password_stdin, "password", "--password-stdin");
  if (!password.ok()) return ctx.Fail(kExitUsage, password.status().message());

  json::storage_ptr sp = WipingJsonStorage();
  json::object user(sp), domain(sp), pw(sp), identity(sp), scope(sp), auth(sp), body(sp);
  domain["name"] = o.domain;
  user["domain"] = domain;
  user["name"] = o.user;
  user["password"] = password->view();
  pw["user"] = std::move(user);
  identity["methods"] = json::array({"password"}, sp);
  identity["password"] = std::move(pw);
  auth["identity"] = std::move(identity);
  if (!o.project.empty()) {
    json::object project(sp);
    project["name"] = o.project;
    scope["project"] = std::move(project);
  } else {
    scope["domain"] = domain;
  }
  auth["scope"] = std::move(scope);
  body["auth"] = std::move(auth);
  std::string text = json::serialize(body);
  ScopedWipe wipe(text);

  Result<client::HttpResponse> r =
      api->Call("POST", "/v3/auth/tokens", {}, text, client::ApiClient::Auth::kAnonymous);
  if (!r.ok()) return ctx.FailStatus(r.status());
  if (r->status >= 400) return ctx.FailApi(*r);
  std::optional<std::string_view> token = r->Header("X-Subject-Token");
  Result<json::value> v = client::ParseJsonBody(r->body);
  if (!token || token->empty() || !v.ok() || !v->is_object() || !v->get_object().contains("token")) {
    return ctx.Fail(kExitApi, "unexpected answer to the login: no X-Subject-Token or token body");
  }
  const json::value& t = v->at("token");
  std::string expires = JsonString(t, "expires_at");
  json::value u = t.get_object().contains("user") ? t.at("user") : json::value();
  std::string user_name = JsonString(u, "name");
  std::string account = u.is_object() && u.get_object().contains("domain")
                            ? JsonString(u.at("domain"), "name") : o.domain;

  std::optional<client::ProfileStore> store = LoadForUpdate(ctx, &exit);
  if (!store) return exit;
  client::Profile& p = store->Upsert(name);
  p.token = Secret(*token);
  p.token_expires_at = expires;
  p.token_user = user_name + "@" + account;
  if (p.endpoint.empty()) p.endpoint = api->endpoint().ToString();
  int rc = Save(ctx, *store);
  if (rc != kExitOk) return rc;

  json::object out;
  out["profile"] = name;
  out["user"] = user_name;
  out["user_id"] = JsonString(u, "id");
  out["domain"] = account;
  out["expires_at"] = expires;
  ctx.Emit(out, [&] {
    return "logged in as " + user_name + " (account " + account + "); the token is saved in "
           "profile '" + name + "' until " + expires + "\n";
  });
  if (!p.ak.empty() && ctx.global.auth == "auto") {
    ctx.Warn("profile '" + name + "' also has an AK/SK, which is used first; pass --auth token "
             "to use the token");
  }
  return kExitOk;
}

int RunLogout(Context& ctx) {
  int exit = kExitOk;
  std::optional<client::ProfileStore> store = LoadForUpdate(ctx, &exit);
  if (!store) return exit;
  std::string name = ctx.ProfileName();
  const client::Profile* found = store->Find(name);
  if (found == nullptr || found->token.empty()) {
    return ctx.Fail(kExitUsage, "profile '" + name + "' holds no token");
  }
  ctx.global.auth = "token";
  auto api = ctx.MakeClient(&exit);
  int rc = kExitOk;
  if (api) {
    // Revoke it on the server; 404 means it is gone already (expired, revoked).
    client::HeaderList subject = {{"X-Subject-Token", found->token.str()}};
    Result<client::HttpResponse> r =
        api->Call("DELETE", "/v3/auth/tokens", {}, "", client::ApiClient::Auth::kCredentials, subject);
    SecureWipe(subject[0].second);
    if (!r.ok()) rc = ctx.FailStatus(r.status());
    else if (r->status >= 400 && r->status != 404 && r->status != 401) rc = ctx.FailApi(*r);
  }
  client::Profile& p = store->Upsert(name);
  p.token = Secret();
  p.token_expires_at.clear();
  p.token_user.clear();
  int saved = Save(ctx, *store);
  if (saved != kExitOk) return saved;
  if (rc != kExitOk) {
    ctx.Warn("the token was removed from profile '" + name + "' but maybe not revoked");
    return rc;
  }
  json::object out;
  out["profile"] = name;
  out["logged_out"] = true;
  ctx.Emit(out, [&] { return "token of profile '" + name + "' revoked and removed\n"; });
  return kExitOk;
}

json::object ProfileJson(const client::Profile& p) {
  json::object o;
  o["name"] = p.name;
  o["endpoint"] = p.endpoint;
  o["ak"] = p.ak;
  o["sk_set"] = !p.sk.empty();
  o["project_id"] = p.project_id;
  o["domain_id"] = p.domain_id;
  o["ca_file"] = p.ca_file;
  o["token_set"] = !p.token.empty();
  o["token_user"] = p.token_user;
  o["token_expires_at"] = p.token_expires_at;
  return o;
}

int RunProfileList(Context& ctx) {
  int exit = kExitOk;
  std::optional<client::ProfileStore> store = ctx.LoadStore(&exit);
  if (!store) return exit;
  json::array list;
  std::vector<std::vector<std::string>> rows;
  for (const client::Profile& p : store->profiles()) {
    list.push_back(ProfileJson(p));
    std::string creds = !p.ak.empty() ? "AK " + p.ak : "";
    if (!p.token.empty()) creds += std::string(creds.empty() ? "" : ", ") + "token of " + p.token_user;
    rows.push_back({(p.name == ctx.ProfileName() ? "* " : "  ") + p.name, p.endpoint,
                    creds.empty() ? "-" : creds});
  }
  json::object out;
  out["config_file"] = ctx.ConfigPath();
  out["current"] = ctx.ProfileName();
  out["profiles"] = std::move(list);
  ctx.Emit(out, [&] { return client::RenderTable({"  PROFILE", "ENDPOINT", "CREDENTIALS"}, rows); });
  return kExitOk;
}

int RunProfileShow(Context& ctx, const AccountOptions& o) {
  int exit = kExitOk;
  std::optional<client::ProfileStore> store = ctx.LoadStore(&exit);
  if (!store) return exit;
  std::string name = o.name.empty() ? ctx.ProfileName() : o.name;
  const client::Profile* p = store->Find(name);
  if (p == nullptr) return ctx.Fail(kExitUsage, "no profile '" + name + "' in " + ctx.ConfigPath());
  ctx.Emit(ProfileJson(*p), [&] {
    return client::RenderFields({{"profile", p->name},
                                 {"endpoint", p->endpoint},
                                 {"ak", p->ak},
                                 {"sk", p->sk.empty() ? "" : "(set, not shown)"},
                                 {"project_id", p->project_id},
                                 {"domain_id", p->domain_id},
                                 {"ca_file", p->ca_file},
                                 {"token", p->token.empty() ? "" : "(set, not shown) for " + p->token_user},
                                 {"token_expires_at", p->token_expires_at}});
  });
  return kExitOk;
}

}  // namespace

void AddAccountCommands(CLI::App& root, Context& ctx, ManFormatter& man) {
  static AccountOptions o;
  CLI::App* c = root.add_subcommand("configure", "write a profile: endpoint, AK/SK, ids, CA file");
  man.Document(c, {"[--profile NAME] configure [--endpoint URL] [--ak AK [--sk-stdin]]\n"
                   "    [--project-id ID] [--domain-id ID] [--ca-file FILE] [--unset KEY...]",
                   "Creates or updates a profile in the config file (see csrctl --help, FILES); "
                   "only the settings given change. The file is rewritten atomically with mode "
                   "0600, also fixing a file that group or others could read.\n"
                   "\n"
                   "The SK never goes on the command line, where other users could see it in the "
                   "process list: with --ak it is asked for on the terminal (not echoed), or read "
                   "as one line from standard input with --sk-stdin. --sk-stdin alone replaces "
                   "the SK of the profile's AK.\n"
                   "\n"
                   "--domain-id (the account id) is sent as X-Domain-Id and --project-id as "
                   "X-Project-Id, as the SDKs do. --ca-file is stored as an absolute path. "
                   "--unset removes endpoint, aksk, project_id, domain_id, ca_file or token.",
                   {},
                   "csrctl configure --endpoint https://csrd.example.com:8443 --ak AKEXAMPLE\n"
                   "printf '%s\\n' \"$SK\" | csrctl --profile ci configure --endpoint http://127.0.0.1:8080 \\\n"
                   "    --ak \"$AK\" --sk-stdin\n"
                   "csrctl configure --unset token"});
  c->add_option("--ak", o.ak, "The access key id (1..40 letters or digits).")->type_name("AK");
  c->add_flag("--sk-stdin", o.sk_stdin, "Read the SK as one line from standard input.");
  c->add_option("--project-id", o.project_id, "Sent as X-Project-Id.")->type_name("ID");
  c->add_option("--domain-id", o.domain_id, "The account id, sent as X-Domain-Id.")->type_name("ID");
  c->add_option("--unset", o.unset, "Remove a setting: endpoint, aksk, project_id, domain_id, "
                "ca_file or token (repeatable).")
      ->type_name("KEY")
      ->check(CLI::IsMember({"endpoint", "aksk", "project_id", "domain_id", "ca_file", "token"}));
  c->callback([&ctx] { ctx.run = [&ctx] { return RunConfigure(ctx, o); }; });

  c = root.add_subcommand("login", "get an IAM token with a password and keep it in the profile");
  man.Document(c, {"[--profile NAME] login --domain ACCOUNT --user NAME [--password-stdin]\n"
                   "    [--project PROJECT]",
                   "Exchanges a password for a token (POST /v3/auth/tokens, scoped to the "
                   "account, or to --project) and stores the token, its expiry and the user in "
                   "the profile; later commands send it as X-Auth-Token when the profile has no "
                   "AK/SK (or with --auth token). The profile is created if needed, with the "
                   "endpoint used. The password is asked for on the terminal, or read as one "
                   "line from standard input with --password-stdin; it is never stored.\n"
                   "\n"
                   "Errors show the Keystone answer: 401 for a wrong user, account or password "
                   "(the same answer for all three), 429 when too many logins run at once.",
                   {},
                   "csrctl --endpoint https://csrd.example.com login --domain acme --user alice\n"
                   "csrctl --profile alice --auth token csr list"});
  c->add_option("--domain,--account", o.domain, "The account (Huawei: domain) name.")
      ->type_name("ACCOUNT")
      ->required();
  c->add_option("--user", o.user, "The user name.")->type_name("NAME")->required();
  c->add_flag("--password-stdin", o.password_stdin, "Read the password from standard input.");
  c->add_option("--project", o.project, "Scope the token to this project instead.")
      ->type_name("PROJECT");
  c->callback([&ctx] { ctx.run = [&ctx] { return RunLogin(ctx, o); }; });

  c = root.add_subcommand("logout", "revoke the profile's token and forget it");
  man.Document(c, {"[--profile NAME] logout",
                   "Revokes the token on the server (DELETE /v3/auth/tokens) and removes it from "
                   "the profile. A token the server no longer knows is just removed.",
                   {}, "csrctl logout"});
  c->callback([&ctx] { ctx.run = [&ctx] { return RunLogout(ctx); }; });

  CLI::App* profile = root.add_subcommand("profile", "list or show the saved profiles");
  man.Document(profile, {"profile list\nprofile show [NAME]",
                         "Shows what the config file holds; secrets (SK, token) are never shown, "
                         "only whether they are set. Write profiles with csrctl configure.",
                         {}, "csrctl profile list\ncsrctl profile show ci --output json"});
  profile->require_subcommand(1);
  c = profile->add_subcommand("list", "list the profiles (the current one is starred)");
  man.Document(c, {"profile list", "One line per profile: name, endpoint, credentials.", {}, ""});
  c->callback([&ctx] { ctx.run = [&ctx] { return RunProfileList(ctx); }; });
  c = profile->add_subcommand("show", "show one profile, secrets masked");
  man.Document(c, {"profile show [NAME]", "Shows one profile (default: the current one).", {}, ""});
  c->add_option("NAME", o.name, "The profile (default: the current one).");
  c->callback([&ctx] { ctx.run = [&ctx] { return RunProfileShow(ctx, o); }; });
}

}  // namespace csrd::csrctl
