// `csrd admin`: operator commands on a store (accounts, users, roles,
// passwords, keys), and migrate-store. They work while servers run on the same
// store.
#pragma once

#include <string>
#include <vector>

namespace csrd::cmd {

struct AdminCommand {
  std::string data_dir = "./csrd-data";
  std::string database;  // as `csrd serve --database` ("" = <data_dir>/csrd.db)
  int db_pool_size = 2;
  std::string verb;  // create-account | create-user | set-roles | reset-password |
                     // disable-user | enable-user | list-users |
                     // create-key | list-keys | deactivate-key | delete-key |
                     // migrate-store
  std::string account, user;
  std::string access;           // delete-key, deactivate-key
  std::string description;      // create-key
  std::string master_key_file;  // create-key seals the SK: same sources as serve
  std::vector<std::string> roles;
  bool json = false;  // list-users: JSON instead of a table
  std::string from_data_dir;  // migrate-store: the SQLite data dir to copy
  std::string to;             // migrate-store: the empty target (--database syntax)
};

// Returns the process exit code; prints results to stdout and errors to stderr.
int RunAdmin(const AdminCommand& cmd);

}  // namespace csrd::cmd
