// `csrd admin`: operator commands on a data dir (accounts, users, roles,
// passwords). They work while a server runs on the same data dir.
#pragma once

#include <string>
#include <vector>

namespace csrd::cmd {

struct AdminCommand {
  std::string data_dir = "./csrd-data";
  std::string verb;  // create-account | create-user | set-roles | reset-password |
                     // disable-user | enable-user | list-users |
                     // create-key | list-keys | deactivate-key | delete-key
  std::string account, user;
  std::string access;           // delete-key, deactivate-key
  std::string description;      // create-key
  std::string master_key_file;  // create-key seals the SK: same sources as serve
  std::vector<std::string> roles;
  bool json = false;  // list-users: JSON instead of a table
};

// Returns the process exit code; prints results to stdout and errors to stderr.
int RunAdmin(const AdminCommand& cmd);

}  // namespace csrd::cmd
