// Helpers for the PostgreSQL store tests: the server under test comes from
// CSRD_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:55432/csrd_test, as
// printed by scripts/pg-cluster.sh start); each test works in a database of
// its own, created on that server and dropped afterwards. The URL's role
// needs the CREATEDB privilege.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"

namespace csrd::store::testing {

// "" when the variable is unset: PostgreSQL tests then skip.
inline std::string PgTestUrl() {
  const char* v = std::getenv("CSRD_TEST_PG_URL");
  return v != nullptr ? v : "";
}

inline constexpr char kNoPgUrl[] =
    "CSRD_TEST_PG_URL is not set: PostgreSQL tests not run "
    "(start a server with scripts/pg-cluster.sh start DIR PORT and export the URL it prints)";

// url with its database name replaced by db.
inline std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t query = url.find('?', start);
  if (query == std::string::npos) query = url.size();
  size_t slash = url.find('/', start);
  if (slash == std::string::npos || slash > query) slash = query;
  return url.substr(0, slash) + "/" + db + url.substr(query);
}

// A raw libpq session for test setup and inspection.
class PgSession {
 public:
  // Connects to url; db (if given) overrides the URL's database.
  explicit PgSession(const std::string& url, const std::string& db = "") {
    const char* kws[] = {"dbname", db.empty() ? nullptr : "dbname", nullptr};
    const char* vals[] = {url.c_str(), db.empty() ? nullptr : db.c_str(), nullptr};
    conn_ = PQconnectdbParams(kws, vals, 1);
  }
  ~PgSession() { PQfinish(conn_); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  bool ok() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return conn_ != nullptr ? PQerrorMessage(conn_) : "no memory"; }

  // Runs sql; returns the first column of the first row ("" if none), or
  // nullopt on error (the message goes to ADD_FAILURE unless quiet).
  std::optional<std::string> Exec(const std::string& sql, bool quiet = false) {
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    std::optional<std::string> out;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
    } else if (!quiet) {
      ADD_FAILURE() << "psql: " << sql << ": " << PQresultErrorMessage(r);
    }
    PQclear(r);
    return out;
  }

  // Polls until at least n sessions on this database wait for a lock (a
  // row or table lock another session holds); false after timeout. Replaces
  // a sleep that hoped the other side had reached its lock by then.
  bool WaitForLockWaiters(int n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string sql =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'";
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = Exec(sql);
      if (got && std::stoi(*got) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  PGconn* conn_ = nullptr;
};

// A database of its own on the server of base_url, dropped (with its
// sessions) on destruction.
class FreshPgDatabase {
 public:
  explicit FreshPgDatabase(const std::string& base_url)
      : base_url_(base_url), name_("csrd_t_" + NewId().substr(0, 16)) {
    PgSession admin(base_url_, "postgres");
    if (!admin.ok()) {
      error_ = "cannot reach the test server: " + admin.error();
      return;
    }
    if (!admin.Exec("CREATE DATABASE " + name_)) {
      error_ = "CREATE DATABASE failed";
      return;
    }
    created_ = true;
    url_ = WithDatabase(base_url_, name_);
  }
  ~FreshPgDatabase() {
    if (!created_) return;
    PgSession admin(base_url_, "postgres");
    if (admin.ok()) admin.Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", true);
  }
  FreshPgDatabase(const FreshPgDatabase&) = delete;
  FreshPgDatabase& operator=(const FreshPgDatabase&) = delete;

  bool ok() const { return created_; }
  const std::string& error() const { return error_; }
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string base_url_;
  std::string name_;
  std::string url_;
  std::string error_;
  bool created_ = false;
};

}  // namespace csrd::store::testing
