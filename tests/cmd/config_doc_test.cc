// docs/configuration.md and packaging/csrd.toml must keep up with the table.
#include <gtest/gtest.h>

#include <sstream>

#include "cmd/csrd/config.h"
#include "cmd/csrd/config_table.h"
#include "cmd_test_util.h"

namespace csrd::cmd {
namespace {

const std::string kRoot = CSRD_SOURCE_DIR;

std::string Unquoted(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

TEST(ConfigurationDoc, HasOneRowPerSettingWithItsNamesAndDefault) {
  const std::string doc = test_util::ReadFileText(kRoot + "/docs/configuration.md");
  ASSERT_FALSE(doc.empty());
  size_t rows = 0;
  std::istringstream lines(doc);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) == 0 && line.find("| `CSRD_") != std::string::npos) ++rows;
  }
  EXPECT_EQ(rows, ServeOptionTable().size()) << "settings rows in the doc's table";
  for (const OptionSpec& s : ServeOptionTable()) {
    const std::string start = "| `" + std::string(s.file_key) + "` | `" + std::string(s.env) +
                              "` | `" + std::string(s.flag) + "` | ";
    const size_t at = doc.find(start);
    ASSERT_NE(at, std::string::npos) << "docs/configuration.md lacks the row " << start;
    const std::string row = doc.substr(at, doc.find('\n', at) - at);
    if (s.default_text.empty()) {
      const std::string dflt = "`" + Unquoted(DefaultText(s)) + "`";
      EXPECT_NE(row.find(dflt), std::string::npos) << row << "\nshould give the default " << dflt;
    }
  }
}

TEST(ExampleConfig, SetsEveryKeyToItsDefault) {
  auto cfg = LoadServeConfig({kRoot + "/packaging/csrd.toml", {}, {}});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const ServeOptions defaults;
  for (size_t row = 0; row < ServeOptionTable().size(); ++row) {
    const OptionSpec& s = ServeOptionTable()[row];
    if (s.name == "master_key_file") continue;  // commented out: "" means the default chain
    EXPECT_EQ(cfg->OriginText(row), "file") << s.file_key << " is missing from the example";
    if (s.name == "data_dir") {
      EXPECT_EQ(cfg->options.data_dir, "/var/lib/csrd");  // the unit's StateDirectory
      continue;
    }
    EXPECT_EQ(FormatOptionValue(s, cfg->options), FormatOptionValue(s, defaults)) << s.file_key;
  }
}

TEST(SystemdUnit, RunsTheConfiguredServiceHardened) {
  const std::string unit = test_util::ReadFileText(kRoot + "/packaging/csrd.service");
  for (const char* want :
       {"ExecStart=/usr/bin/csrd serve --config /etc/csrd/csrd.toml\n", "User=csrd\n",
        "StateDirectory=csrd\n", "ConfigurationDirectory=csrd\n", "NoNewPrivileges=yes\n",
        "ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n", "PrivateDevices=yes\n",
        "ReadWritePaths=/var/lib/csrd\n", "LimitCORE=0\n", "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=", "MemoryDenyWriteExecute=yes\n",
        "SystemCallFilter=@system-service\n", "EnvironmentFile=-/etc/csrd/csrd.env\n",
        "RestartPreventExitStatus=2\n"}) {
    EXPECT_NE(unit.find(want), std::string::npos) << want;
  }
}

}  // namespace
}  // namespace csrd::cmd
