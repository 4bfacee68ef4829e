// First-start bootstrap (contract §7): account "default", user "admin".
#pragma once

#include <string>

#include "identity/account_admin.h"
#include "store/store.h"

namespace csrd::cmd {

// Runs once, only while no account exists (BootstrapIfEmpty is atomic, so of
// several replicas starting on one new database exactly one creates the
// admin): the password comes from a non-empty CSRD_BOOTSTRAP_PASSWORD, or is
// generated and written to <data_dir>/bootstrap-admin-password (0600; the dir
// is created if missing) whose path — never the password — is logged. Once an
// account exists the variable is ignored with a warning.
// Returns 0, or an exit code after logging why.
int Bootstrap(store::Store& store, identity::AccountAdmin& admin, const std::string& data_dir);

}  // namespace csrd::cmd
