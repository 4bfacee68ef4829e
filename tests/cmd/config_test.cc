#include "cmd/csrd/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "cmd/csrd/config_table.h"
#include "cmd_test_util.h"

namespace csrd::cmd {
namespace {

using test_util::TempDir;

size_t Row(std::string_view name) {
  const OptionSpec* s = FindOptionByName(name);
  EXPECT_NE(s, nullptr) << name;
  return static_cast<size_t>(s - ServeOptionTable().data());
}

// A valid value of the row's type, distinct per variant (0, 1, 2).
std::string Sample(const OptionSpec& s, int variant) {
  const std::string v = std::to_string(variant);
  if (s.name == "listen") return "127.0.0.1:" + std::to_string(9000 + variant);
  if (s.name == "database") return "sqlite:/srv/db" + v + ".db";
  if (s.name == "key_pool_depth") return "RSA_4096=" + std::to_string(3 + variant);
  return std::visit(
      [&](auto field) -> std::string {
        using F = decltype(field);
        if constexpr (std::is_same_v<F, std::string ServeOptions::*>) return "/srv/path" + v;
        else if constexpr (std::is_same_v<F, bool ServeOptions::*>) return variant % 2 ? "true" : "false";
        else if constexpr (std::is_same_v<F, std::vector<std::string> ServeOptions::*>) return "";
        else return std::to_string(s.min + variant);
      },
      s.field);
}

std::string ChoiceSample(const OptionSpec& s, int variant) {
  std::vector<std::string> c;
  std::string_view rest = s.choices;
  while (true) {
    size_t bar = rest.find('|');
    c.emplace_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  return c[static_cast<size_t>(variant) % c.size()];
}

std::string Value(const OptionSpec& s, int variant) {
  return s.choices.empty() ? Sample(s, variant) : ChoiceSample(s, variant);
}

// The value as a TOML right-hand side.
std::string TomlValue(const OptionSpec& s, const std::string& text) {
  if (s.name == "key_pool_depth") {
    return "{ " + text.substr(0, text.find('=')) + " = " + text.substr(text.find('=') + 1) + " }";
  }
  if (std::holds_alternative<std::string ServeOptions::*>(s.field)) return "\"" + text + "\"";
  return text;
}

std::string AsToml(const OptionSpec& s, const std::string& text) {
  const size_t dot = s.file_key.rfind('.');
  std::string key(s.file_key);
  if (dot == std::string_view::npos) return key + " = " + TomlValue(s, text) + "\n";
  return "[" + key.substr(0, dot) + "]\n" + key.substr(dot + 1) + " = " + TomlValue(s, text) + "\n";
}

Result<EffectiveConfig> LoadFile(const TempDir& dir, const std::string& toml, EnvMap env = {},
                                 std::vector<FlagValue> flags = {}) {
  return LoadServeConfig({dir.Write("csrd.toml", toml), std::move(env), std::move(flags)});
}

TEST(LoadServeConfig, NoSourcesGiveTheDefaults) {
  auto cfg = LoadServeConfig({});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const ServeOptions d;
  EXPECT_EQ(cfg->options.listen, d.listen);
  EXPECT_EQ(cfg->options.workers, d.workers);
  EXPECT_TRUE(cfg->options.key_pool_depths.empty());
  EXPECT_EQ(cfg->config_file, "");
  for (size_t row = 0; row < ServeOptionTable().size(); ++row) {
    EXPECT_EQ(cfg->OriginText(row), "default");
  }
}

// For every row of the table: flag > env > file > default, and the origin.
TEST(LoadServeConfig, EveryRowFollowsThePrecedence) {
  TempDir dir;
  const auto table = ServeOptionTable();
  for (size_t row = 0; row < table.size(); ++row) {
    const OptionSpec& s = table[row];
    SCOPED_TRACE(std::string(s.name));
    const std::string file_v = Value(s, 0), env_v = Value(s, 1), flag_v = Value(s, 2);
    const std::string toml = AsToml(s, file_v);
    EnvMap env{{std::string(s.env), env_v}};
    std::vector<FlagValue> flags{{std::string(s.name), flag_v}};

    auto only_file = LoadFile(dir, toml);
    ASSERT_TRUE(only_file.ok()) << only_file.status().ToString() << "\n" << toml;
    EXPECT_EQ(only_file->OriginText(row), "file");
    auto file_env = LoadFile(dir, toml, env);
    ASSERT_TRUE(file_env.ok()) << file_env.status().ToString();
    auto all = LoadFile(dir, toml, env, flags);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    auto env_flag = LoadServeConfig({"", env, flags});
    ASSERT_TRUE(env_flag.ok());

    // What each source alone produces, to compare with.
    ServeOptions want_file, want_env, want_flag;
    ASSERT_TRUE(SetOptionFromText(s, file_v, &want_file).ok());
    ASSERT_TRUE(SetOptionFromText(s, env_v, &want_env).ok());
    ASSERT_TRUE(SetOptionFromText(s, flag_v, &want_flag).ok());
    if (s.name == "key_pool_depth") {
      // Depth settings accumulate in precedence order.
      EXPECT_EQ(all->options.key_pool_depths,
                (std::vector<std::string>{file_v, env_v, flag_v}));
      EXPECT_EQ(all->OriginText(row),
                "file + env CSRD_KEY_POOL_DEPTH + flag --key-pool-depth");
      continue;
    }
    EXPECT_EQ(FormatOptionValue(s, only_file->options), FormatOptionValue(s, want_file));
    EXPECT_EQ(FormatOptionValue(s, file_env->options), FormatOptionValue(s, want_env));
    EXPECT_EQ(file_env->OriginText(row), "env " + std::string(s.env));
    EXPECT_EQ(FormatOptionValue(s, all->options), FormatOptionValue(s, want_flag));
    EXPECT_EQ(all->OriginText(row), "flag " + std::string(s.flag));
    EXPECT_EQ(FormatOptionValue(s, env_flag->options), FormatOptionValue(s, want_flag));
    EXPECT_NE(FormatOptionValue(s, want_file), FormatOptionValue(s, want_env));
    EXPECT_NE(FormatOptionValue(s, want_env), FormatOptionValue(s, want_flag));
  }
}

TEST(LoadServeConfig, FileSetsEveryType) {
  TempDir dir;
  auto cfg = LoadFile(dir, R"(data_dir = "/var/lib/csrd"
master_key_file = "/etc/csrd/master.key"
[server]
listen = "0.0.0.0:8443"
workers = 4
[limits]
csr_quota = 5000000000
max_connections = 123
[database]
url = "postgresql://csrd@db/csrd"
[key_pool]
depth = { RSA_4096 = 2, all = 1 }
[tls]
allow_insecure_http = true
[log]
format = "json"
)");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const ServeOptions& o = cfg->options;
  EXPECT_EQ(o.data_dir, "/var/lib/csrd");
  EXPECT_EQ(o.master_key_file, "/etc/csrd/master.key");
  EXPECT_EQ(o.listen, "0.0.0.0:8443");
  EXPECT_EQ(o.workers, 4);
  EXPECT_EQ(o.csr_quota, 5000000000);
  EXPECT_EQ(o.max_connections, 123u);
  EXPECT_EQ(o.database, "postgresql://csrd@db/csrd");
  // "all" first whatever the table order.
  EXPECT_EQ(o.key_pool_depths, (std::vector<std::string>{"all=1", "RSA_4096=2"}));
  EXPECT_TRUE(o.allow_insecure_http);
  EXPECT_EQ(o.log_format, "json");
  EXPECT_EQ(cfg->OriginText(Row("workers")), "file");
  EXPECT_EQ(cfg->OriginText(Row("io_threads")), "default");
  EXPECT_EQ(cfg->config_origin, "--config");
}

TEST(LoadServeConfig, SubTablesAndDottedKeysWork) {
  TempDir dir;
  auto cfg = LoadFile(dir, "server.workers = 3\n[key_pool.depth]\nSM2 = 5\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->options.workers, 3);
  EXPECT_EQ(cfg->options.key_pool_depths, (std::vector<std::string>{"SM2=5"}));
}

TEST(LoadServeConfig, ConfigFileFromEnvironmentUnlessFlagged) {
  TempDir dir;
  const std::string a = dir.Write("a.toml", "[server]\nworkers = 2\n");
  const std::string b = dir.Write("b.toml", "[server]\nworkers = 3\n");
  auto from_env = LoadServeConfig({"", {{"CSRD_CONFIG", a}}, {}});
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->options.workers, 2);
  EXPECT_EQ(from_env->config_file, a);
  EXPECT_EQ(from_env->config_origin, "CSRD_CONFIG");
  auto flagged = LoadServeConfig({b, {{"CSRD_CONFIG", a}}, {}});
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->options.workers, 3);
  EXPECT_EQ(flagged->config_origin, "--config");
}

TEST(LoadServeConfig, EmptyVariablesCountAsUnset) {
  auto cfg = LoadServeConfig({"", {{"CSRD_WORKERS", ""}, {"CSRD_CONFIG", ""}}, {}});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->options.workers, ServeOptions{}.workers);
  EXPECT_EQ(cfg->OriginText(Row("workers")), "default");
}

TEST(LoadServeConfig, ErrorsNameFileLineAndKey) {
  TempDir dir;
  const std::string path = dir.File("csrd.toml");
  auto cfg = LoadFile(dir, R"(# comment
data_dir = "/d"
listen = "0.0.0.0:1"
[server]
workers = 0
io_threads = "two"
bogus = 1
[limits]
csr_quota = 1.5
[auth]
token_lifetime = true
[key_pool]
depth = { RSA_1024 = 1 }
threads = 2
[log]
format = "xml"
[nope]
x = 1
[database]
url = 7
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), Status::Code::kInvalidArgument);
  const std::string m = cfg.status().message();
  const std::vector<std::string> wanted = {
           path + ":3: listen: unknown key; did you mean server.listen?",
           path + ":5: server.workers: must be 1..512, got 0",
           path + ":6: server.io_threads: expected an integer, got a string",
           path + ":7: server.bogus: unknown key",
           path + ":9: limits.csr_quota: expected an integer, got a floating-point number",
           path + ":11: auth.token_lifetime: expected an integer, got a boolean",
           path + ":13: key_pool.depth: \"RSA_1024=1\": ",
           path + ":16: log.format: must be text or json, got \"xml\"",
           path + ":17: nope: unknown key",
           path + ":20: database.url: expected a string, got an integer",
       };
  for (const std::string& want : wanted) {
    EXPECT_NE(m.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << m;
  }
  EXPECT_EQ(m.find("key_pool.threads"), std::string::npos) << m;  // valid keys: no error
}

TEST(LoadServeConfig, TableExpectedWhereATableBelongs) {
  TempDir dir;
  auto cfg = LoadFile(dir, "server = 5\ndatabase = \"postgresql://u:Pw9secret@h/db\"\n");
  ASSERT_FALSE(cfg.ok());
  const std::string m = cfg.status().message();
  EXPECT_NE(m.find(":1: server: must be a table, got an integer"), std::string::npos) << m;
  EXPECT_NE(m.find(":2: database: must be a table, got a string; did you mean database.url?"),
            std::string::npos) << m;
  EXPECT_EQ(m.find("Pw9secret"), std::string::npos) << m;
}

TEST(LoadServeConfig, TomlSyntaxErrorHasLineAndColumn) {
  TempDir dir;
  auto cfg = LoadFile(dir, "[server]\nworkers = 4\nlisten = \"unterminated\n");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message().rfind(dir.File("csrd.toml") + ":3:", 0), 0u)
      << cfg.status().message();
  EXPECT_NE(cfg.status().message().find("TOML syntax"), std::string::npos);
  auto dup = LoadFile(dir, "[server]\nworkers = 4\nworkers = 5\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find(":3:"), std::string::npos) << dup.status().message();
}

TEST(LoadServeConfig, MissingFileIsAnError) {
  auto cfg = LoadServeConfig({"/nonexistent/csrd.toml", {}, {}});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(),
            "cannot read config file /nonexistent/csrd.toml: No such file or directory");
}

