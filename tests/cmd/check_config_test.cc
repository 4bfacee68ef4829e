#include "cmd/csrd/check_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "cmd/csrd/config_table.h"
#include "cmd/csrd/master_key.h"
#include "cmd_test_util.h"
#include "http/self_signed.h"

namespace csrd::cmd {
namespace {

using test_util::TempDir;

constexpr char kKey[] = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";  // 32 bytes

EffectiveConfig Config(const std::string& data_dir) {
  auto cfg = LoadServeConfig({"", {{"CSRD_DATA_DIR", data_dir}}, {}});
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  return *cfg;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + "\n";
  return out;
}

TEST(CheckServeConfig, NewSqliteDataDirIsFine) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("a/b/data"));  // to be created, two levels
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");
  EXPECT_FALSE(std::filesystem::exists(dir.File("a"))) << "the check must create nothing";
}

TEST(CheckServeConfig, DataDirThatIsAFile) {
  TempDir dir;
  dir.Write("f", "x");
  auto problems = CheckServeConfig(Config(dir.File("f")), {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("is not a directory"), std::string::npos) << problems[0];
  problems = CheckServeConfig(Config(dir.File("f/sub")), {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("data_dir " + dir.File("f/sub")), std::string::npos);
}

TEST(CheckServeConfig, DataDirNotWritable) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere; covered only as non-root";
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.File("ro").c_str(), 0500), 0);
  auto problems = CheckServeConfig(Config(dir.File("ro")), {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("not writable"), std::string::npos);
  problems = CheckServeConfig(Config(dir.File("ro/new")), {});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("cannot be created"), std::string::npos);
}

TEST(CheckServeConfig, MasterKeyFile) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.master_key_file = dir.File("missing.key");
  auto problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_EQ(problems[0], "master_key_file " + dir.File("missing.key") +
                             ": No such file or directory");

  cfg.options.master_key_file = dir.Write("bad.key", "bm90LWEta2V5LXNlY3JldA==\n");
  problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("base64 encoding of exactly 32 bytes"), std::string::npos);
  EXPECT_EQ(problems[0].find("bm90LWEta2V5"), std::string::npos) << problems[0];

  cfg.options.master_key_file = dir.Write("good.key", std::string(kKey) + "\n");
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");
}

TEST(CheckServeConfig, ExistingDefaultMasterKeyIsChecked) {
  TempDir dir;
  std::filesystem::create_directory(dir.File("data"));
  dir.Write("data/master.key", "garbage");
  auto problems = CheckServeConfig(Config(dir.File("data")), {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("data/master.key"), std::string::npos);
}

TEST(CheckServeConfig, MasterKeyFromEnvironment) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.master_key_file = dir.File("missing.key");  // the variable wins, file unread
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {.master_key = kKey})), "");
  auto problems = CheckServeConfig(cfg, {.master_key = "c2hvcnQ="});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_EQ(problems[0], "CSRD_MASTER_KEY: must be the base64 encoding of exactly 32 bytes");
}

TEST(CheckServeConfig, PostgresNeedsAMasterKeyAndAParseableUrl) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.database = "postgresql://csrd:Pg-Secret-1@db.internal:5432/csrd";
  auto problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("PostgreSQL store needs CSRD_MASTER_KEY or master_key_file"),
            std::string::npos);
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {.master_key = kKey})), "");

  cfg.options.database = "postgresql://csrd:Pg-Secret-1@db.internal/csrd?no_such_param=1";
  problems = CheckServeConfig(cfg, {.master_key = kKey});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("is not a valid libpq URL"), std::string::npos);
  EXPECT_NE(problems[0].find("csrd:***@db.internal"), std::string::npos) << problems[0];
  EXPECT_EQ(problems[0].find("Pg-Secret-1"), std::string::npos) << problems[0];
}

TEST(CheckServeConfig, SqliteFileElsewhereNeedsAWritableDirectory) {
  TempDir dir;
  dir.Write("f", "x");
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.database = "sqlite:" + dir.File("f/csrd.db");
  auto problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("database.url directory"), std::string::npos) << problems[0];
  cfg.options.database = "sqlite:" + dir.File("other.db");
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");
}

// A self-signed P-256 pair from the openssl tool; false if it is missing.
// <name>.pem and <name>.key: a fresh self-signed pair.
bool MakeTlsPair(const TempDir& dir, const std::string& name) {
  const http::testing::Pem pem = http::testing::SelfSigned("check.example");
  dir.Write(name + ".pem", pem.cert);
  dir.Write(name + ".key", pem.key);
  return !pem.cert.empty() && !pem.key.empty();
}

