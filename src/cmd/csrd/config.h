// Loads `csrd serve`'s settings from the built-in defaults, a TOML file
// (--config / CSRD_CONFIG), CSRD_* environment variables and flags, in
// rising precedence, following the table of config_table.h.
//
// Pure library code: it reads the given file and the variables it is handed,
// prints nothing, and is safe to call from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cmd/csrd/serve.h"
#include "core/result.h"

namespace csrd::cmd {

enum class Origin : uint8_t { kDefault = 0, kFile = 1, kEnv = 2, kFlag = 3 };

// One flag as given on the command line; name is OptionSpec::name.
struct FlagValue {
  std::string name;
  std::string value;
};

using EnvMap = std::map<std::string, std::string, std::less<>>;

// The environment variable naming the configuration file when --config is absent.
inline constexpr char kConfigEnv[] = "CSRD_CONFIG";

struct ConfigSources {
  std::string config_flag;       // --config FILE ("" = not given)
  EnvMap env;                    // normally ConfigEnvironment()
  std::vector<FlagValue> flags;  // in command-line order
};

// The process's variables that the table names, plus CSRD_CONFIG. Never
// copies CSRD_MASTER_KEY or CSRD_BOOTSTRAP_PASSWORD (serve reads those itself).
// An empty variable counts as unset.
EnvMap ConfigEnvironment();

struct EffectiveConfig {
  ServeOptions options;
  std::string config_file;    // "" = none
  std::string config_origin;  // "--config" or "CSRD_CONFIG" ("" without a file)
  // Per row of ServeOptionTable(): bit (1 << Origin) for every source that
  // set the value (key-pool depths may come from several).
  std::vector<unsigned> origins;

  // "default", "file", "env CSRD_X", "flag --x", or "file+flag" for depths
  // merged from several sources.
  std::string OriginText(size_t row) const;
};

// Every problem found (unknown key, wrong type, value out of range, missing
// file, TOML syntax), each on its own line of one InvalidArgument, naming its
// place: "FILE:LINE: key: ...", "CSRD_X: ..." or "--x: ...". Secrets are never
// quoted: a database URL only redacted, an inline master_key refused unseen.
Result<EffectiveConfig> LoadServeConfig(const ConfigSources& sources);

}  // namespace csrd::cmd