TEST(LoadServeConfig, DirectoryIsNotAnEmptyFile) {
  TempDir dir;
  auto cfg = LoadServeConfig({dir.path(), {}, {}});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(), "cannot read config file " + dir.path() + ": is a directory");
}

TEST(LoadServeConfig, EmptyFileIsFine) {
  TempDir dir;
  auto cfg = LoadFile(dir, "# nothing set\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->options.listen, ServeOptions{}.listen);
}

TEST(LoadServeConfig, InlineMasterKeyIsRefusedUnseen) {
  TempDir dir;
  const std::string key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
  const std::vector<std::string> files = {"master_key = \"" + key + "\"\n",
                                          "[server]\nmaster_key = \"" + key + "\"\n"};
  for (const std::string& toml : files) {
    auto cfg = LoadFile(dir, toml);
    ASSERT_FALSE(cfg.ok());
    const std::string m = cfg.status().message();
    EXPECT_NE(m.find("master_key: a master key is not accepted in the configuration file"),
              std::string::npos) << m;
    EXPECT_NE(m.find("master_key_file"), std::string::npos);
    EXPECT_EQ(m.find(key), std::string::npos) << m;
    EXPECT_EQ(m.find("q83v"), std::string::npos) << m;
  }
}

TEST(LoadServeConfig, DatabasePasswordNeverInErrors) {
  TempDir dir;
  auto cfg = LoadFile(dir, "[database]\nurl = \"mysql://csrd:Sup3rSecretPw@db/csrd\"\n",
                      {{"CSRD_DATABASE", "oracle://x:Sup3rSecretPw@y"}},
                      {{"database", "redis://:Sup3rSecretPw@z"}});
  ASSERT_FALSE(cfg.ok());
  const std::string m = cfg.status().message();
  EXPECT_NE(m.find(":2: database.url: must be empty"), std::string::npos) << m;
  EXPECT_NE(m.find("environment variable CSRD_DATABASE: must be empty"), std::string::npos) << m;
  EXPECT_NE(m.find("--database: must be empty"), std::string::npos) << m;
  EXPECT_EQ(m.find("Sup3rSecretPw"), std::string::npos) << m;
}

TEST(LoadServeConfig, EnvironmentAndFlagErrorsNameTheirSource) {
  auto cfg = LoadServeConfig({"",
                              {{"CSRD_IO_THREADS", "two"}, {"CSRD_ALLOW_INSECURE_HTTP", "si"}},
                              {{"key_pool_priority", "low"}, {"no_such", "1"}}});
  ASSERT_FALSE(cfg.ok());
  const std::string m = cfg.status().message();
  EXPECT_NE(m.find("environment variable CSRD_IO_THREADS: must be an integer, got \"two\""),
            std::string::npos) << m;
  EXPECT_NE(m.find("environment variable CSRD_ALLOW_INSECURE_HTTP: must be true or false"),
            std::string::npos) << m;
  EXPECT_NE(m.find("--key-pool-priority: must be idle or normal, got \"low\""),
            std::string::npos) << m;
  EXPECT_NE(m.find("unknown setting no_such"), std::string::npos) << m;
}

TEST(ConfigEnvironment, TakesTableVariablesOnlyAndNeverSecrets) {
  setenv("CSRD_WORKERS", "5", 1);
  setenv("CSRD_CONFIG", "/x.toml", 1);
  setenv("CSRD_MASTER_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=", 1);
  setenv("CSRD_BOOTSTRAP_PASSWORD", "Boot-Pw-1", 1);
  setenv("CSRD_TEST_SOMETHING", "x", 1);
  setenv("CSRD_LISTEN", "", 1);
  EnvMap env = ConfigEnvironment();
  unsetenv("CSRD_WORKERS");
  unsetenv("CSRD_CONFIG");
  unsetenv("CSRD_MASTER_KEY");
  unsetenv("CSRD_BOOTSTRAP_PASSWORD");
  unsetenv("CSRD_TEST_SOMETHING");
  unsetenv("CSRD_LISTEN");
  EXPECT_EQ(env, (EnvMap{{"CSRD_CONFIG", "/x.toml"}, {"CSRD_WORKERS", "5"}}));
}

}  // namespace
}  // namespace csrd::cmd
