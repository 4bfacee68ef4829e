// The CSR and audit parts of PostgresStore. Every CSR statement names the
// account (WHERE account_id = $ AND id = $), so another account's row is
// indistinguishable from a missing one.
#include <cstdint>
#include <string>
#include <vector>

#include "store/audit_sql.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/sql_columns.h"

namespace csrd::store::postgres {
namespace {

constexpr char kNoCsr[] = "CSR not found";

Csr ReadCsr(const Rows& r, int i, bool with_key) {
  Csr c;
  c.id = r.Text(i, 0);
  c.account_id = r.Text(i, 1);
  c.name = r.Text(i, 2);
  c.csr_pem = r.Text(i, 3);
  c.domain_name = r.Text(i, 4);
  c.sans = r.Text(i, 5);
  c.private_key_algo = r.Text(i, 6);
  c.usage = r.Text(i, 7);
  c.company_country = r.Text(i, 8);
  c.company_province = r.Text(i, 9);
  c.company_city = r.Text(i, 10);
  c.company_name = r.Text(i, 11);
  c.create_time = r.Int(i, 12);
  c.update_time = r.Int(i, 13);
  c.uploaded = r.Bool(i, 14);
  c.export_count = r.Int(i, 15);
  c.last_export_time = r.Int(i, 16);
  if (with_key) c.sealed_key = r.Bytes(i, kSealedKeyCol);
  return c;
}

Result<Csr> OneCsr(Result<Rows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return Status::NotFound(kNoCsr);
  return ReadCsr(*rows, 0, /*with_key=*/true);
}

Result<int64_t> CountOn(Conn& c, std::string_view account_id,
                        std::string_view algo /* "" = every algorithm */) {
  CSRD_ASSIGN_OR_RETURN(
      Rows r, algo.empty()
                  ? c.Query("SELECT coalesce(sum(n), 0)::bigint FROM csr_counts"
                            " WHERE account_id = $1",
                            Params().Text(account_id), "count csrs")
                  : c.Query("SELECT n FROM csr_counts WHERE account_id = $1"
                            " AND private_key_algo = $2",
                            Params().Text(account_id).Text(algo), "count csrs"));
  return r.size() > 0 ? r.Int(0, 0) : int64_t{0};
}

// One statement per filter combination, so each gets its own plan (an
// "($2 = '' OR ...)" form would hide the algorithm index). strpos() and not
// LIKE: the name filter is a literal, case-sensitive substring in which % and
// _ are plain characters. Index: [name filter][algorithm filter].
constexpr const char* kPageSql[2][2] = {
    {"SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = $1"
     " ORDER BY create_time DESC, id DESC LIMIT $2 OFFSET $3",
     "SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = $1 AND private_key_algo = $4"
     " ORDER BY create_time DESC, id DESC LIMIT $2 OFFSET $3"},
    {"SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = $1 AND strpos(name, $4) > 0"
     " ORDER BY create_time DESC, id DESC LIMIT $2 OFFSET $3",
     "SELECT " CSRD_CSR_COLS " FROM csrs WHERE account_id = $1 AND strpos(name, $4) > 0"
     " AND private_key_algo = $5 ORDER BY create_time DESC, id DESC LIMIT $2 OFFSET $3"},
};
constexpr const char* kNamedCountSql[2] = {
    "SELECT count(*) FROM csrs WHERE account_id = $1 AND strpos(name, $2) > 0",
    "SELECT count(*) FROM csrs WHERE account_id = $1 AND strpos(name, $2) > 0"
    " AND private_key_algo = $3",
};

Status ListOn(Conn& c, std::string_view account_id, const CsrQuery& q, CsrPage& page) {
  const bool by_name = !q.name_contains.empty();
  const bool by_algo = !q.private_key_algo.empty();
  if (by_name) {
    Params p;
    p.Text(account_id).Text(q.name_contains);
    if (by_algo) p.Text(q.private_key_algo);
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(kNamedCountSql[by_algo ? 1 : 0], p, "list csrs"));
    page.total = r.Int(0, 0);
  } else {
    CSRD_ASSIGN_OR_RETURN(page.total, CountOn(c, account_id, q.private_key_algo));
  }
  if (q.limit == 0 || q.offset >= page.total) return Status::Ok();
  Params p;
  p.Text(account_id).Int(q.limit).Int(q.offset);
  if (by_name) p.Text(q.name_contains);
  if (by_algo) p.Text(q.private_key_algo);
  CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(kPageSql[by_name ? 1 : 0][by_algo ? 1 : 0], p,
                                        "list csrs"));
  page.items.reserve(static_cast<size_t>(r.size()));
  for (int i = 0; i < r.size(); ++i) page.items.push_back(ReadCsr(r, i, /*with_key=*/false));
  return Status::Ok();
}

