#include "cmd/csrd/bootstrap.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "cmd/csrd/master_key.h"
#include "core/encoding.h"
#include "core/secret.h"

namespace csrd::cmd {

int Bootstrap(store::Store& store, identity::AccountAdmin& admin, const std::string& data_dir) {
  const char* env = std::getenv("CSRD_BOOTSTRAP_PASSWORD");
  Secret password;
  bool from_env = env != nullptr && env[0] != '\0';
  auto accounts = store.ListAccounts();
  if (!accounts.ok()) {
    spdlog::error("bootstrap: {}", accounts.status().ToString());
    return 1;
  }
  if (!accounts->empty()) {
    if (from_env) {
      spdlog::warn("CSRD_BOOTSTRAP_PASSWORD is set but accounts already exist: ignored (it never "
                   "resets a password)");
    }
    unsetenv("CSRD_BOOTSTRAP_PASSWORD");
    return 0;
  }
  std::string file;
  if (from_env) {
    password = Secret(std::string(env));
  } else {
    // 24 characters from a 62-letter alphabet: ~143 bits.
    password = Secret(RandomString(
        24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
  }
  unsetenv("CSRD_BOOTSTRAP_PASSWORD");

  // The generated password goes to a file before the user exists, so a failed
  // write never leaves an admin nobody can log in as. The file has a name of
  // its own until this process has won the bootstrap: several csrd starting
  // at once on one store (and maybe one data dir) must not touch each other's.
  const std::string final_file = data_dir + "/bootstrap-admin-password";
  if (!from_env) {
    file = final_file + ".new-" + HexEncode(RandomBytes(6));
    std::error_code ec;
    // With PostgreSQL nothing else lives in the data dir, so it may not exist yet.
    if (std::filesystem::create_directories(data_dir, ec)) {
      std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    if (ec) {
      spdlog::error("bootstrap: cannot create data dir {}: {}", data_dir, ec.message());
      return 1;
    }
    Status st = WriteSecretFile(file, password.str() + "\n");
    if (!st.ok()) {
      spdlog::error("bootstrap: cannot write the admin password file: {}", st.ToString());
      return 1;
    }
  }
  auto created = admin.Bootstrap(password);
  if ((!created.ok() || !*created) && !from_env) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
  }
  if (!created.ok()) {
    spdlog::error("bootstrap failed: {}", created.status().ToString());
    return 1;
  }
  if (!*created) {
    if (from_env) {
      spdlog::warn("CSRD_BOOTSTRAP_PASSWORD is set but accounts already exist: ignored (it never "
                   "resets a password)");
    }
    return 0;
  }
  if (from_env) {
    spdlog::info("bootstrap: created account 'default' with user 'admin' (password from "
                 "CSRD_BOOTSTRAP_PASSWORD)");
    return 0;
  }
  // Replaces a stale file from an earlier, wiped store. Should the rename
  // fail, the password is still in the file under its first name.
  std::error_code ec;
  std::filesystem::rename(file, final_file, ec);
  if (!ec) file = final_file;
  spdlog::warn("bootstrap: created account 'default' with user 'admin'; its generated password "
               "is in {} (mode 0600)", file);
  return 0;
}

}  // namespace csrd::cmd
