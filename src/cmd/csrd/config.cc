#include "cmd/csrd/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <toml++/toml.h>

#include "cmd/csrd/config_table.h"

namespace csrd::cmd {
namespace {

std::string_view NodeTypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Reads the TOML document and applies each known key; collects problems.
class FileLoader {
 public:
  FileLoader(std::string path, ServeOptions* options, std::vector<unsigned>* origins,
             std::vector<std::string>* errors)
      : path_(std::move(path)), options_(options), origins_(origins), errors_(errors) {}

  void Load() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      errors_->push_back("cannot read config file " + path_ + ": " + std::strerror(errno));
      return;
    }
    // A directory opens fine and reads as nothing: it must not pass for an empty file.
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) {
      errors_->push_back("cannot read config file " + path_ + ": is a directory");
      return;
    }
    std::stringstream content;
    content << in.rdbuf();
    if (in.bad()) {
      errors_->push_back("cannot read config file " + path_ + ": read error");
      return;
    }
    toml::table root;
    try {
      root = toml::parse(content.str(), path_);
    } catch (const toml::parse_error& e) {
      errors_->push_back(path_ + ":" + std::to_string(e.source().begin.line) + ":" +
                         std::to_string(e.source().begin.column) +
                         ": TOML syntax: " + std::string(e.description()));
      return;
    }
    Walk(root, "");
  }

 private:
  void Error(const toml::source_region& where, std::string_view key, const std::string& msg) {
    errors_->push_back(path_ + ":" + std::to_string(where.begin.line) + ": " + std::string(key) +
                       ": " + msg);
  }

  static bool IsTablePrefix(std::string_view dotted) {
    for (const OptionSpec& s : ServeOptionTable()) {
      if (s.file_key.size() > dotted.size() && s.file_key.substr(0, dotted.size()) == dotted &&
          s.file_key[dotted.size()] == '.') {
        return true;
      }
    }
    return false;
  }

  // "; did you mean server.listen?" when another place has that key.
  static std::string Suggestion(std::string_view full, std::string_view leaf) {
    for (const OptionSpec& s : ServeOptionTable()) {
      std::string_view last = s.file_key.substr(s.file_key.rfind('.') + 1);
      if (s.file_key != full && (last == leaf || s.name == leaf)) {
        return "; did you mean " + std::string(s.file_key) + "?";
      }
    }
    return "";
  }

  void Walk(const toml::table& table, const std::string& prefix) {
    for (auto&& [k, node] : table) {
      const std::string leaf(k.str());
      const std::string full = prefix.empty() ? leaf : prefix + "." + leaf;
      if (leaf == "master_key") {
        // Refused unseen: a configuration file is read by more people and
        // tools than a 0600 key file, and ends up in backups and repositories.
        Error(k.source(), full,
              "a master key is not accepted in the configuration file; put it in a file of "
              "mode 0600 named by master_key_file, or in CSRD_MASTER_KEY");
        continue;
      }
      if (const OptionSpec* spec = FindOptionByFileKey(full)) {
        Apply(*spec, k, node);
        continue;
      }
      if (IsTablePrefix(full)) {
        if (const toml::table* sub = node.as_table()) {
          Walk(*sub, full);
        } else {
          Error(k.source(), full,
                "must be a table, got " + std::string(NodeTypeName(node.type())) +
                    Suggestion(full, leaf));
        }
        continue;
      }
      Error(k.source(), full, "unknown key" + Suggestion(full, leaf));
    }
  }

  void Apply(const OptionSpec& spec, const toml::key& k, const toml::node& node) {
    const size_t row = static_cast<size_t>(&spec - ServeOptionTable().data());
    const std::string full(spec.file_key);
    Status st;
    if (std::holds_alternative<std::vector<std::string> ServeOptions::*>(spec.field)) {
      st = ApplyDepths(spec, node);
    } else if (auto s = node.as_string()) {
      st = SetOptionString(spec, s->get(), options_);
    } else if (auto i = node.as_integer()) {
      st = SetOptionInt(spec, i->get(), options_);
    } else if (auto b = node.as_boolean()) {
      st = SetOptionBool(spec, b->get(), options_);
    } else {
      st = Status::InvalidArgument("expected " + std::string(OptionTypeName(spec)));
    }
    if (st.message().starts_with("expected ")) {
      st = Status::InvalidArgument(st.message() + ", got " +
                                   std::string(NodeTypeName(node.type())));
    }
    if (!st.ok()) {
      Error(k.source(), full, st.message());
      return;
    }
    (*origins_)[row] |= 1u << static_cast<unsigned>(Origin::kFile);
  }

  // { RSA_4096 = 64, all = 0 }: "all" first whatever its place (a TOML
  // table has no order), then each algorithm.
  Status ApplyDepths(const OptionSpec& spec, const toml::node& node) {
    const toml::table* t = node.as_table();
    if (t == nullptr) return Status::InvalidArgument("expected a table of ALG = N");
    std::vector<std::string> items;
    for (auto&& [alg, value] : *t) {
      auto n = value.as_integer();
      if (n == nullptr) {
        return Status::InvalidArgument(std::string(alg.str()) + " must be an integer, got " +
                                       std::string(NodeTypeName(value.type())));
      }
      std::string item = std::string(alg.str()) + "=" + std::to_string(n->get());
      if (alg.str() == "all") {
        items.insert(items.begin(), item);
      } else {
        items.push_back(item);
      }
    }
    for (const std::string& item : items) {
      Status st = AppendDepth(spec, item, options_);
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  std::string path_;
  ServeOptions* options_;
  std::vector<unsigned>* origins_;
  std::vector<std::string>* errors_;
};

}  // namespace

