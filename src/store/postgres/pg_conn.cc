#include "store/postgres/pg_conn.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/utf8.h"

namespace csrd::store::postgres {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConninfoDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

void IgnoreNotice(void*, const char*) {}  // library code never prints

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string Scrub(std::string msg, const std::string& password) {
  if (!password.empty()) {
    for (size_t pos = msg.find(password); pos != std::string::npos;
         pos = msg.find(password, pos)) {
      msg.replace(pos, password.size(), "***");
      pos += 3;
    }
  }
  for (char& ch : msg) {
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  }
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  return msg;
}

// ---- Params ----

void Params::Add(Oid type, std::string value, bool null) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  nulls_.push_back(null);
}

Params& Params::Text(std::string_view v) {
  Add(kTextOid, std::string(v), false);
  return *this;
}
Params& Params::OptText(const std::optional<std::string>& v) {
  Add(kTextOid, v.value_or(std::string()), !v.has_value());
  return *this;
}
Params& Params::Bytes(std::string_view v) {
  Add(kByteaOid, std::string(v), false);
  return *this;
}
Params& Params::OptBytes(const std::optional<std::string>& v) {
  Add(kByteaOid, v.value_or(std::string()), !v.has_value());
  return *this;
}
Params& Params::Int(int64_t v) {
  Add(kInt8Oid, BigEndian(static_cast<uint64_t>(v), 8), false);
  return *this;
}
Params& Params::Bool(bool v) {
  Add(kBoolOid, std::string(1, v ? '\1' : '\0'), false);
  return *this;
}

// ---- Rows ----

int Rows::size() const { return res_ ? PQntuples(res_.get()) : 0; }

int64_t Rows::affected() const {
  if (!res_) return 0;
  const char* n = PQcmdTuples(res_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}

std::string Rows::command() const {
  const char* s = res_ ? PQcmdStatus(res_.get()) : nullptr;
  return s != nullptr ? s : "";
}

bool Rows::IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }

std::string Rows::Text(int row, int col) const {
  if (IsNull(row, col)) return {};
  return std::string(PQgetvalue(res_.get(), row, col),
                     static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* p = PQgetvalue(res_.get(), row, col);
  if (PQfformat(res_.get(), col) == 0) return std::strtoll(p, nullptr, 10);  // text result
  int len = PQgetlength(res_.get(), row, col);
  uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  // Sign-extend the narrower integer types.
  if (len < 8 && len > 0 && (static_cast<unsigned char>(p[0]) & 0x80) != 0) {
    v |= ~uint64_t{0} << (8 * len);
  }
  return static_cast<int64_t>(v);
}

bool Rows::Bool(int row, int col) const {
  if (IsNull(row, col)) return false;
  const char* p = PQgetvalue(res_.get(), row, col);
  if (PQfformat(res_.get(), col) == 0) return p[0] == 't';
  return p[0] != 0;
}

std::optional<std::string> Rows::Bytes(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

// ---- ConnectSpec ----

Result<ConnectSpec> MakeConnectSpec(const std::string& url, int connect_timeout_s,
                                    int statement_timeout_ms) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> opts(PQconninfoParse(url.c_str(), &err));
  if (opts == nullptr) {
    // libpq's message may quote the URL: leave it out.
    if (err != nullptr) PQfreemem(err);
    return Status::InvalidArgument("postgres: the database URL cannot be parsed");
  }
  ConnectSpec spec;
  std::string user_options;
  std::unordered_map<std::string, bool> given;
  for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view kw = o->keyword;
    given[o->keyword] = true;
    if (kw == "password") spec.password = o->val;
    if (kw == "options") user_options = o->val;
  }
  spec.keywords.push_back("dbname");
  spec.values.push_back(url);
  auto add_default = [&](const char* kw, std::string value) {
    if (given.count(kw) != 0) return;  // the URL's own setting wins
    spec.keywords.push_back(kw);
    spec.values.push_back(std::move(value));
  };
  add_default("connect_timeout", std::to_string(connect_timeout_s));
  add_default("fallback_application_name", "csrd");
  // Notice a dead peer on an idle or stuck socket within tens of seconds.
  add_default("keepalives", "1");
  add_default("keepalives_idle", "10");
  add_default("keepalives_interval", "5");
  add_default("keepalives_count", "3");
  add_default("tcp_user_timeout", std::to_string(statement_timeout_ms + 10000));
  // The URL's options come after ours, so its own -c settings win.
  spec.keywords.push_back("options");
  std::string options = "-c statement_timeout=" + std::to_string(statement_timeout_ms);
  if (!user_options.empty()) options += " " + user_options;
  spec.values.push_back(std::move(options));
  // A round trip may legitimately take a whole statement_timeout; the grace
  // covers network and commit latency on top.
  spec.io_timeout_ms = statement_timeout_ms + 2000;
  return spec;
}

// ---- Conn ----

Result<std::unique_ptr<Conn>> Conn::Connect(const ConnectSpec& spec) {
  std::vector<const char*> kws;
  std::vector<const char*> vals;
  for (size_t i = 0; i < spec.keywords.size(); ++i) {
    kws.push_back(spec.keywords[i].c_str());
    vals.push_back(spec.values[i].c_str());
  }
  kws.push_back(nullptr);
  vals.push_back(nullptr);
  PGconn* raw = PQconnectdbParams(kws.data(), vals.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return Status::Unavailable("postgres: connect: out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = "postgres: connect: " + Scrub(PQerrorMessage(raw), spec.password);
    PQfinish(raw);
    return Status::Unavailable(std::move(msg));
  }
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  return std::unique_ptr<Conn>(new Conn(raw, spec.password, spec.io_timeout_ms));
}

Conn::Conn(PGconn* conn, std::string password, int io_timeout_ms)
    : conn_(conn), password_(std::move(password)), io_timeout_ms_(io_timeout_ms) {}

Conn::~Conn() { PQfinish(conn_); }

bool Conn::usable() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Conn::CheckAlive() {
  if (!usable()) return false;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) return false;
  int rc = ::poll(&p, 1, 0);
  if (rc == 0) return true;  // nothing arrived while idle
  // This store never LISTENs, so anything arriving on an idle session is a
  // termination notice (shutdown, pg_terminate_backend, idle timeout) whose
  // EOF may not have been read yet: replace the session rather than guess.
  return rc < 0 && errno == EINTR;
}

