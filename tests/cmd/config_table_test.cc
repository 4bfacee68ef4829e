#include "cmd/csrd/config_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace csrd::cmd {
namespace {

TEST(ConfigTable, NamesFollowOneRuleAndAreUnique) {
  std::set<std::string_view> names, keys, envs, flags;
  bool seen_table = false;
  for (const OptionSpec& s : ServeOptionTable()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_TRUE(keys.insert(s.file_key).second) << s.file_key;
    EXPECT_TRUE(envs.insert(s.env).second) << s.env;
    EXPECT_TRUE(flags.insert(s.flag).second) << s.flag;
    std::string flag = "--", env = "CSRD_";
    for (char c : s.name) {
      flag += c == '_' ? '-' : c;
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(s.flag, flag);
    EXPECT_EQ(s.env, env);
    EXPECT_FALSE(s.help.empty()) << s.name;
    // Top-level keys first: the printed configuration is TOML, where a bare
    // key after a [table] header belongs to that table.
    const bool in_table = s.file_key.find('.') != std::string_view::npos;
    if (in_table) seen_table = true;
    EXPECT_TRUE(in_table || !seen_table) << s.file_key << " must come before the tables";
    EXPECT_EQ(FindOptionByFileKey(s.file_key), &s);
    EXPECT_EQ(FindOptionByName(s.name), &s);
  }
  EXPECT_EQ(FindOptionByFileKey("nope"), nullptr);
  EXPECT_EQ(FindOptionByName("master_key"), nullptr);
}

TEST(ConfigTable, CoversTheFlagsOfOtherChanges) {
  for (const char* name : {"tls_cert", "tls_key", "allow_insecure_http", "log_format"}) {
    EXPECT_NE(FindOptionByName(name), nullptr) << name;
  }
}

TEST(ConfigTable, IntegersParseAndRangeCheck) {
  const OptionSpec& workers = *FindOptionByName("workers");
  ServeOptions o;
  EXPECT_TRUE(SetOptionFromText(workers, "32", &o).ok());
  EXPECT_EQ(o.workers, 32);
  EXPECT_TRUE(SetOptionFromText(workers, "+7", &o).ok());
  EXPECT_EQ(o.workers, 7);
  Status st = SetOptionFromText(workers, "0", &o);
  EXPECT_EQ(st.message(), "must be 1..512, got 0");
  EXPECT_EQ(SetOptionFromText(workers, "513", &o).message(), "must be 1..512, got 513");
  EXPECT_EQ(SetOptionFromText(workers, "12abc", &o).message(),
            "must be an integer, got \"12abc\"");
  EXPECT_FALSE(SetOptionFromText(workers, "", &o).ok());
  EXPECT_FALSE(SetOptionFromText(workers, "99999999999999999999", &o).ok());
  EXPECT_EQ(o.workers, 7);  // failures leave the value alone

  // int64_t and size_t fields.
  const OptionSpec& quota = *FindOptionByName("csr_quota");
  EXPECT_TRUE(SetOptionFromText(quota, "5000000000", &o).ok());
  EXPECT_EQ(o.csr_quota, 5000000000);
  EXPECT_EQ(SetOptionFromText(quota, "-1", &o).message(), "must be >= 0, got -1");
  const OptionSpec& conns = *FindOptionByName("max_connections");
  EXPECT_TRUE(SetOptionFromText(conns, "20000", &o).ok());
  EXPECT_EQ(o.max_connections, 20000u);
  EXPECT_FALSE(SetOptionFromText(conns, "-5", &o).ok());
}

TEST(ConfigTable, StringsChoicesAndValidators) {
  ServeOptions o;
  const OptionSpec& sync = *FindOptionByName("synchronous");
  EXPECT_TRUE(SetOptionFromText(sync, "NORMAL", &o).ok());
  EXPECT_EQ(o.synchronous, "NORMAL");
  EXPECT_EQ(SetOptionFromText(sync, "OFF", &o).message(), "must be FULL or NORMAL, got \"OFF\"");
  const OptionSpec& listen = *FindOptionByName("listen");
  EXPECT_TRUE(SetOptionFromText(listen, "[::1]:9000", &o).ok());
  EXPECT_EQ(o.listen, "[::1]:9000");
  EXPECT_FALSE(SetOptionFromText(listen, "localhost", &o).ok());
  EXPECT_FALSE(SetOptionFromText(listen, "h:99999", &o).ok());
  EXPECT_FALSE(SetOptionFromText(*FindOptionByName("data_dir"), "", &o).ok());
  // A value with a control character is quoted escaped in the message.
  EXPECT_EQ(SetOptionFromText(*FindOptionByName("log_format"), "x\ny", &o).message(),
            "must be text or json, got \"x\\u000Ay\"");
}

TEST(ConfigTable, DatabaseIsNeverQuotedAndShownRedacted) {
  ServeOptions o;
  const OptionSpec& db = *FindOptionByName("database");
  EXPECT_TRUE(db.secret);
  Status st = SetOptionFromText(db, "mysql://u:Hunter2Pw@h/db", &o);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("Hunter2Pw"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("mysql"), std::string::npos) << st.message();
  ASSERT_TRUE(SetOptionFromText(db, "postgresql://csrd:Hunter2Pw@db:5432/csrd", &o).ok());
  EXPECT_EQ(o.database, "postgresql://csrd:Hunter2Pw@db:5432/csrd");
  EXPECT_EQ(FormatOptionValue(db, o), "\"postgresql://csrd:***@db:5432/csrd\"");
  o.database = "postgres://h/db?password=Hunter2Pw&sslmode=require";
  EXPECT_EQ(FormatOptionValue(db, o), "\"postgres://h/db?password=***&sslmode=require\"");
  o.database = "";
  EXPECT_EQ(FormatOptionValue(db, o), "\"\"");
}

TEST(ConfigTable, Booleans) {
  ServeOptions o;
  const OptionSpec& b = *FindOptionByName("allow_insecure_http");
  for (const char* t : {"true", "YES", "on", "1"}) {
    o.allow_insecure_http = false;
    EXPECT_TRUE(SetOptionFromText(b, t, &o).ok()) << t;
    EXPECT_TRUE(o.allow_insecure_http) << t;
  }
  for (const char* f : {"false", "No", "off", "0"}) {
    o.allow_insecure_http = true;
    EXPECT_TRUE(SetOptionFromText(b, f, &o).ok()) << f;
    EXPECT_FALSE(o.allow_insecure_http) << f;
  }
  EXPECT_EQ(SetOptionFromText(b, "maybe", &o).message(), "must be true or false, got \"maybe\"");
  EXPECT_EQ(FormatOptionValue(b, o), "false");
}

TEST(ConfigTable, KeyPoolDepthsAppendAndShowTheResult) {
  ServeOptions o;
  const OptionSpec& d = *FindOptionByName("key_pool_depth");
  EXPECT_TRUE(SetOptionFromText(d, "all=0, RSA_4096=3", &o).ok());
  EXPECT_TRUE(SetOptionFromText(d, "SM2=9", &o).ok());
  EXPECT_EQ(o.key_pool_depths, (std::vector<std::string>{"all=0", "RSA_4096=3", "SM2=9"}));
  EXPECT_EQ(FormatOptionValue(d, o),
            "{ RSA_2048 = 0, RSA_3072 = 0, RSA_4096 = 3, EC_P256 = 0, EC_P384 = 0, SM2 = 9 }");
  Status st = SetOptionFromText(d, "RSA_1024=3", &o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("RSA_1024"), std::string::npos);
  EXPECT_FALSE(SetOptionFromText(d, " , ", &o).ok());
  EXPECT_EQ(o.key_pool_depths.size(), 3u);
  EXPECT_EQ(DefaultText(d), "RSA_2048=32 RSA_3072=16 RSA_4096=16 EC_P256=256 EC_P384=64 SM2=256");
}

TEST(ConfigTable, WrongTypedSettersSayWhatWasExpected) {
  ServeOptions o;
  EXPECT_EQ(SetOptionInt(*FindOptionByName("listen"), 5, &o).message(), "expected a string");
  EXPECT_EQ(SetOptionString(*FindOptionByName("workers"), "5", &o).message(),
            "expected an integer");
  EXPECT_EQ(SetOptionBool(*FindOptionByName("workers"), true, &o).message(),
            "expected an integer");
  EXPECT_EQ(SetOptionInt(*FindOptionByName("allow_insecure_http"), 1, &o).message(),
            "expected a boolean");
  EXPECT_EQ(AppendDepth(*FindOptionByName("workers"), "SM2=1", &o).message(),
            "expected an integer");
}

TEST(ConfigTable, DefaultsComeFromServeOptions) {
  EXPECT_EQ(DefaultText(*FindOptionByName("listen")), "\"127.0.0.1:8080\"");
  EXPECT_EQ(DefaultText(*FindOptionByName("workers")), "16");
  EXPECT_EQ(DefaultText(*FindOptionByName("allow_insecure_http")), "false");
  EXPECT_EQ(DefaultText(*FindOptionByName("database")), "SQLite at <data_dir>/csrd.db");
}

}  // namespace
}  // namespace csrd::cmd
