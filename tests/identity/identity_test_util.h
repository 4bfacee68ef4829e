// Shared set-up for the identity tests: a real SQLite store in a fresh temp
// directory, and Argon2 params cheap enough to run hundreds of times.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "identity/password_hasher.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace csrd::identity::testing {

// A directory removed (with its contents) when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csrd-identity-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<store::Store> OpenTestStore(const TempDir& dir,
                                                   const store::SqliteOptions& options = {}) {
  auto s = store::OpenSqliteStore((dir.path() / "csrd.db").string(), options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A second connection holding the database's write lock: the store's writes
// then fail (busy) as they would under a stuck writer, while reads go on (WAL).
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const TempDir& dir) {
    EXPECT_EQ(sqlite3_open((dir.path() / "csrd.db").string().c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  ~WriteLockHolder() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;

 private:
  sqlite3* db_ = nullptr;
};

// Store options for tests that hold the write lock: give up quickly.
inline store::SqliteOptions QuickBusyOptions() {
  store::SqliteOptions o;
  o.busy_timeout_ms = 50;
  return o;
}

// 64 KiB, one pass: microseconds per hash, still real Argon2id.
inline Argon2Params CheapParams() { return Argon2Params{1, 64, 1}; }

}  // namespace csrd::identity::testing
