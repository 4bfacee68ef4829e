// SqliteStore as a file: reopen, kill -9, concurrency, bad files, permissions.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::AuditItems;
using testing::MakeAudit;
using testing::MakeCsr;
using testing::MakeToken;
using testing::MakeUser;

TEST(SqliteOpenTest, RowsSurviveCloseAndReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  Account a = MakeAccount("default");
  User u = MakeUser(a.id, "admin");
  Token t = MakeToken(u, 1, 2);
  Csr c = MakeCsr(a.id, "kept", 42);
  {
    auto store = testing::MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->BootstrapIfEmpty(a, u).value());
    ASSERT_TRUE(store->InsertToken(t).ok());
    ASSERT_TRUE(store->InsertCsr(c, 0).ok());
    ASSERT_TRUE(store->PutMeta("master_key_id", "mk1").ok());
    ASSERT_TRUE(store->InsertAudit(MakeAudit(a.id, c.id, 3)).ok());
    ASSERT_TRUE(store->RecordFailure("k", 10, 1000, 5, 1000).ok());
  }
  for (int round = 0; round < 2; ++round) {
    auto store = testing::MustOpen(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->GetAccountByName("default")->id, a.id);
    EXPECT_EQ(store->GetUserByName(a.id, "admin")->id, u.id);
    EXPECT_TRUE(store->GetToken(t.token_hash).ok());
    auto got = store->GetCsr(a.id, c.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->name, "kept");
    EXPECT_EQ(*got->sealed_key, *c.sealed_key);
    EXPECT_EQ(store->CountCsrs(a.id).value(), 1);
    EXPECT_EQ(store->GetMeta("master_key_id")->value_or(""), "mk1");
    EXPECT_EQ(AuditItems(*store, a.id, 10, 0)->size(), 1u);
    EXPECT_EQ(store->GetThrottle("k")->failures, 1);
    EXPECT_FALSE(store->BootstrapIfEmpty(MakeAccount("x"), MakeUser(a.id, "y")).value());
  }
}

// A child process writes, reports OK through a pipe and is killed with
// SIGKILL at once; the row must be there when the file is opened again.
void KillNineAfterWrite(const SqliteOptions& options) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  Account a = MakeAccount("default");
  Csr c = MakeCsr(a.id, "durable", 7);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = OpenSqliteStore(path, options);
    char result = 'x';
    if (store.ok() && (*store)->CreateAccount(a).ok() && (*store)->InsertCsr(c, 0).ok() &&
        (*store)->PutMeta("m", "v").ok()) {
      result = 'k';
    }
    if (::write(fds[1], &result, 1) != 1) ::_exit(2);
    for (;;) ::pause();  // the store stays open: no clean close, no checkpoint
  }
  ::close(fds[1]);
  char result = 0;
  ASSERT_EQ(::read(fds[0], &result, 1), 1);
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  ::close(fds[0]);
  ASSERT_EQ(result, 'k') << "the child could not write";
  ASSERT_TRUE(WIFSIGNALED(wstatus));

  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  auto got = store->GetCsr(a.id, c.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "durable");
  EXPECT_EQ(store->GetMeta("m")->value_or(""), "v");
}

TEST(SqliteOpenTest, OkWriteSurvivesKillNineFull) { KillNineAfterWrite({}); }

TEST(SqliteOpenTest, OkWriteSurvivesKillNineNormal) {
  SqliteOptions o;
  o.synchronous = "NORMAL";
  KillNineAfterWrite(o);
}