Status Conn::ConnectionLost(std::string_view what) {
  broken_ = true;
  retryable_ = false;
  std::string msg = Scrub(PQerrorMessage(conn_), password_);
  if (msg.empty()) msg = "connection lost";
  return Status::Unavailable("postgres: " + std::string(what) + ": " + msg);
}

Status Conn::Fail(const PGresult* res, std::string_view what) {
  retryable_ = false;
  const char* state_c = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state_c == nullptr) {
    // An error libpq made up itself (no SQLSTATE): the socket failed, or a
    // protocol hiccup. Either way the session is not to be trusted again.
    return ConnectionLost(what);
  }
  const std::string state = state_c;
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  std::string msg = "postgres: " + std::string(what) + ": ";
  // Data exceptions may quote the offending input; say only what kind it was.
  if (StartsWith(state, "22")) {
    msg += "invalid value";
  } else {
    msg += Scrub(primary != nullptr ? primary : "error", password_);
  }
  msg += " (SQLSTATE " + state + ")";

  if (state == "23505") return Status::AlreadyExists(std::move(msg));
  if (state == "23503") return Status::NotFound(std::move(msg));
  if (state == "40001" || state == "40P01") {
    retryable_ = true;
    return Status::Unavailable(std::move(msg));
  }
  if (StartsWith(state, "22")) return Status::InvalidArgument(std::move(msg));
  // Lost or failing server, shutdown, resource exhaustion, statement timeout,
  // a read-only (standby) session: retryable for the caller, and the session
  // is dropped so that the next call reconnects.
  if (StartsWith(state, "08") || StartsWith(state, "53") || StartsWith(state, "58") ||
      state == "57P01" || state == "57P02" || state == "57P03" || state == "57P04" ||
      state == "57014" || state == "25006" || state == "55P03") {
    broken_ = true;
    return Status::Unavailable(std::move(msg));
  }
  if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  return Status::Internal(std::move(msg));
}

Result<Rows> Conn::Await(std::string_view what) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(io_timeout_ms_);
  ResultPtr error;
  ResultPtr last;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        broken_ = true;
        retryable_ = false;
        return Status::Unavailable("postgres: " + std::string(what) + ": no answer within " +
                                   std::to_string(io_timeout_ms_) + " ms");
      }
      pollfd p{PQsocket(conn_), POLLIN, 0};
      if (p.fd < 0) return ConnectionLost(what);
      int rc = ::poll(&p, 1, static_cast<int>(left));
      if (rc < 0 && errno != EINTR) return ConnectionLost(what);
      if (rc > 0 && PQconsumeInput(conn_) == 0) return ConnectionLost(what);
    }
    ResultPtr res(PQgetResult(conn_));
    if (res == nullptr) break;
    ExecStatusType st = PQresultStatus(res.get());
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (error == nullptr) error = std::move(res);
    } else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      broken_ = true;  // never issued by this store
      return Status::Internal("postgres: " + std::string(what) + ": unexpected COPY");
    } else {
      last = std::move(res);
    }
  }
  if (error != nullptr) return Fail(error.get(), what);
  if (PQstatus(conn_) != CONNECTION_OK) return ConnectionLost(what);
  retryable_ = false;
  if (last == nullptr) return Status::Internal("postgres: " + std::string(what) + ": no result");
  return Rows(last.release());
}

Status Conn::Prepare(const char* sql, const Params& params, std::string* name) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) {
    *name = it->second;
    return Status::Ok();
  }
  std::string n = "s" + std::to_string(prepared_.size() + 1);
  if (PQsendPrepare(conn_, n.c_str(), sql, params.size(), params.types().data()) == 0) {
    return ConnectionLost("prepare");
  }
  Result<Rows> r = Await("prepare");
  if (!r.ok()) return r.status();
  prepared_.emplace(sql, n);
  *name = std::move(n);
  return Status::Ok();
}

Result<Rows> Conn::Query(const char* sql, const Params& params, std::string_view what) {
  if (broken_) return Status::Unavailable("postgres: " + std::string(what) + ": connection lost");
  std::string name;
  CSRD_RETURN_IF_ERROR(Prepare(sql, params, &name));
  const int n = params.size();
  std::vector<const char*> values(static_cast<size_t>(n));
  std::vector<int> lengths(static_cast<size_t>(n));
  std::vector<int> formats(static_cast<size_t>(n), 1);
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    values[i] = params.nulls_[i] ? nullptr : params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  if (PQsendQueryPrepared(conn_, name.c_str(), n, values.data(), lengths.data(), formats.data(),
                          /*resultFormat=*/1) == 0) {
    return ConnectionLost(what);
  }
  return Await(what);
}

Result<Rows> Conn::Exec(const char* sql, std::string_view what) {
  if (broken_) return Status::Unavailable("postgres: " + std::string(what) + ": connection lost");
  if (PQsendQuery(conn_, sql) == 0) return ConnectionLost(what);
  return Await(what);
}

bool CanBeText(std::string_view s) {
  return s.find('\0') == std::string_view::npos && IsValidUtf8(s);
}

}  // namespace csrd::store::postgres
