#include "client/profile_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace csrd::client {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/csrctl-profile-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

TEST(ProfileStoreTest, ParseAndSerializeRoundTrip) {
  auto store = ProfileStore::Parse(
      "# comment\n; another\n\n[default]\nendpoint = http://127.0.0.1:8080\n"
      "ak=AK1\n  sk =  S K 1  \n[ci.2-x_y]\ndomain_id = d1\nproject_id = p1\nca_file = /ca.pem\n"
      "token = t0k\ntoken_expires_at = 2026-01-01T00:00:00.000000Z\ntoken_user = a@b\r\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_EQ(store->profiles().size(), 2u);
  const Profile* d = store->Find("default");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->endpoint, "http://127.0.0.1:8080");
  EXPECT_EQ(d->ak, "AK1");
  EXPECT_EQ(d->sk.view(), "S K 1");  // inner spaces kept, outer trimmed
  const Profile* ci = store->Find("ci.2-x_y");
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->domain_id, "d1");
  EXPECT_EQ(ci->project_id, "p1");
  EXPECT_EQ(ci->ca_file, "/ca.pem");
  EXPECT_EQ(ci->token.view(), "t0k");
  EXPECT_EQ(ci->token_user, "a@b");
  EXPECT_EQ(store->Find("nope"), nullptr);

  auto again = ProfileStore::Parse(store->Serialize());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Serialize(), store->Serialize());
}

TEST(ProfileStoreTest, ParseErrorsNameTheLineNeverTheValue) {
  const std::map<std::string, std::string> bad = {
      {"ak = x\n", "line 1: key outside"},
      {"[p]\nsecret_key = hunter2\n", "line 2: unknown key 'secret_key'"},
      {"[p]\n\njust text hunter2\n", "line 3: expected"},
      {"[p\n", "line 1: unclosed"},
      {"[bad name]\n", "line 1: profile names"},
      {"[p]\n[p]\n", "line 2: profile [p] appears twice"},
  };
  for (const auto& [text, want] : bad) {
    auto store = ProfileStore::Parse(text);
    ASSERT_FALSE(store.ok()) << text;
    EXPECT_TRUE(store.status().IsInvalidArgument());
    EXPECT_NE(store.status().message().find(want), std::string::npos) << store.status().message();
    EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(ProfileStoreTest, NamesAndValues) {
  EXPECT_TRUE(IsValidProfileName("default"));
  EXPECT_TRUE(IsValidProfileName("a.b-c_D9"));
  EXPECT_FALSE(IsValidProfileName(""));
  EXPECT_FALSE(IsValidProfileName("a b"));
  EXPECT_FALSE(IsValidProfileName("a]"));
  EXPECT_FALSE(IsValidProfileName(std::string(65, 'a')));
  EXPECT_TRUE(IsStorableValue("https://x y"));
  EXPECT_FALSE(IsStorableValue(" x"));
  EXPECT_FALSE(IsStorableValue("x\n[evil]"));
  EXPECT_FALSE(IsStorableValue("x\x7f"));
}

TEST(ProfileStoreTest, DefaultConfigPathFollowsXdg) {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_EQ(DefaultConfigPath(env({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})), "/x/csrctl/config");
  EXPECT_EQ(DefaultConfigPath(env({{"HOME", "/h"}})), "/h/.config/csrctl/config");
  // A relative XDG_CONFIG_HOME is invalid per the XDG spec: ignored.
  EXPECT_EQ(DefaultConfigPath(env({{"XDG_CONFIG_HOME", "rel"}, {"HOME", "/h"}})),
            "/h/.config/csrctl/config");
  EXPECT_EQ(DefaultConfigPath(env({})), "");
}

TEST(ProfileStoreTest, SaveCreatesAPrivateFileInAPrivateDirectory) {
  TempDir dir;
  std::string path = dir.path() + "/xdg/csrctl/config";
  auto store = ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse);
  ASSERT_TRUE(store.ok()) << store.status().ToString();  // missing file: empty store
  EXPECT_TRUE(store->profiles().empty());
  Profile& p = store->Upsert("default");
  p.endpoint = "http://h:1";
  p.ak = "AK";
  p.sk = Secret(std::string_view("SECRET"));
  umask(0);  // the modes must not depend on the umask
  ASSERT_TRUE(store->Save().ok());
  umask(022);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(dir.path() + "/xdg/csrctl"), 0700u);

  auto loaded = ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->Find("default")->sk.view(), "SECRET");
  EXPECT_EQ(loaded->path(), path);
}

TEST(ProfileStoreTest, AGroupOrWorldReadableFileIsRefusedWithAFix) {
  TempDir dir;
  std::string path = dir.path() + "/config";
  WriteFile(path, "[default]\nsk = SECRET\n", 0644);
  auto store = ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kFailedPrecondition);
  std::string m = store.status().message();
  EXPECT_NE(m.find("mode 0644"), std::string::npos) << m;
  EXPECT_NE(m.find("chmod 600 " + path), std::string::npos) << m;
  EXPECT_EQ(m.find("SECRET"), std::string::npos);

  chmod(path.c_str(), 0620);  // group-writable is as bad
  EXPECT_FALSE(ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse).ok());

  // kAllow reads it, says so, and the next save fixes the mode.
  bool loose = false;
  auto allowed = ProfileStore::Load(path, ProfileStore::LooseMode::kAllow, &loose);
  ASSERT_TRUE(allowed.ok());
  EXPECT_TRUE(loose);
  ASSERT_TRUE(allowed->Save().ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_TRUE(ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse, &loose).ok());
  EXPECT_FALSE(loose);
}

TEST(ProfileStoreTest, LoadRefusesNonRegularFilesAndReportsParseErrorsWithThePath) {
  TempDir dir;
  auto store = ProfileStore::Load(dir.path(), ProfileStore::LooseMode::kRefuse);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("not a regular file"), std::string::npos);

  std::string path = dir.path() + "/config";
  WriteFile(path, "[default]\nbogus = 1\n", 0600);
  store = ProfileStore::Load(path, ProfileStore::LooseMode::kRefuse);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(path + ": config line 2"), std::string::npos)
      << store.status().message();
}

TEST(ProfileStoreTest, UpsertAndRemove) {
  ProfileStore store("/unused");
  store.Upsert("a").ak = "1";
  store.Upsert("b").ak = "2";
  EXPECT_EQ(store.Upsert("a").ak, "1");
  EXPECT_TRUE(store.Remove("a"));
  EXPECT_FALSE(store.Remove("a"));
  ASSERT_EQ(store.profiles().size(), 1u);
  EXPECT_EQ(store.profiles()[0].name, "b");
}

}  // namespace
}  // namespace csrd::client
