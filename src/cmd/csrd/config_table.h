// The one table of `csrd serve` settings: for each, its configuration-file
// key, environment variable, flag, type, default and help. The loader
// (config.h), the command line (serve_flags.h), --check-config and
// docs/configuration.md (checked by a unit test) all follow it, so a new
// setting is one row in config_table.cc plus its ServeOptions field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cmd/csrd/serve.h"
#include "core/status.h"

namespace csrd::cmd {

// The ServeOptions field a setting fills; its alternative is the setting's type.
using OptionField =
    std::variant<std::string ServeOptions::*, int ServeOptions::*, int64_t ServeOptions::*,
                 size_t ServeOptions::*, bool ServeOptions::*,
                 std::vector<std::string> ServeOptions::*>;

struct OptionSpec {
  std::string_view name;      // snake_case id, e.g. "listen"
  std::string_view file_key;  // dotted TOML path, e.g. "server.listen"
  std::string_view env;       // e.g. "CSRD_LISTEN"
  std::string_view flag;      // e.g. "--listen"
  OptionField field;
  std::string_view help;
  // Shown instead of the built-in value when that says little ("" -> derived).
  std::string_view default_text = {};
  // Integers: the inclusive range allowed.
  int64_t min = 0;
  int64_t max = 0;
  // Strings: the allowed values, '|'-separated ("" = any).
  std::string_view choices = {};
  // Extra check of a string value; the message never repeats a secret.
  Status (*validate)(const std::string& value) = nullptr;
  // The value may hold a password (a database URL): it is only ever shown
  // redacted, and never quoted in an error.
  bool secret = false;
};

// Every setting, in documentation order. Static storage; thread-safe to read.
std::span<const OptionSpec> ServeOptionTable();

// nullptr when no setting has that file key / name.
const OptionSpec* FindOptionByFileKey(std::string_view file_key);
const OptionSpec* FindOptionByName(std::string_view name);

// "string", "integer", "boolean" or "table" (key-pool depths).
std::string_view OptionTypeName(const OptionSpec& spec);

// Parses a value given as text (environment variable or flag) into *options.
// Booleans: true/false/yes/no/on/off/1/0. Key-pool depths: "ALG=N" items
// separated by commas or blanks, appended to what earlier sources set.
// InvalidArgument with a message that does not name the source (the caller
// prefixes it) and never quotes a secret value.
Status SetOptionFromText(const OptionSpec& spec, std::string_view text, ServeOptions* options);

// Checks an integer/string/boolean from the file (already typed) and stores it.
Status SetOptionInt(const OptionSpec& spec, int64_t value, ServeOptions* options);
Status SetOptionString(const OptionSpec& spec, const std::string& value, ServeOptions* options);
Status SetOptionBool(const OptionSpec& spec, bool value, ServeOptions* options);
// Appends one "ALG=N" key-pool depth after checking it.
Status AppendDepth(const OptionSpec& spec, const std::string& item, ServeOptions* options);

// The value as TOML (strings quoted; a secret redacted; depths as the
// resulting per-algorithm table). For display only.
std::string FormatOptionValue(const OptionSpec& spec, const ServeOptions& options);

// The default for documentation and --help: default_text or the value of a
// default-constructed ServeOptions.
std::string DefaultText(const OptionSpec& spec);

}  // namespace csrd::cmd
