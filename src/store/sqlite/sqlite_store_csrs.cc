// The CSR and audit parts of SqliteStore. Every CSR statement names the
// account (WHERE account_id = ? AND id = ?), so another account's row is
// indistinguishable from a missing one.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "store/audit_sql.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/sql_columns.h"

namespace csrd::store::sqlite {
namespace {

constexpr char kNoCsr[] = "CSR not found";

Csr ReadCsr(const Statement& s, bool with_key) {
  Csr c;
  c.id = s.Text(0);
  c.account_id = s.Text(1);
  c.name = s.Text(2);
  c.csr_pem = s.Text(3);
  c.domain_name = s.Text(4);
  c.sans = s.Text(5);
  c.private_key_algo = s.Text(6);
  c.usage = s.Text(7);
  c.company_country = s.Text(8);
  c.company_province = s.Text(9);
  c.company_city = s.Text(10);
  c.company_name = s.Text(11);
  c.create_time = s.Int64(12);
  c.update_time = s.Int64(13);
  c.uploaded = s.Int64(14) != 0;
  c.export_count = s.Int64(15);
  c.last_export_time = s.Int64(16);
  if (with_key) c.sealed_key = s.Blob(kSealedKeyCol);
  return c;
}

// One row (NotFound if none); steps the statement to its end so that an
// UPDATE ... RETURNING has finished before the caller commits.
Result<Csr> OneCsr(Statement& s, std::string_view what) {
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step(what));
  if (!row) return Status::NotFound(kNoCsr);
  Csr c = ReadCsr(s, /*with_key=*/true);
  CSRD_RETURN_IF_ERROR(s.Run(what));
  return c;
}

Result<int64_t> CountOn(Connection& c, std::string_view account_id,
                        std::string_view algo /* "" = every algorithm */) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s,
      c.Prepare(algo.empty()
                    ? "SELECT coalesce(sum(n), 0) FROM csr_counts WHERE account_id = ?"
                    : "SELECT n FROM csr_counts WHERE account_id = ? AND private_key_algo = ?"));
  s.Bind(1, account_id);
  if (!algo.empty()) s.Bind(2, algo);
  CSRD_ASSIGN_OR_RETURN(bool row, s.Step("count csrs"));
  return row ? s.Int64(0) : int64_t{0};
}

// ListCsrs. Without a name filter, the total comes from csr_counts and the
// page is an index walk in list order (LIMIT/OFFSET). With one, a single pass
// over the covering index both counts the matches and picks the page's rowids
// (a count plus a page query would scan the account twice when few rows
// match); only the page's rows are then read from the table. One statement
// per filter combination, so each gets its own plan: an "(? = '' OR ...)"
// form would hide the algorithm index. instr() and not LIKE: the name filter
// is a literal, case-sensitive substring in which % and _ are plain
// characters.
constexpr const char* kPageSql[2] = {
    "SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = ?1"
    " ORDER BY create_time DESC, id DESC LIMIT ?2 OFFSET ?3",
    "SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = ?1 AND private_key_algo = ?4"
    " ORDER BY create_time DESC, id DESC LIMIT ?2 OFFSET ?3",
};
constexpr const char* kNameMatchSql[2] = {
    "SELECT rowid FROM csrs WHERE account_id = ?1 AND instr(name, ?2) > 0"
    " ORDER BY create_time DESC, id DESC",
    "SELECT rowid FROM csrs WHERE account_id = ?1 AND instr(name, ?2) > 0"
    " AND private_key_algo = ?3 ORDER BY create_time DESC, id DESC",
};
constexpr char kByRowidSql[] =
    "SELECT " CSRD_CSR_COLS " FROM csrs WHERE rowid = ? AND account_id = ?";

Status ListUnnamed(Connection& c, std::string_view account_id, const CsrQuery& q,
                   CsrPage& page) {
  CSRD_ASSIGN_OR_RETURN(page.total, CountOn(c, account_id, q.private_key_algo));
  if (q.limit == 0 || q.offset >= page.total) return Status::Ok();
  const bool by_algo = !q.private_key_algo.empty();
  CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kPageSql[by_algo ? 1 : 0]));
  s.Bind(1, account_id).Bind(2, int64_t{q.limit}).Bind(3, q.offset);
  if (by_algo) s.Bind(4, q.private_key_algo);
  page.items.reserve(static_cast<size_t>(std::min<int64_t>(q.limit, page.total - q.offset)));
  for (;;) {
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list csrs"));
    if (!row) return Status::Ok();
    page.items.push_back(ReadCsr(s, /*with_key=*/false));
  }
}

