// The flags of `csrd serve`, registered from the settings table
// (config_table.h), kept as given so that config.h can apply them last and
// report each value's origin.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd/csrd/config.h"
#include "cmd/csrd/config_table.h"

namespace csrd::cmd {

struct ServeCommandLine {
  std::string config;         // --config FILE
  bool check_config = false;  // --check-config

  // Filled by RegisterServeFlags; the deques keep the bound variables' addresses stable.
  struct Bound {
    const OptionSpec* spec;
    CLI::Option* option;
    std::string* text = nullptr;               // string and integer settings
    std::vector<std::string>* list = nullptr;  // key-pool depths
    bool* flag = nullptr;                      // booleans
  };
  std::vector<Bound> bound;
  std::deque<std::string> text;
  std::deque<std::vector<std::string>> lists;
  std::deque<bool> bools;
};

// Adds --config, --check-config and one flag per table row to serve. Values
// are checked later, by LoadServeConfig. cl must outlive the parse.
void RegisterServeFlags(CLI::App* serve, ServeCommandLine* cl);

// The flags the parse saw, for ConfigSources::flags.
std::vector<FlagValue> GivenFlags(const ServeCommandLine& cl);

}  // namespace csrd::cmd