Status InsertCsrOn(Conn& c, const Csr& csr) {
  return c
      .Query("INSERT INTO csrs (" CSRD_CSR_COLS_KEY ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
             " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
             Params()
                 .Text(csr.id)
                 .Text(csr.account_id)
                 .Text(csr.name)
                 .Text(csr.csr_pem)
                 .Text(csr.domain_name)
                 .Text(csr.sans)
                 .Text(csr.private_key_algo)
                 .Text(csr.usage)
                 .Text(csr.company_country)
                 .Text(csr.company_province)
                 .Text(csr.company_city)
                 .Text(csr.company_name)
                 .Int(csr.create_time)
                 .Int(csr.update_time)
                 .Bool(csr.uploaded)
                 .Int(csr.export_count)
                 .Int(csr.last_export_time)
                 .OptBytes(csr.sealed_key),
             "insert csr")
      .status();
}

}  // namespace

Status InsertAuditOn(Conn& c, const AuditEvent& e) {
  return c
      .Query("INSERT INTO audit_events (time, account_id, user_id, user_name, action,"
             " resource_id, remote_addr, request_id, outcome, detail)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
             Params()
                 .Int(e.time)
                 .Text(e.account_id)
                 .Text(e.user_id)
                 .Text(e.user_name)
                 .Text(e.action)
                 .Text(e.resource_id)
                 .Text(e.remote_addr)
                 .Text(e.request_id)
                 .Text(e.outcome)
                 .Text(e.detail),
             "insert audit event")
      .status();
}

Status PostgresStore::InsertCsr(const Csr& csr, int64_t max_per_account,
                                const AuditEvent* audit) {
  if (max_per_account <= 0 && audit == nullptr) {
    return Run(TxnKind::kNone, [&](Conn& c) { return InsertCsrOn(c, csr); });
  }
  return Run(TxnKind::kWrite, [&](Conn& c) -> Status {
    if (max_per_account <= 0) {
      CSRD_RETURN_IF_ERROR(InsertCsrOn(c, csr));
      return InsertAuditOn(c, *audit);
    }
    // The account row lock serializes the account's quota checks across
    // every replica; the count then sees every insert committed before it.
    // (NO KEY UPDATE leaves foreign-key checks on the account unblocked.)
    CSRD_ASSIGN_OR_RETURN(Rows acct,
                          c.Query("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE",
                                  Params().Text(csr.account_id), "insert csr"));
    if (acct.size() == 0) return Status::NotFound("account not found");
    CSRD_ASSIGN_OR_RETURN(int64_t n, CountOn(c, csr.account_id, ""));
    if (n >= max_per_account) return Status::ResourceExhausted("CSR quota of the account reached");
    CSRD_RETURN_IF_ERROR(InsertCsrOn(c, csr));
    return audit != nullptr ? InsertAuditOn(c, *audit) : Status::Ok();
  });
}

Result<Csr> PostgresStore::GetCsr(std::string_view account_id, std::string_view id) {
  if (!CanBeText(id)) return Status::NotFound(kNoCsr);
  return Run(TxnKind::kNone, [&](Conn& c) {
    return OneCsr(
        c.Query("SELECT " CSRD_CSR_COLS_KEY " FROM csrs WHERE account_id = $1 AND id = $2",
                Params().Text(account_id).Text(id), "get csr"));
  });
}

Result<CsrPage> PostgresStore::ListCsrs(std::string_view account_id, const CsrQuery& query) {
  if (query.limit < 0 || query.offset < 0) {
    return Status::InvalidArgument("limit and offset must not be negative");
  }
  if (!CanBeText(query.name_contains) || !CanBeText(query.private_key_algo)) {
    return CsrPage{};  // no stored name or algorithm holds such bytes
  }
  // Total and page from one snapshot.
  return Run(TxnKind::kSnapshotRead, [&](Conn& c) -> Result<CsrPage> {
    CsrPage page;
    CSRD_RETURN_IF_ERROR(ListOn(c, account_id, query, page));
    return page;
  });
}

