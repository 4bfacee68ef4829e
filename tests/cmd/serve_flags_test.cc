#include "cmd/csrd/serve_flags.h"

#include <gtest/gtest.h>

namespace csrd::cmd {
namespace {

struct Parsed {
  CLI::App app;
  ServeCommandLine cl;
};

// Parses `csrd serve ARGS...`; returns the CLI11 error text ("" = parsed).
std::string Parse(Parsed* p, std::vector<std::string> args) {
  auto* serve = p->app.add_subcommand("serve");
  RegisterServeFlags(serve, &p->cl);
  args.insert(args.begin(), "serve");
  std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
  try {
    p->app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(ServeFlags, EveryRowHasItsFlag) {
  Parsed p;
  ASSERT_EQ(Parse(&p, {}), "");
  for (const OptionSpec& s : ServeOptionTable()) {
    CLI::Option* o = p.app.get_subcommand("serve")->get_option_no_throw(std::string(s.flag));
    ASSERT_NE(o, nullptr) << s.flag;
    EXPECT_NE(o->get_description().find(std::string(s.env)), std::string::npos) << s.flag;
  }
  EXPECT_TRUE(GivenFlags(p.cl).empty());
  EXPECT_FALSE(p.cl.check_config);
  EXPECT_EQ(p.cl.config, "");
}

TEST(ServeFlags, GivenFlagsKeepTextAndOrder) {
  Parsed p;
  ASSERT_EQ(Parse(&p, {"--config", "/etc/csrd/csrd.toml", "--check-config", "--workers", "abc",
                       "--key-pool-depth", "all=0", "--listen=[::1]:1", "--key-pool-depth",
                       "SM2=4", "--allow-insecure-http", "--database", "sqlite:x"}),
            "");
  EXPECT_EQ(p.cl.config, "/etc/csrd/csrd.toml");
  EXPECT_TRUE(p.cl.check_config);
  std::vector<std::pair<std::string, std::string>> got;
  for (const FlagValue& f : GivenFlags(p.cl)) got.emplace_back(f.name, f.value);
  // Table order between settings, command-line order within one.
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"listen", "[::1]:1"},
                     {"workers", "abc"},  // checked by LoadServeConfig, not here
                     {"database", "sqlite:x"},
                     {"key_pool_depth", "all=0"},
                     {"key_pool_depth", "SM2=4"},
                     {"allow_insecure_http", "true"}}));
}

TEST(ServeFlags, BooleanFlagTakesAnExplicitValue) {
  Parsed p;
  ASSERT_EQ(Parse(&p, {"--allow-insecure-http=false"}), "");
  auto flags = GivenFlags(p.cl);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].value, "false");
}

TEST(ServeFlags, SingleValuedFlagGivenTwiceIsAUsageError) {
  Parsed p;
  EXPECT_NE(Parse(&p, {"--workers", "2", "--workers", "3"}), "");
}

}  // namespace
}  // namespace csrd::cmd