TEST(CheckServeConfig, TlsPairMustComeTogetherAndLoad) {
  TempDir dir;
  ASSERT_TRUE(MakeTlsPair(dir, "a"));
  ASSERT_TRUE(MakeTlsPair(dir, "b"));
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.tls_cert = dir.File("a.pem");
  auto problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("--tls-cert and --tls-key must be given together"),
            std::string::npos) << problems[0];

  cfg.options.tls_key = dir.File("a.key");
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");

  cfg.options.tls_key = dir.File("missing.key");
  problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find(dir.File("missing.key")), std::string::npos) << problems[0];

  // Both readable, but serve would refuse them: the key is not the certificate's.
  cfg.options.tls_key = dir.File("b.key");
  problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_EQ(problems[0].find("PRIVATE KEY"), std::string::npos) << problems[0];

  cfg.options.tls_key = dir.Write("junk.key", "y");
  EXPECT_EQ(CheckServeConfig(cfg, {}).size(), 1u);
}

TEST(CheckServeConfig, PlainHttpOffLoopbackNeedsTheFlag) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.listen = "0.0.0.0:8443";
  auto problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("refusing to serve plain HTTP"), std::string::npos) << problems[0];
  cfg.options.allow_insecure_http = true;
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");
  cfg.options.listen = "127.0.0.1";  // no port
  problems = CheckServeConfig(cfg, {});
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_NE(problems[0].find("listen: must be HOST:PORT"), std::string::npos) << problems[0];
}

TEST(CheckServeConfig, MasterKeyTextIsTrimmedLikeServeTrimsIt) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  cfg.options.master_key_file = dir.Write("tab.key", "\t" + std::string(kKey) + " \r\n");
  EXPECT_EQ(Joined(CheckServeConfig(cfg, {})), "");
  auto decoded = DecodeMasterKey("\t" + std::string(kKey) + " \r\n", "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->size(), 32u);
  auto bad = DecodeMasterKey("c2hvcnQ=", "the test file");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "master key from the test file must be the base64 encoding of exactly 32 bytes");
}

TEST(FormatEffectiveConfig, ShowsOriginsRedactsSecretsAndParsesBack) {
  TempDir dir;
  const std::string file = dir.Write("csrd.toml", "[server]\nworkers = 4\n");
  auto cfg = LoadServeConfig(
      {file,
       {{"CSRD_DATABASE", "postgresql://csrd:Pg-Secret-1@db.internal/csrd"},
        {"CSRD_DATA_DIR", dir.File("data")}},
       {{"listen", "0.0.0.0:9999"}, {"key_pool_depth", "SM2=1"}}});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const std::string out = FormatEffectiveConfig(*cfg, {.master_key = kKey,
                                                       .bootstrap_password = true});
  EXPECT_EQ(out.find("Pg-Secret-1"), std::string::npos) << out;
  EXPECT_EQ(out.find(kKey), std::string::npos) << out;
  EXPECT_NE(out.find("# config file: " + file + " (from --config)"), std::string::npos) << out;
  EXPECT_NE(out.find("# master key: CSRD_MASTER_KEY (set, not shown)"), std::string::npos);
  EXPECT_NE(out.find("# bootstrap password: CSRD_BOOTSTRAP_PASSWORD (set, not shown"),
            std::string::npos);
  EXPECT_NE(out.find("\n[server]\nlisten = \"0.0.0.0:9999\""), std::string::npos) << out;
  EXPECT_NE(out.find("  # flag --listen\n"), std::string::npos) << out;
  EXPECT_NE(out.find("workers = 4"), std::string::npos);
  EXPECT_NE(out.find("  # file\n"), std::string::npos);
  EXPECT_NE(out.find("url = \"postgresql://csrd:***@db.internal/csrd\""), std::string::npos);
  EXPECT_NE(out.find("  # env CSRD_DATABASE\n"), std::string::npos);
  EXPECT_NE(out.find("SM2 = 1 }"), std::string::npos);

  // The output is a configuration file of its own, with the same settings
  // (but the redacted password).
  const std::string again_path = dir.Write("again.toml", out);
  auto again = LoadServeConfig({again_path, {}, {}});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << out;
  for (const OptionSpec& s : ServeOptionTable()) {
    EXPECT_EQ(FormatOptionValue(s, again->options), FormatOptionValue(s, cfg->options)) << s.name;
  }
}

TEST(FormatEffectiveConfig, SaysWhereTheMasterKeyComesFrom) {
  TempDir dir;
  EffectiveConfig cfg = Config(dir.File("data"));
  EXPECT_NE(FormatEffectiveConfig(cfg, {}).find(
                "# master key: " + dir.File("data") +
                "/master.key (generated on the first start of a new store)"),
            std::string::npos);
  cfg.options.master_key_file = "/k";
  EXPECT_NE(FormatEffectiveConfig(cfg, {}).find("# master key: master_key_file /k\n"),
            std::string::npos);
  cfg.options.master_key_file = "";
  cfg.options.database = "postgresql://h/db";
  EXPECT_NE(FormatEffectiveConfig(cfg, {}).find("# master key: none (required with PostgreSQL)"),
            std::string::npos);
}

}  // namespace
}  // namespace csrd::cmd
