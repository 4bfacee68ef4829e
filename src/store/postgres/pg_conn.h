// A thin libpq layer for the PostgreSQL store: one connection with its cache
// of prepared statements, binary parameters and results, and the mapping of
// PostgreSQL errors to Status. Private to store/postgres.
//
// A Conn is used by one thread at a time (the pool hands it out). Every round
// trip waits at most io_timeout_ms on the client side, so a server that
// vanished without closing the socket still yields Unavailable in bounded
// time. Error messages carry the SQLSTATE and PostgreSQL's primary message,
// never its DETAIL (which may quote bound values) nor the URL's password.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace csrd::store::postgres {

// The type OIDs bound by this store (pg_type.h is server-only).
inline constexpr Oid kBoolOid = 16;
inline constexpr Oid kByteaOid = 17;
inline constexpr Oid kInt8Oid = 20;
inline constexpr Oid kInt2Oid = 21;
inline constexpr Oid kInt4Oid = 23;
inline constexpr Oid kTextOid = 25;

// Statement parameters, sent in binary format with explicit types: lengths
// are explicit (no C-string truncation at a NUL byte) and bytea needs no
// escaping. Values are copied.
class Params {
 public:
  Params& Text(std::string_view v);
  Params& OptText(const std::optional<std::string>& v);  // NULL when nullopt
  Params& Bytes(std::string_view v);
  Params& OptBytes(const std::optional<std::string>& v);  // NULL when nullopt
  Params& Int(int64_t v);
  Params& Bool(bool v);

  int size() const { return static_cast<int>(types_.size()); }
  const std::vector<Oid>& types() const { return types_; }

 private:
  friend class Conn;
  void Add(Oid type, std::string value, bool null);

  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// A successful result. Prepared statements return binary columns; the
// accessors decode them by column type.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* res) : res_(res) {}

  int size() const;
  // Rows changed by INSERT/UPDATE/DELETE (0 for other commands).
  int64_t affected() const;
  // The command tag, e.g. "COMMIT" or "ROLLBACK".
  std::string command() const;

  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;  // "" for NULL
  int64_t Int(int row, int col) const;       // int2/int4/int8; 0 for NULL
  bool Bool(int row, int col) const;
  std::optional<std::string> Bytes(int row, int col) const;  // nullopt for NULL

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> res_;
};

// How to reach the server: libpq keywords/values (the URL first, expanded)
// plus what is needed to keep the password out of messages.
struct ConnectSpec {
  std::vector<std::string> keywords;
  std::vector<std::string> values;
  std::string password;  // scrubbed from every message; "" if none
  int io_timeout_ms = 7000;
};

// Builds a ConnectSpec from a URL: connect_timeout, statement_timeout (via
// options) and TCP keepalives are added unless the URL sets them itself.
// InvalidArgument if libpq cannot parse the URL (the message holds no part of
// it).
Result<ConnectSpec> MakeConnectSpec(const std::string& url, int connect_timeout_s,
                                    int statement_timeout_ms);

class Conn {
 public:
  // Unavailable if the server cannot be reached or refuses the session.
  static Result<std::unique_ptr<Conn>> Connect(const ConnectSpec& spec);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs sql as a prepared statement (prepared on this connection at first
  // use, with the parameter types of that first call). what names the
  // operation in error messages.
  Result<Rows> Query(const char* sql, const Params& params, std::string_view what);
  Result<Rows> Query(const char* sql, std::string_view what) { return Query(sql, Params(), what); }
  // Runs sql (one or more statements, no parameters) with the simple protocol.
  Result<Rows> Exec(const char* sql, std::string_view what);

  // False once the connection failed in a way that makes it unfit for reuse.
  bool usable() const;
  // For an idle pooled connection: false if it failed earlier or if the
  // server sent anything while it was idle (a termination notice, EOF).
  bool CheckAlive();
  // Whether the last failed statement failed with serialization_failure or
  // deadlock_detected (its transaction is rolled back and may be retried).
  bool last_failure_retryable() const { return retryable_; }
  // Client-side cap on one round trip (also the migration session's longer one).
  void set_io_timeout_ms(int ms) { io_timeout_ms_ = ms; }
  int io_timeout_ms() const { return io_timeout_ms_; }

 private:
  Conn(PGconn* conn, std::string password, int io_timeout_ms);

  Status Prepare(const char* sql, const Params& params, std::string* name);
  // Collects the results of the command just sent; the first error wins.
  Result<Rows> Await(std::string_view what);
  Status Fail(const PGresult* res, std::string_view what);
  Status ConnectionLost(std::string_view what);

  PGconn* conn_;
  std::string password_;
  int io_timeout_ms_;
  bool broken_ = false;
  bool retryable_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

// The message libpq left on conn (or msg), on one line, with password removed.
std::string Scrub(std::string msg, const std::string& password);

// True if s can be a text parameter: valid UTF-8 without NUL. PostgreSQL
// refuses anything else (SQLSTATE 22021) where SQLite stores the bytes, so a
// lookup or filter with such a value is answered as "no such row" before it
// reaches the server, the same answer SQLite gives.
bool CanBeText(std::string_view s);

}  // namespace csrd::store::postgres
