// `csrd serve --check-config`: what would keep csrd from starting with a
// configuration, found without starting it, and the configuration as the
// operator should see it.
#pragma once

#include <string>
#include <vector>

#include "cmd/csrd/config.h"

namespace csrd::cmd {

// The secrets serve reads from its environment itself; "" = unset.
struct SecretEnv {
  std::string master_key;          // CSRD_MASTER_KEY (base64); only checked, never shown
  bool bootstrap_password = false;  // CSRD_BOOTSTRAP_PASSWORD is set
};

// Problems that would stop `csrd serve`, one message each (none: it can
// start). Reads files and directories but changes nothing and opens no
// database: the data dir must exist and be writable or be creatable, the
// SQLite file's directory writable, a PostgreSQL URL must parse (libpq) and
// come with a master key, the master key (CSRD_MASTER_KEY, master_key_file or
// <data_dir>/master.key) must be readable and decode to 32 bytes, and the
// transport must be one serve accepts (PlanTransport: the TLS pair loads and
// matches; plain HTTP only on loopback unless allowed). Messages never hold a
// secret.
std::vector<std::string> CheckServeConfig(const EffectiveConfig& cfg, const SecretEnv& env);

// The effective configuration as TOML, each value followed by its origin as
// a comment, secrets redacted, plus comment lines saying where the config
// file, the master key and the bootstrap password come from.
std::string FormatEffectiveConfig(const EffectiveConfig& cfg, const SecretEnv& env);

}  // namespace csrd::cmd