Status ListNamed(Connection& c, std::string_view account_id, const CsrQuery& q,
                 CsrPage& page) {
  const bool by_algo = !q.private_key_algo.empty();
  const int64_t end = q.offset + std::min<int64_t>(q.limit, INT64_MAX - q.offset);
  std::vector<int64_t> rowids;
  {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kNameMatchSql[by_algo ? 1 : 0]));
    s.Bind(1, account_id).Bind(2, q.name_contains);
    if (by_algo) s.Bind(3, q.private_key_algo);
    for (int64_t n = 0;; ++n) {
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list csrs"));
      if (!row) {
        page.total = n;
        break;
      }
      if (n >= q.offset && n < end) rowids.push_back(s.Int64(0));
    }
  }
  for (int64_t rowid : rowids) {
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(kByRowidSql));
    s.Bind(1, rowid).Bind(2, account_id);
    CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list csrs"));
    // The read transaction holds the snapshot, so the row is still there.
    if (!row) return Status::Internal("list csrs: matched row vanished");
    page.items.push_back(ReadCsr(s, /*with_key=*/false));
  }
  return Status::Ok();
}

}  // namespace

Status InsertAuditOn(Connection& c, const AuditEvent& e) {
  CSRD_ASSIGN_OR_RETURN(
      Statement s,
      c.Prepare("INSERT INTO audit_events (time, account_id, user_id, user_name, action,"
                " resource_id, remote_addr, request_id, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.Bind(1, e.time).Bind(2, e.account_id).Bind(3, e.user_id).Bind(4, e.user_name);
  s.Bind(5, e.action).Bind(6, e.resource_id).Bind(7, e.remote_addr).Bind(8, e.request_id);
  s.Bind(9, e.outcome).Bind(10, e.detail);
  return s.Run("insert audit event");
}

Status SqliteStore::InsertCsr(const Csr& csr, int64_t max_per_account, const AuditEvent* audit) {
  return Write([&](Connection& c) -> Status {
    if (max_per_account > 0) {
      // Counted under the write lock, so concurrent inserts cannot overshoot.
      // A missing account counts 0 here and fails the foreign key below.
      CSRD_ASSIGN_OR_RETURN(int64_t n, CountOn(c, csr.account_id, ""));
      if (n >= max_per_account) {
        return Status::ResourceExhausted("CSR quota of the account reached");
      }
    }
    {
      CSRD_ASSIGN_OR_RETURN(
          Statement s,
          c.Prepare("INSERT INTO csrs (" CSRD_CSR_COLS_KEY ") VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      s.Bind(1, csr.id).Bind(2, csr.account_id).Bind(3, csr.name).Bind(4, csr.csr_pem);
      s.Bind(5, csr.domain_name).Bind(6, csr.sans).Bind(7, csr.private_key_algo);
      s.Bind(8, csr.usage).Bind(9, csr.company_country).Bind(10, csr.company_province);
      s.Bind(11, csr.company_city).Bind(12, csr.company_name).Bind(13, csr.create_time);
      s.Bind(14, csr.update_time).Bind(15, int64_t{csr.uploaded ? 1 : 0});
      s.Bind(16, csr.export_count).Bind(17, csr.last_export_time);
      s.BindBlob(18, csr.sealed_key);
      CSRD_RETURN_IF_ERROR(s.Run("insert csr"));
    }
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return Status::Ok();
  });
}

Result<Csr> SqliteStore::GetCsr(std::string_view account_id, std::string_view id) {
  return Read([&](Connection& c) -> Result<Csr> {
    CSRD_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("SELECT " CSRD_CSR_COLS_KEY " FROM csrs WHERE account_id = ? AND id = ?"));
    s.Bind(1, account_id).Bind(2, id);
    return OneCsr(s, "get csr");
  });
}

Result<CsrPage> SqliteStore::ListCsrs(std::string_view account_id, const CsrQuery& query) {
  if (query.limit < 0 || query.offset < 0) {
    return Status::InvalidArgument("limit and offset must not be negative");
  }
  return Read([&](Connection& c) -> Result<CsrPage> {
    ReadTxn txn(c);  // total and page from one snapshot
    CSRD_RETURN_IF_ERROR(txn.Begin());
    CsrPage page;
    CSRD_RETURN_IF_ERROR(query.name_contains.empty() ? ListUnnamed(c, account_id, query, page)
                                                     : ListNamed(c, account_id, query, page));
    return page;
  });
}

Result<Csr> SqliteStore::RenameCsr(std::string_view account_id, std::string_view id,
                                   std::string_view name, int64_t now,
                                   const AuditEvent* audit) {
  return Write([&](Connection& c) -> Result<Csr> {
    Csr csr;
    {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("UPDATE csrs SET name = ?, update_time = ?"
                                      " WHERE account_id = ? AND id = ?"
                                      " RETURNING " CSRD_CSR_COLS_KEY));
      s.Bind(1, name).Bind(2, now).Bind(3, account_id).Bind(4, id);
      CSRD_ASSIGN_OR_RETURN(csr, OneCsr(s, "rename csr"));
    }
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return csr;
  });
}

Status SqliteStore::DeleteCsr(std::string_view account_id, std::string_view id,
                              const AuditEvent* audit) {
  return Write([&](Connection& c) -> Status {
    {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("DELETE FROM csrs WHERE account_id = ? AND id = ?"));
      s.Bind(1, account_id).Bind(2, id);
      CSRD_RETURN_IF_ERROR(s.Run("delete csr"));
    }
    if (c.Changes() == 0) return Status::NotFound(kNoCsr);
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return Status::Ok();
  });
}

Result<Csr> SqliteStore::RecordKeyExport(std::string_view account_id, std::string_view id,
                                         const AuditEvent& event, int64_t now) {
  return Write([&](Connection& c) -> Result<Csr> {
    Csr csr;
    {
      CSRD_ASSIGN_OR_RETURN(Statement s,
                            c.Prepare("UPDATE csrs SET export_count = export_count + 1,"
                                      " last_export_time = ? WHERE account_id = ? AND id = ?"
                                      " RETURNING " CSRD_CSR_COLS_KEY));
      s.Bind(1, now).Bind(2, account_id).Bind(3, id);
      CSRD_ASSIGN_OR_RETURN(csr, OneCsr(s, "record key export"));
    }
    CSRD_RETURN_IF_ERROR(InsertAuditOn(c, event));
    return csr;
  });
}

Result<int64_t> SqliteStore::CountCsrs(std::string_view account_id) {
  return Read([&](Connection& c) { return CountOn(c, account_id, ""); });
}

Status SqliteStore::InsertAudit(const AuditEvent& event) {
  return Write([&](Connection& c) { return InsertAuditOn(c, event); });
}

Result<AuditPage> SqliteStore::ListAudit(std::string_view account_id, const AuditQuery& q) {
  if (q.limit < 0 || q.offset < 0) {
    return Status::InvalidArgument("limit and offset must not be negative");
  }
  const AuditListSql sql = AuditSqlFor(q, SqlDialect::kSqlite);
  // Binds the shared parameters; returns the next free index.
  auto bind_filters = [&](Statement& s) {
    s.Bind(1, account_id).Bind(2, q.since).Bind(3, q.until);
    int i = 4;
    for (const std::string* f : {&q.action, &q.resource_id, &q.user_id}) {
      if (!f->empty()) s.Bind(i++, *f);
    }
    return i;
  };
  return Read([&](Connection& c) -> Result<AuditPage> {
    ReadTxn txn(c);  // total and page from one snapshot
    CSRD_RETURN_IF_ERROR(txn.Begin());
    AuditPage page;
    {
      CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql.count));
      bind_filters(s);
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("count audit"));
      page.total = row ? s.Int64(0) : 0;
    }
    if (q.limit == 0 || q.offset >= page.total) return page;
    CSRD_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql.page));
    const int i = bind_filters(s);
    s.Bind(i, int64_t{q.limit}).Bind(i + 1, q.offset);
    for (;;) {
      CSRD_ASSIGN_OR_RETURN(bool row, s.Step("list audit"));
      if (!row) return page;
      AuditEvent e;
      e.id = s.Int64(0);
      e.time = s.Int64(1);
      e.account_id = s.Text(2);
      e.user_id = s.Text(3);
      e.user_name = s.Text(4);
      e.action = s.Text(5);
      e.resource_id = s.Text(6);
      e.remote_addr = s.Text(7);
      e.request_id = s.Text(8);
      e.outcome = s.Text(9);
      e.detail = s.Text(10);
      page.items.push_back(std::move(e));
    }
  });
}

}  // namespace csrd::store::sqlite