Result<Csr> PostgresStore::RenameCsr(std::string_view account_id, std::string_view id,
                                     std::string_view name, int64_t now,
                                     const AuditEvent* audit) {
  if (!CanBeText(id)) return Status::NotFound(kNoCsr);
  // Without an event the rename is one autocommit statement.
  return Run(audit != nullptr ? TxnKind::kWrite : TxnKind::kNone, [&](Conn& c) -> Result<Csr> {
    CSRD_ASSIGN_OR_RETURN(
        Csr csr, OneCsr(c.Query("UPDATE csrs SET name = $1, update_time = $2"
                                " WHERE account_id = $3 AND id = $4 RETURNING " CSRD_CSR_COLS_KEY,
                                Params().Text(name).Int(now).Text(account_id).Text(id),
                                "rename csr")));
    if (audit != nullptr) CSRD_RETURN_IF_ERROR(InsertAuditOn(c, *audit));
    return csr;
  });
}

Status PostgresStore::DeleteCsr(std::string_view account_id, std::string_view id,
                                const AuditEvent* audit) {
  if (!CanBeText(id)) return Status::NotFound(kNoCsr);
  return Run(audit != nullptr ? TxnKind::kWrite : TxnKind::kNone, [&](Conn& c) -> Status {
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query("DELETE FROM csrs WHERE account_id = $1 AND id = $2",
                                          Params().Text(account_id).Text(id), "delete csr"));
    if (r.affected() == 0) return Status::NotFound(kNoCsr);
    return audit != nullptr ? InsertAuditOn(c, *audit) : Status::Ok();
  });
}

Result<Csr> PostgresStore::RecordKeyExport(std::string_view account_id, std::string_view id,
                                           const AuditEvent& event, int64_t now) {
  if (!CanBeText(id)) return Status::NotFound(kNoCsr);
  return Run(TxnKind::kWrite, [&](Conn& c) -> Result<Csr> {
    CSRD_ASSIGN_OR_RETURN(
        Csr csr, OneCsr(c.Query("UPDATE csrs SET export_count = export_count + 1,"
                                " last_export_time = $1 WHERE account_id = $2 AND id = $3"
                                " RETURNING " CSRD_CSR_COLS_KEY,
                                Params().Int(now).Text(account_id).Text(id),
                                "record key export")));
    CSRD_RETURN_IF_ERROR(InsertAuditOn(c, event));
    return csr;
  });
}

Result<int64_t> PostgresStore::CountCsrs(std::string_view account_id) {
  return Run(TxnKind::kNone, [&](Conn& c) { return CountOn(c, account_id, ""); });
}

Status PostgresStore::InsertAudit(const AuditEvent& event) {
  return Run(TxnKind::kNone, [&](Conn& c) { return InsertAuditOn(c, event); });
}

Result<AuditPage> PostgresStore::ListAudit(std::string_view account_id, const AuditQuery& q) {
  if (q.limit < 0 || q.offset < 0) {
    return Status::InvalidArgument("limit and offset must not be negative");
  }
  if (!CanBeText(q.action) || !CanBeText(q.resource_id) || !CanBeText(q.user_id)) {
    return AuditPage{};  // matches no stored event
  }
  const AuditListSql sql = AuditSqlFor(q, SqlDialect::kPostgres);
  Params filters;
  filters.Text(account_id).Int(q.since).Int(q.until);
  for (const std::string* f : {&q.action, &q.resource_id, &q.user_id}) {
    if (!f->empty()) filters.Text(*f);
  }
  // Total and page from one snapshot.
  return Run(TxnKind::kSnapshotRead, [&](Conn& c) -> Result<AuditPage> {
    AuditPage page;
    CSRD_ASSIGN_OR_RETURN(Rows n, c.Query(sql.count.c_str(), filters, "count audit"));
    page.total = n.Int(0, 0);
    if (q.limit == 0 || q.offset >= page.total) return page;
    Params p = filters;
    p.Int(q.limit).Int(q.offset);
    CSRD_ASSIGN_OR_RETURN(Rows r, c.Query(sql.page.c_str(), p, "list audit"));
    page.items.reserve(static_cast<size_t>(r.size()));
    for (int i = 0; i < r.size(); ++i) {
      AuditEvent e;
      e.id = r.Int(i, 0);
      e.time = r.Int(i, 1);
      e.account_id = r.Text(i, 2);
      e.user_id = r.Text(i, 3);
      e.user_name = r.Text(i, 4);
      e.action = r.Text(i, 5);
      e.resource_id = r.Text(i, 6);
      e.remote_addr = r.Text(i, 7);
      e.request_id = r.Text(i, 8);
      e.outcome = r.Text(i, 9);
      e.detail = r.Text(i, 10);
      page.items.push_back(std::move(e));
    }
    return page;
  });
}

}  // namespace csrd::store::postgres
