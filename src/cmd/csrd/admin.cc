#include "cmd/csrd/admin.h"

#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/clock.h"
#include "core/secret.h"
#include "cmd/csrd/master_key.h"
#include "crypto/sealer.h"
#include "identity/account_admin.h"
#include "identity/credential_service.h"
#include "identity/password_hasher.h"
#include "identity/roles.h"
#include "cmd/csrd/migrate_store.h"
#include "store/open_store.h"

namespace csrd::cmd {
namespace {

int Fail(const std::string& what, const Status& st) {
  std::cerr << "csrd admin: " << what << ": " << st.ToString() << "\n";
  return st.IsInvalidArgument() || st.IsNotFound() || st.IsAlreadyExists() ? 2 : 1;
}

// One line from stdin, without echo when stdin is a terminal.
Secret ReadPassword() {
  bool tty = ::isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return Secret(std::move(line));
}

bool ParseRoles(const std::vector<std::string>& names, uint32_t* roles) {
  *roles = 0;
  for (const auto& n : names) {
    auto bit = identity::ParseRoleName(n);
    if (!bit) {
      std::cerr << "csrd admin: unknown role '" << n
                << "' (roles: \"SCM FullAccess\", \"SCM ReadOnlyAccess\", "
                   "\"Security Administrator\")\n";
      return false;
    }
    *roles |= *bit;
  }
  return true;
}

std::string JoinRoles(uint32_t roles) {
  std::string s;
  for (const auto& r : identity::RoleNames(roles)) {
    if (!s.empty()) s += ", ";
    s += r;
  }
  return s;
}

}  // namespace

int RunAdmin(const AdminCommand& c) {
  if (c.verb == "migrate-store") return RunMigrateStore(c.from_data_dir, c.to, c.db_pool_size);
  auto where = store::ParseDatabaseFlag(c.database, c.data_dir);
  if (!where.ok()) return Fail("--database", where.status());
  const bool shared = where->kind == store::StoreKind::kPostgres;
  // Admin never creates a SQLite store: a typo in --data-dir would otherwise
  // make an empty one and report success.
  if (!shared && !std::filesystem::exists(where->sqlite_path)) {
    std::cerr << "csrd admin: no database at " << where->sqlite_path
              << " (start `csrd serve --data-dir " << c.data_dir << "` once first)\n";
    return 1;
  }
  store::OpenOptions oopt;
  oopt.postgres_pool_size = c.db_pool_size;
  auto store = store::OpenStore(*where, oopt);
  if (!store.ok()) return Fail("cannot open " + where->redacted, store.status());
  SystemClock clock;
  identity::PasswordHasher hasher(identity::Argon2Params{});
  identity::AccountAdmin admin(store->get(), &clock, &hasher);

  if (c.verb == "create-account") {
    auto acct = admin.CreateAccount(c.account);
    if (!acct.ok()) return Fail("create-account", acct.status());
    std::cout << acct->id << "\n";
    return 0;
  }
  if (c.verb == "create-user") {
    uint32_t roles = 0;
    if (!ParseRoles(c.roles, &roles)) return 2;
    Secret pw = ReadPassword();
    auto user = admin.CreateUser(c.account, c.user, pw, roles);
    if (!user.ok()) return Fail("create-user", user.status());
    std::cout << user->id << "\n";
    return 0;
  }
  if (c.verb == "set-roles") {
    uint32_t roles = 0;
    if (!ParseRoles(c.roles, &roles)) return 2;
    Status st = admin.SetRoles(c.account, c.user, roles);
    return st.ok() ? 0 : Fail("set-roles", st);
  }
  if (c.verb == "reset-password") {
    Secret pw = ReadPassword();
    Status st = admin.ResetPassword(c.account, c.user, pw);
    return st.ok() ? 0 : Fail("reset-password", st);
  }
  if (c.verb == "disable-user" || c.verb == "enable-user") {
    Status st = admin.SetEnabled(c.account, c.user, c.verb == "enable-user");
    return st.ok() ? 0 : Fail(c.verb, st);
  }
  if (c.verb == "list-users") {
    auto users = admin.ListUsers(c.account);
    if (!users.ok()) return Fail("list-users", users.status());
    auto accounts = (*store)->ListAccounts();
    if (!accounts.ok()) return Fail("list-users", accounts.status());
    auto account_name = [&](const std::string& id) {
      for (const auto& a : *accounts) {
        if (a.id == id) return a.name;
      }
      return std::string();
    };
    if (c.json) {
      boost::json::array out;
      for (const auto& u : *users) {
        boost::json::object o;
        o["id"] = u.id;
        o["account"] = account_name(u.account_id);
        o["account_id"] = u.account_id;
        o["name"] = u.name;
        o["enabled"] = u.enabled;
        boost::json::array roles;
        for (const auto& r : identity::RoleNames(u.roles)) roles.emplace_back(r);
        o["roles"] = std::move(roles);
        out.emplace_back(std::move(o));
      }
      std::cout << boost::json::serialize(out) << "\n";
      return 0;
    }
    std::printf("%-20s %-20s %-32s %-8s %s\n", "ACCOUNT", "USER", "ID", "ENABLED", "ROLES");
    for (const auto& u : *users) {
      std::printf("%-20s %-20s %-32s %-8s %s\n", account_name(u.account_id).c_str(),
                  u.name.c_str(), u.id.c_str(), u.enabled ? "yes" : "no",
                  JoinRoles(u.roles).c_str());
    }
    return 0;
  }
  if (c.verb == "create-key" || c.verb == "list-keys") {
    auto accounts_r = (*store)->GetAccountByName(c.account);
    if (!accounts_r.ok()) return Fail(c.verb, accounts_r.status());
    auto user = (*store)->GetUserByName(accounts_r->id, c.user);
    if (!user.ok()) return Fail(c.verb, user.status());
    if (c.verb == "list-keys") {
      auto keys = (*store)->ListCredentials(user->id);
      if (!keys.ok()) return Fail(c.verb, keys.status());
      std::printf("%-20s %-8s %s\n", "ACCESS", "STATUS", "DESCRIPTION");
      for (const auto& k : *keys) {
        std::printf("%-20s %-8s %s\n", k.access.c_str(), k.status.c_str(), k.description.c_str());
      }
      return 0;
    }
    // The SK is sealed under the master key, so admin needs the same key as serve.
    const char* env = std::getenv("CSRD_MASTER_KEY");
    MasterKeySource src{env ? env : "", c.master_key_file, shared ? "" : c.data_dir};
    auto mk = LoadMasterKey(src, **store, /*allow_generate=*/false);
    if (!mk.ok()) return Fail("master key", mk.status());
    auto sealer = crypto::KeySealer::Create(mk->key);
    if (!sealer.ok()) return Fail("master key", sealer.status());
    identity::CredentialService creds(store->get(), &clock, &*sealer);
    auto created = creds.CreatePermanent(*user, c.description);
    if (!created.ok()) return Fail("create-key", created.status());
    boost::json::object o;
    o["access"] = created->record.access;
    o["secret"] = created->secret.view();
    o["user_id"] = created->record.user_id;
    std::cout << boost::json::serialize(o) << "\n";
    return 0;
  }
  if (c.verb == "deactivate-key") {
    auto r = (*store)->UpdateCredential(c.access, std::string("inactive"), std::nullopt);
    return r.ok() ? 0 : Fail(c.verb, r.status());
  }
  if (c.verb == "delete-key") {
    Status st = (*store)->DeleteCredential(c.access);
    return st.ok() ? 0 : Fail(c.verb, st);
  }
  std::cerr << "csrd admin: unknown command '" << c.verb << "'\n";
  return 2;
}

}  // namespace csrd::cmd
