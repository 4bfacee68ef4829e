#include "client/output_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace csrd::client {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/csrctl-out-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  size_t Entries() const {
    size_t n = 0;
    DIR* d = opendir(path_.c_str());
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
    return n;
  }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(OutputFileTest, PrivateFilesAreExactly0600WhateverTheUmask) {
  TempDir dir;
  mode_t old = umask(0);
  auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, false);
  umask(old);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(ModeOf(dir / "k.pem"), 0600u) << "reserved with its final mode before any byte";
  ASSERT_TRUE(f->Commit("KEY").ok());
  EXPECT_EQ(Slurp(dir / "k.pem"), "KEY");
  EXPECT_EQ(ModeOf(dir / "k.pem"), 0600u);
  EXPECT_FALSE(f->Commit("again").ok());
}

TEST(OutputFileTest, PublicFilesFollowTheUmask) {
  TempDir dir;
  mode_t old = umask(022);
  auto f = OutputFile::Open(dir / "c.csr", OutputFile::Mode::kPublic, false);
  umask(old);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Commit("CSR").ok());
  EXPECT_EQ(ModeOf(dir / "c.csr"), 0644u);
}

TEST(OutputFileTest, AnExistingFileIsRefusedAndLeftAlone) {
  TempDir dir;
  std::ofstream(dir / "k.pem") << "OLD";
  auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, false);
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(f.status().IsAlreadyExists());
  EXPECT_NE(f.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(Slurp(dir / "k.pem"), "OLD");

  // A dangling symlink is not followed (it could point anywhere).
  ASSERT_EQ(symlink((dir / "elsewhere").c_str(), (dir / "link").c_str()), 0);
  auto via_link = OutputFile::Open(dir / "link", OutputFile::Mode::kPrivate, false);
  EXPECT_FALSE(via_link.ok());
  EXPECT_EQ(access((dir / "elsewhere").c_str(), F_OK), -1);
}

TEST(OutputFileTest, AnUncommittedFileIsRemoved) {
  TempDir dir;
  {
    auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, false);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(dir.Entries(), 1u);
  }
  EXPECT_EQ(dir.Entries(), 0u);
}

TEST(OutputFileTest, OverwriteReplacesOnlyOnCommit) {
  TempDir dir;
  std::ofstream(dir / "k.pem") << "OLD";
  chmod((dir / "k.pem").c_str(), 0644);
  {
    auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, true);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(Slurp(dir / "k.pem"), "OLD") << "the old file stays until the new one is complete";
  }  // not committed: the temporary goes, the old file stays
  EXPECT_EQ(Slurp(dir / "k.pem"), "OLD");
  EXPECT_EQ(dir.Entries(), 1u);

  auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, true);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Commit("NEW").ok());
  EXPECT_EQ(Slurp(dir / "k.pem"), "NEW");
  EXPECT_EQ(ModeOf(dir / "k.pem"), 0600u) << "a replaced key file gets 0600, not the old mode";
  EXPECT_EQ(dir.Entries(), 1u);
}

TEST(OutputFileTest, MovedFromObjectsOwnNothing) {
  TempDir dir;
  auto f = OutputFile::Open(dir / "k.pem", OutputFile::Mode::kPrivate, false);
  ASSERT_TRUE(f.ok());
  OutputFile moved(std::move(f).value());
  ASSERT_TRUE(moved.Commit("X").ok());
  EXPECT_EQ(Slurp(dir / "k.pem"), "X");
}

TEST(OutputFileTest, ErrorsNameThePath) {
  auto f = OutputFile::Open("/nonexistent-dir/k.pem", OutputFile::Mode::kPrivate, false);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("/nonexistent-dir/k.pem"), std::string::npos);
  EXPECT_TRUE(OutputFile::Open("", OutputFile::Mode::kPrivate, false).status().IsInvalidArgument());
}

TEST(ReadSmallFileTest, ReadsCapsAndRefuses) {
  TempDir dir;
  std::string big(100000, 'x');
  std::ofstream(dir / "big") << big;
  auto r = ReadSmallFile(dir / "big", 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, big);
  r = ReadSmallFile(dir / "big", 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  r = ReadSmallFile(dir / "missing", 1000);
  EXPECT_TRUE(r.status().IsNotFound());
  r = ReadSmallFile("/tmp", 1000);
  EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace csrd::client
