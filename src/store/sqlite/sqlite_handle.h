// Thin RAII layer over the sqlite3 C API, private to store/sqlite.
//
// Connection owns one sqlite3* and the statements prepared on it (prepared
// once with SQLITE_PREPARE_PERSISTENT, then reused). Statement is a borrowed,
// cached statement: it resets and clears its bindings when it dies, so a read
// never pins a WAL snapshot past its scope. Neither class is thread-safe; the
// store hands each Connection to one thread at a time.
//
// Errors map to Status by ErrorStatus(): the message carries the SQLite error
// text (which names tables and columns, never bound values).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "core/status.h"

namespace csrd::store::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// BUSY/LOCKED/FULL/READONLY/IOERR/CANTOPEN/NOMEM/PROTOCOL -> Unavailable;
// UNIQUE/PRIMARY KEY constraint -> AlreadyExists; FOREIGN KEY -> NotFound (the
// referenced row is missing); CORRUPT/NOTADB -> Corruption; else Internal.
// errmsg may be null. what names the operation ("insert csr").
Status ErrorStatus(int rc, std::string_view what, const char* errmsg);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based. Text and blobs are bound without a copy: the
  // caller keeps them alive until the last Step(). A bind failure is
  // remembered and returned by the next Step().
  Statement& Bind(int i, std::string_view text);
  Statement& Bind(int i, int64_t v);
  Statement& BindBlob(int i, std::string_view bytes);
  Statement& BindBlob(int i, const std::optional<std::string>& bytes);  // nullopt -> NULL
  Statement& BindNull(int i);

  // true: a row is ready; false: done.
  Result<bool> Step(std::string_view what);
  // Steps a statement that returns no row (or ignores its rows) to the end.
  Status Run(std::string_view what);

  // Columns are 0-based.
  int64_t Int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::optional<std::string> Blob(int col) const;  // NULL -> nullopt

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

struct ConnectionOptions {
  bool read_only = false;  // PRAGMA query_only: a reader can never write by mistake
  std::string synchronous = "FULL";
  int busy_timeout_ms = 5000;
  int cache_kib = 16384;
};

class Connection {
 public:
  // Opens path read-write (never creates it: the caller creates the file so it
  // controls the mode) and applies the per-connection pragmas.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_.get(); }

  // A cached prepared statement for sql. sql must be a string that outlives
  // the connection (the cache keys on its text).
  Result<Statement> Prepare(std::string_view sql);
  // Steps one row-less statement (BEGIN, COMMIT, SAVEPOINT, ...) as a cached
  // statement: a transaction's bookkeeping compiles nothing after its first
  // use. sql as for Prepare().
  Status RunCached(std::string_view sql, std::string_view what);
  // Runs one or more statements without caching (schema, pragmas).
  Status Exec(const char* sql, std::string_view what);

  // Whether a transaction is open (a failed statement may have ended it).
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  // Rolls back the open transaction, if any (cached ROLLBACK; uncached if
  // that cannot run). Errors are not reported: afterwards InTransaction()
  // tells whether it worked.
  void RollBackIfOpen();
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  explicit Connection(DbHandle db) : db_(std::move(db)) {}

  DbHandle db_;
  // Declared after db_ so the statements are finalized before the close.
  std::unordered_map<std::string_view, StmtHandle> cache_;
};

// A write transaction taken with BEGIN IMMEDIATE (the write lock up front, so
// a read-then-write cannot fail half-way on a lock upgrade). Rolls back on
// destruction unless Commit() succeeded.
class WriteTxn {
 public:
  explicit WriteTxn(Connection& conn) : conn_(conn) {}
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  ~WriteTxn();

  Status Begin();
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

// A read transaction (BEGIN DEFERRED): several SELECTs see one snapshot.
class ReadTxn {
 public:
  explicit ReadTxn(Connection& conn) : conn_(conn) {}
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  ~ReadTxn();

  Status Begin();

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace csrd::store::sqlite