void ConcurrentWritersAndReaders(int reader_connections) {
  testing::TempDir dir;
  SqliteOptions o;
  o.reader_connections = reader_connections;
  auto store = testing::MustOpen(dir.File("csrd.db"), o);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4, kPerThread = 200;
  std::vector<Account> accounts;
  for (int i = 0; i < kThreads; ++i) {
    accounts.push_back(MakeAccount("acct-" + std::to_string(i)));
    ASSERT_TRUE(store->CreateAccount(accounts.back()).ok());
  }
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Account& a = accounts[t];
      for (int i = 0; i < kPerThread; ++i) {
        Csr c = MakeCsr(a.id, "c" + std::to_string(i), i);
        if (!store->InsertCsr(c, 0).ok()) errors++;
        auto got = store->GetCsr(a.id, c.id);  // read-your-write through a reader
        if (!got.ok() || got->name != c.name) errors++;
        auto page = store->ListCsrs(a.id, testing::Q("", "", 10));
        if (!page.ok() || page->total != i + 1 || page->items.empty() ||
            page->items[0].id != c.id) {
          errors++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  for (const Account& a : accounts) {
    EXPECT_EQ(store->CountCsrs(a.id).value(), kPerThread);
    EXPECT_EQ(store->ListCsrs(a.id, testing::Q("c", "", 0))->total, kPerThread);
  }
}

TEST(SqliteOpenTest, ConcurrentWritersAndReaders) { ConcurrentWritersAndReaders(2); }
TEST(SqliteOpenTest, ConcurrentWithoutReaderPool) { ConcurrentWritersAndReaders(0); }

TEST(SqliteOpenTest, FileIsCreatedOwnerOnly) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutMeta("k", "v").ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((path + "-wal").c_str(), &st), 0);  // WAL mode is on
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(SqliteOpenTest, NotADatabaseIsAnErrorAndIsLeftAlone) {
  testing::TempDir dir;
  const std::string path = dir.File("notes.txt");
  const std::string content(8192, 'z');
  { std::ofstream(path) << content; }
  auto r = OpenSqliteStore(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
  std::ifstream in(path);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, content);
}

TEST(SqliteOpenTest, MissingDirectoryIsUnavailable) {
  testing::TempDir dir;
  auto r = OpenSqliteStore(dir.File("no/such/dir/csrd.db"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
}

TEST(SqliteOpenTest, RejectsBadOptions) {
  testing::TempDir dir;
  SqliteOptions bad_sync;
  bad_sync.synchronous = "OFF; DROP TABLE x";
  EXPECT_TRUE(OpenSqliteStore(dir.File("a.db"), bad_sync).status().IsInvalidArgument());
  SqliteOptions bad_readers;
  bad_readers.reader_connections = -1;
  EXPECT_TRUE(OpenSqliteStore(dir.File("b.db"), bad_readers).status().IsInvalidArgument());
  EXPECT_TRUE(OpenSqliteStore("").status().IsInvalidArgument());
}

// Runs fn in a child process without root's power to ignore file modes (the
// tests may run as root). fn returns "" on success or what went wrong.
std::string RunUnprivileged(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      msg = "cannot drop privileges";
    } else {
      msg = fn();
    }
    if (!msg.empty() && ::write(fds[1], msg.data(), msg.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) msg += " (child did not exit cleanly)";
  return msg;
}

TEST(SqliteOpenTest, ReadOnlyDirectoryIsUnavailable) {
  testing::TempDir dir;
  const std::string ro = dir.File("ro");
  ASSERT_EQ(::mkdir(ro.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  std::string msg = RunUnprivileged([&]() -> std::string {
    auto r = OpenSqliteStore(ro + "/csrd.db");
    if (r.ok()) {
      Status st = (*r)->PutMeta("k", "v");
      if (!st.IsUnavailable()) return "write in a read-only dir: " + st.ToString();
      return "";
    }
    if (!r.status().IsUnavailable()) return "open: " + r.status().ToString();
    return "";
  });
  EXPECT_EQ(msg, "");
}

TEST(SqliteOpenTest, ReadOnlyFileIsUnavailableOnWrite) {
  testing::TempDir dir;
  const std::string path = dir.File("csrd.db");
  Account a = MakeAccount("default");
  {
    auto store = testing::MustOpen(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateAccount(a).ok());
  }
  // The directory is writable by anyone (so -shm can be made); the file not.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  std::string msg = RunUnprivileged([&]() -> std::string {
    auto r = OpenSqliteStore(path);
    if (!r.ok()) {
      return r.status().IsUnavailable() ? "" : "open: " + r.status().ToString();
    }
    Status st = (*r)->CreateAccount(MakeAccount("new"));
    if (!st.IsUnavailable()) return "write to a read-only file: " + st.ToString();
    auto got = (*r)->GetAccountByName("default");  // reading still works
    if (!got.ok()) return "read: " + got.status().ToString();
    return "";
  });
  EXPECT_EQ(msg, "");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto store = testing::MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ListAccounts()->size(), 1u);  // nothing was damaged
}

}  // namespace
}  // namespace csrd::store