EnvMap ConfigEnvironment() {
  EnvMap env;
  auto take = [&env](std::string_view name) {
    const std::string n(name);
    const char* v = std::getenv(n.c_str());
    if (v != nullptr && *v != '\0') env[n] = v;
  };
  take(kConfigEnv);
  for (const OptionSpec& s : ServeOptionTable()) take(s.env);
  return env;
}

std::string EffectiveConfig::OriginText(size_t row) const {
  unsigned mask = row < origins.size() ? origins[row] : 0;
  if (mask == 0) return "default";
  const OptionSpec& spec = ServeOptionTable()[row];
  if (!std::holds_alternative<std::vector<std::string> ServeOptions::*>(spec.field)) {
    // One value: the last source that set it wins.
    while (mask & (mask - 1)) mask &= mask - 1;
  }
  std::vector<std::string> parts;
  if (mask & (1u << static_cast<unsigned>(Origin::kFile))) parts.push_back("file");
  if (mask & (1u << static_cast<unsigned>(Origin::kEnv))) parts.push_back("env " + std::string(spec.env));
  if (mask & (1u << static_cast<unsigned>(Origin::kFlag))) parts.push_back("flag " + std::string(spec.flag));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : " + ") + p;
  return out;
}

Result<EffectiveConfig> LoadServeConfig(const ConfigSources& sources) {
  EffectiveConfig cfg;
  const auto table = ServeOptionTable();
  cfg.origins.assign(table.size(), 0);
  std::vector<std::string> errors;

  if (!sources.config_flag.empty()) {
    cfg.config_file = sources.config_flag;
    cfg.config_origin = "--config";
  } else if (auto it = sources.env.find(kConfigEnv); it != sources.env.end() && !it->second.empty()) {
    cfg.config_file = it->second;
    cfg.config_origin = kConfigEnv;
  }
  if (!cfg.config_file.empty()) {
    FileLoader(cfg.config_file, &cfg.options, &cfg.origins, &errors).Load();
  }

  for (size_t row = 0; row < table.size(); ++row) {
    const OptionSpec& spec = table[row];
    auto it = sources.env.find(spec.env);
    if (it == sources.env.end() || it->second.empty()) continue;
    Status st = SetOptionFromText(spec, it->second, &cfg.options);
    if (!st.ok()) {
      errors.push_back("environment variable " + std::string(spec.env) + ": " + st.message());
      continue;
    }
    cfg.origins[row] |= 1u << static_cast<unsigned>(Origin::kEnv);
  }

  for (const FlagValue& f : sources.flags) {
    const OptionSpec* spec = FindOptionByName(f.name);
    if (spec == nullptr) {
      errors.push_back("unknown setting " + f.name);
      continue;
    }
    Status st = SetOptionFromText(*spec, f.value, &cfg.options);
    if (!st.ok()) {
      errors.push_back(std::string(spec->flag) + ": " + st.message());
      continue;
    }
    cfg.origins[static_cast<size_t>(spec - table.data())] |=
        1u << static_cast<unsigned>(Origin::kFlag);
  }

  if (!errors.empty()) {
    std::string all;
    for (const std::string& e : errors) all += (all.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(all);
  }
  return cfg;
}

}  // namespace csrd::cmd
