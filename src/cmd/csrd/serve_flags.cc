#include "cmd/csrd/serve_flags.h"

namespace csrd::cmd {

void RegisterServeFlags(CLI::App* serve, ServeCommandLine* cl) {
  serve->add_option("--config", cl->config,
                    "TOML configuration file (docs/configuration.md) [env CSRD_CONFIG]")
      ->type_name("FILE");
  serve->add_flag("--check-config", cl->check_config,
                  "Check the configuration, print it with each value's origin (secrets "
                  "redacted) and exit: 0 if csrd could start with it, else 2");
  for (const OptionSpec& spec : ServeOptionTable()) {
    const std::string flag(spec.flag);
    const std::string help = std::string(spec.help) + " (default: " + DefaultText(spec) +
                             ") [env " + std::string(spec.env) + ", file " +
                             std::string(spec.file_key) + "]";
    ServeCommandLine::Bound b{&spec, nullptr};
    if (std::holds_alternative<bool ServeOptions::*>(spec.field)) {
      b.flag = &cl->bools.emplace_back(false);
      b.option = serve->add_flag(flag, *b.flag, help);
    } else if (std::holds_alternative<std::vector<std::string> ServeOptions::*>(spec.field)) {
      b.list = &cl->lists.emplace_back();
      b.option = serve->add_option(flag, *b.list, help)
                     ->expected(1)
                     ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
                     ->type_name("ALG=N");
    } else {
      b.text = &cl->text.emplace_back();
      b.option = serve->add_option(flag, *b.text, help);
      if (!std::holds_alternative<std::string ServeOptions::*>(spec.field)) {
        b.option->type_name("INT");
      }
    }
    cl->bound.push_back(b);
  }
}

std::vector<FlagValue> GivenFlags(const ServeCommandLine& cl) {
  std::vector<FlagValue> out;
  for (const ServeCommandLine::Bound& b : cl.bound) {
    if (b.option->count() == 0) continue;
    const std::string name(b.spec->name);
    if (b.flag != nullptr) {
      out.push_back({name, *b.flag ? "true" : "false"});
    } else if (b.list != nullptr) {
      for (const std::string& v : *b.list) out.push_back({name, v});
    } else {
      out.push_back({name, *b.text});
    }
  }
  return out;
}

}  // namespace csrd::cmd
