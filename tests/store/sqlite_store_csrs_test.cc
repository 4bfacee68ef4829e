// SqliteStore: CSRs, listing, quota, key export and audit (real database file).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <set>
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

class SqliteCsrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MustOpen(dir_.File("csrd.db"));
    ASSERT_NE(store_, nullptr);
    a_ = MakeAccount("a");
    b_ = MakeAccount("b");
    ASSERT_TRUE(store_->CreateAccount(a_).ok());
    ASSERT_TRUE(store_->CreateAccount(b_).ok());
  }

  Csr Add(const Account& acct, const std::string& name, int64_t t,
          const std::string& algo = "EC_P256") {
    Csr c = MakeCsr(acct.id, name, t, algo);
    Status st = store_->InsertCsr(c, 0);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return c;
  }

  std::vector<std::string> Names(const CsrPage& p) {
    std::vector<std::string> out;
    for (const Csr& c : p.items) out.push_back(c.name);
    return out;
  }

  CsrPage List(const Account& acct, CsrQuery q) {
    auto r = store_->ListCsrs(acct.id, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : CsrPage{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Account a_, b_;
};

TEST_F(SqliteCsrTest, InsertAndGetRoundTripsEveryField) {
  Csr c = MakeCsr(a_.id, "名前 with spaces", 1234);
  c.update_time = 1300;
  c.uploaded = true;
  c.export_count = 3;
  c.last_export_time = 1250;
  c.company_name = "";
  ASSERT_TRUE(store_->InsertCsr(c, 0).ok());
  auto got = store_->GetCsr(a_.id, c.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->name, c.name);
  EXPECT_EQ(got->csr_pem, c.csr_pem);
  EXPECT_EQ(got->domain_name, c.domain_name);
  EXPECT_EQ(got->sans, c.sans);
  EXPECT_EQ(got->private_key_algo, c.private_key_algo);
  EXPECT_EQ(got->usage, c.usage);
  EXPECT_EQ(got->company_country, c.company_country);
  EXPECT_EQ(got->company_province, c.company_province);
  EXPECT_EQ(got->company_city, c.company_city);
  EXPECT_EQ(got->company_name, "");
  EXPECT_EQ(got->create_time, 1234);
  EXPECT_EQ(got->update_time, 1300);
  ASSERT_TRUE(got->sealed_key.has_value());
  EXPECT_EQ(*got->sealed_key, *c.sealed_key);  // binary with NUL bytes
  EXPECT_TRUE(got->uploaded);
  EXPECT_EQ(got->export_count, 3);
  EXPECT_EQ(got->last_export_time, 1250);
}

TEST_F(SqliteCsrTest, UploadedWithoutKeyStaysWithoutKey) {
  Csr c = MakeCsr(a_.id, "up", 1);
  c.sealed_key.reset();
  c.uploaded = true;
  ASSERT_TRUE(store_->InsertCsr(c, 0).ok());
  auto got = store_->GetCsr(a_.id, c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->sealed_key.has_value());
}

TEST_F(SqliteCsrTest, DuplicateIdAndMissingAccount) {
  Csr c = Add(a_, "x", 1);
  EXPECT_TRUE(store_->InsertCsr(c, 0).IsAlreadyExists());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr("no-such-account", "x", 1), 0).IsNotFound());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr("no-such-account", "x", 1), 10).IsNotFound());
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 1);
}

TEST_F(SqliteCsrTest, AccountsAreIsolated) {
  Csr c = Add(a_, "mine", 1);
  const AuditEvent ev = MakeAudit(b_.id, c.id, 5);
  EXPECT_TRUE(store_->GetCsr(b_.id, c.id).status().IsNotFound());
  EXPECT_TRUE(store_->RenameCsr(b_.id, c.id, "stolen", 9).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(b_.id, c.id).IsNotFound());
  EXPECT_TRUE(store_->RecordKeyExport(b_.id, c.id, ev, 9).status().IsNotFound());
  EXPECT_TRUE(List(b_, {}).items.empty());
  EXPECT_EQ(List(b_, {}).total, 0);

  auto still = store_->GetCsr(a_.id, c.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->name, "mine");
  EXPECT_EQ(still->export_count, 0);
  // The refused export left no audit row behind.
  EXPECT_TRUE(AuditItems(*store_, b_.id, 10, 0)->empty());
}

TEST_F(SqliteCsrTest, NotFoundPaths) {
  EXPECT_TRUE(store_->GetCsr(a_.id, "nope").status().IsNotFound());
  EXPECT_TRUE(store_->RenameCsr(a_.id, "nope", "n", 1).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(a_.id, "nope").IsNotFound());
  EXPECT_TRUE(
      store_->RecordKeyExport(a_.id, "nope", MakeAudit(a_.id, "nope", 1), 1).status().IsNotFound());
  EXPECT_TRUE(AuditItems(*store_, a_.id, 10, 0)->empty());
}

TEST_F(SqliteCsrTest, RenameMovesOnlyNameAndUpdateTime) {
  Csr c = Add(a_, "old", 100);
  auto r = store_->RenameCsr(a_.id, c.id, "new", 500);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "new");
  EXPECT_EQ(r->update_time, 500);
  EXPECT_EQ(r->create_time, 100);
  auto got = store_->GetCsr(a_.id, c.id);
  EXPECT_EQ(got->name, "new");
  EXPECT_EQ(got->update_time, 500);
  EXPECT_EQ(got->create_time, 100);
  EXPECT_EQ(got->export_count, 0);
  EXPECT_EQ(got->last_export_time, 0);
  EXPECT_EQ(*got->sealed_key, *c.sealed_key);
}

TEST_F(SqliteCsrTest, DeleteRemovesAndCountFollows) {
  Csr c1 = Add(a_, "1", 1);
  Csr c2 = Add(a_, "2", 2);
  Add(b_, "3", 3);
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 2);
  ASSERT_TRUE(store_->DeleteCsr(a_.id, c1.id).ok());
  EXPECT_TRUE(store_->GetCsr(a_.id, c1.id).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(a_.id, c1.id).IsNotFound());
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 1);
  EXPECT_EQ(store_->CountCsrs(b_.id).value(), 1);
  EXPECT_EQ(store_->CountCsrs("no-such-account").value(), 0);
  EXPECT_TRUE(store_->GetCsr(a_.id, c2.id).ok());
}

TEST_F(SqliteCsrTest, TotalsPerAlgorithmFollowInsertsAndDeletes) {
  Csr r1 = Add(a_, "r1", 1, "RSA_2048");
  Add(a_, "r2", 2, "RSA_2048");
  Csr e1 = Add(a_, "e1", 3, "EC_P256");
  Add(b_, "rb", 4, "RSA_2048");
  EXPECT_EQ(List(a_, testing::Q("", "RSA_2048", 0)).total, 2);
  EXPECT_EQ(List(a_, testing::Q("", "EC_P256", 0)).total, 1);
  EXPECT_EQ(List(a_, testing::Q("", "SM2", 0)).total, 0);
  EXPECT_EQ(List(a_, testing::Q("", "", 0)).total, 3);
  ASSERT_TRUE(store_->DeleteCsr(a_.id, r1.id).ok());
  ASSERT_TRUE(store_->DeleteCsr(a_.id, e1.id).ok());
  EXPECT_EQ(List(a_, testing::Q("", "RSA_2048", 10)).total, 1);
  EXPECT_EQ(List(a_, testing::Q("", "EC_P256", 10)).total, 0);
  EXPECT_TRUE(List(a_, testing::Q("", "EC_P256", 10)).items.empty());
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 1);
  EXPECT_EQ(List(b_, testing::Q("", "RSA_2048", 0)).total, 1);
}

TEST_F(SqliteCsrTest, RecordKeyExport) {
  Csr c = Add(a_, "k", 100);
  AuditEvent ev = MakeAudit(a_.id, c.id, 700);
  auto r = store_->RecordKeyExport(a_.id, c.id, ev, 700);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->export_count, 1);
  EXPECT_EQ(r->last_export_time, 700);
  EXPECT_EQ(r->update_time, 100);  // does not move
  ASSERT_TRUE(r->sealed_key.has_value());
  EXPECT_EQ(*r->sealed_key, *c.sealed_key);

  auto r2 = store_->RecordKeyExport(a_.id, c.id, MakeAudit(a_.id, c.id, 800), 800);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->export_count, 2);
  EXPECT_EQ(r2->last_export_time, 800);
  auto got = store_->GetCsr(a_.id, c.id);
  EXPECT_EQ(got->export_count, 2);
  EXPECT_EQ(got->update_time, 100);

  auto audit = AuditItems(*store_, a_.id, 10, 0);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].time, 800);  // newest first
  EXPECT_EQ((*audit)[1].time, 700);
  EXPECT_EQ((*audit)[1].action, "scm::getCsrPrivateKey");
  EXPECT_EQ((*audit)[1].resource_id, c.id);
  EXPECT_GT((*audit)[0].id, (*audit)[1].id);
}

TEST_F(SqliteCsrTest, AuditInsertListPaging) {
  for (int i = 0; i < 5; ++i) {
    AuditEvent e = MakeAudit(a_.id, "r" + std::to_string(i), i);
    e.user_id = "u";
    e.user_name = "name";
    e.remote_addr = "10.0.0.1";
    e.request_id = "rq" + std::to_string(i);
    e.outcome = i % 2 ? "failure" : "success";
    e.detail = "d" + std::to_string(i);
    ASSERT_TRUE(store_->InsertAudit(e).ok());
  }
  ASSERT_TRUE(store_->InsertAudit(MakeAudit(b_.id, "other", 9)).ok());
  ASSERT_TRUE(store_->InsertAudit(MakeAudit("", "", 9)).ok());  // e.g. unknown-account login

  auto page = AuditItems(*store_, a_.id, 2, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].resource_id, "r3");
  EXPECT_EQ((*page)[1].resource_id, "r2");
  EXPECT_EQ((*page)[0].outcome, "failure");
  EXPECT_EQ((*page)[0].detail, "d3");
  EXPECT_EQ((*page)[0].request_id, "rq3");
  EXPECT_EQ((*page)[0].remote_addr, "10.0.0.1");
  EXPECT_EQ((*page)[0].account_id, a_.id);
  EXPECT_EQ(AuditItems(*store_, a_.id, 100, 0)->size(), 5u);
  EXPECT_TRUE(AuditItems(*store_, a_.id, 0, 0)->empty());
  EXPECT_TRUE(AuditItems(*store_, a_.id, 10, 5)->empty());
  EXPECT_EQ(AuditItems(*store_, b_.id, 10, 0)->size(), 1u);
  EXPECT_FALSE(AuditItems(*store_, a_.id, -1, 0).ok());
}

// ---- listing ----

TEST_F(SqliteCsrTest, ListNewestFirstTiesBrokenByIdDesc) {
  Csr old1 = Add(a_, "old", 100);
  Csr t1 = Add(a_, "tie-1", 200);
  Csr t2 = Add(a_, "tie-2", 200);
  Csr t3 = Add(a_, "tie-3", 200);
  Csr newest = Add(a_, "new", 300);
  Add(b_, "b-only", 999);

  CsrPage p = List(a_, testing::Q("", "", 50));
  EXPECT_EQ(p.total, 5);
  ASSERT_EQ(p.items.size(), 5u);
  EXPECT_EQ(p.items[0].id, newest.id);
  std::vector<std::string> tie_ids = {t1.id, t2.id, t3.id};
  std::sort(tie_ids.rbegin(), tie_ids.rend());
  EXPECT_EQ(p.items[1].id, tie_ids[0]);
  EXPECT_EQ(p.items[2].id, tie_ids[1]);
  EXPECT_EQ(p.items[3].id, tie_ids[2]);
  EXPECT_EQ(p.items[4].id, old1.id);
  for (const Csr& c : p.items) {
    EXPECT_EQ(c.account_id, a_.id);
    EXPECT_FALSE(c.sealed_key.has_value());  // lists never carry keys
    EXPECT_FALSE(c.csr_pem.empty());
  }
}

TEST_F(SqliteCsrTest, ListPagingWithOffsetAndLimit) {
  for (int i = 0; i < 25; ++i) Add(a_, "n" + std::to_string(i), 1000 + i);
  CsrPage first = List(a_, testing::Q("", "", 10, 0));
  EXPECT_EQ(first.total, 25);
  ASSERT_EQ(first.items.size(), 10u);
  EXPECT_EQ(first.items[0].name, "n24");
  EXPECT_EQ(first.items[9].name, "n15");
  CsrPage mid = List(a_, testing::Q("", "", 10, 7));
  ASSERT_EQ(mid.items.size(), 10u);
  EXPECT_EQ(mid.items[0].name, "n17");
  CsrPage last = List(a_, testing::Q("", "", 10, 20));
  EXPECT_EQ(last.total, 25);
  ASSERT_EQ(last.items.size(), 5u);
  EXPECT_EQ(last.items[4].name, "n0");
  CsrPage beyond = List(a_, testing::Q("", "", 10, 2'147'483'647));
  EXPECT_EQ(beyond.total, 25);
  EXPECT_TRUE(beyond.items.empty());
  CsrPage none = List(a_, testing::Q("", "", 0));
  EXPECT_EQ(none.total, 25);
  EXPECT_TRUE(none.items.empty());

  // Walking the pages visits every row exactly once.
  std::set<std::string> seen;
  for (int64_t off = 0; off < 25; off += 10) {
    for (const Csr& c : List(a_, testing::Q("", "", 10, off)).items) seen.insert(c.id);
  }
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_FALSE(store_->ListCsrs(a_.id, testing::Q("", "", -1)).ok());
  EXPECT_FALSE(store_->ListCsrs(a_.id, testing::Q("", "", 10, -1)).ok());
}

TEST_F(SqliteCsrTest, ListFiltersAndTotal) {
  Add(a_, "web-prod", 1, "RSA_2048");
  Add(a_, "web-test", 2, "EC_P256");
  Add(a_, "db-prod", 3, "RSA_2048");
  Add(a_, "WEB-upper", 4, "RSA_2048");
  Add(b_, "web-b", 5, "RSA_2048");

  CsrPage web = List(a_, testing::Q("web", "", 1));
  EXPECT_EQ(web.total, 2);  // case-sensitive; counts beyond the limit
  EXPECT_EQ(Names(web), std::vector<std::string>{"web-test"});

  CsrPage rsa = List(a_, testing::Q("", "RSA_2048", 10));
  EXPECT_EQ(rsa.total, 3);
  EXPECT_EQ(Names(rsa), (std::vector<std::string>{"WEB-upper", "db-prod", "web-prod"}));

  CsrPage both = List(a_, testing::Q("prod", "RSA_2048", 10));
  EXPECT_EQ(both.total, 2);
  EXPECT_EQ(Names(both), (std::vector<std::string>{"db-prod", "web-prod"}));

  CsrPage algo_exact = List(a_, testing::Q("", "RSA", 10));
  EXPECT_EQ(algo_exact.total, 0);  // exact match, not a prefix
  EXPECT_EQ(List(a_, testing::Q("nothing", "", 10)).total, 0);
}

TEST_F(SqliteCsrTest, NameFilterPagesLikeTheUnfilteredList) {
  for (int i = 0; i < 30; ++i) {
    Add(a_, (i % 2 ? "y-" : "x-") + std::to_string(i), 100 + i,
        i % 4 < 2 ? "RSA_2048" : "SM2");
  }
  Add(b_, "x-b", 500);
  // Matches, newest first: x-28 x-26 x-24 ... x-0 (15 of them).
  CsrPage p = List(a_, testing::Q("x-", "", 4, 5));
  EXPECT_EQ(p.total, 15);
  EXPECT_EQ(Names(p), (std::vector<std::string>{"x-18", "x-16", "x-14", "x-12"}));
  CsrPage tail = List(a_, testing::Q("x-", "", 4, 13));
  EXPECT_EQ(Names(tail), (std::vector<std::string>{"x-2", "x-0"}));
  CsrPage past = List(a_, testing::Q("x-", "", 4, 15));
  EXPECT_EQ(past.total, 15);
  EXPECT_TRUE(past.items.empty());
  CsrPage count_only = List(a_, testing::Q("x-", "", 0, 0));
  EXPECT_EQ(count_only.total, 15);
  EXPECT_TRUE(count_only.items.empty());
  // x- and SM2: i % 4 == 2 -> x-26 x-22 x-18 x-14 x-10 x-6 x-2.
  CsrPage both = List(a_, testing::Q("x-", "SM2", 3, 2));
  EXPECT_EQ(both.total, 7);
  EXPECT_EQ(Names(both), (std::vector<std::string>{"x-18", "x-14", "x-10"}));
  for (const Csr& c : both.items) {
    EXPECT_EQ(c.account_id, a_.id);
    EXPECT_FALSE(c.sealed_key.has_value());
    EXPECT_EQ(c.domain_name, "www.example.com");
  }
}

TEST_F(SqliteCsrTest, NameFilterIsLiteral) {
  Add(a_, "100%_done", 1);
  Add(a_, "100x done", 2);
  Add(a_, "a_b", 3);
  Add(a_, "axb", 4);
  Add(a_, "back\\slash", 5);

  EXPECT_EQ(Names(List(a_, testing::Q("%", "", 10))),
            std::vector<std::string>{"100%_done"});
  EXPECT_EQ(Names(List(a_, testing::Q("0%_d", "", 10))),
            std::vector<std::string>{"100%_done"});
  CsrPage underscore = List(a_, testing::Q("_", "", 10));
  EXPECT_EQ(underscore.total, 2);
  EXPECT_EQ(Names(underscore), (std::vector<std::string>{"a_b", "100%_done"}));
  EXPECT_EQ(Names(List(a_, testing::Q("a_b", "", 10))),
            std::vector<std::string>{"a_b"});
  EXPECT_EQ(Names(List(a_, testing::Q("\\", "", 10))),
            std::vector<std::string>{"back\\slash"});
}

TEST_F(SqliteCsrTest, QuotaAtTheCapOtherAccountsUnaffected) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "q", i), 3).ok());
  }
  Status st = store_->InsertCsr(MakeCsr(a_.id, "over", 9), 3);
  EXPECT_TRUE(st.IsResourceExhausted()) << st.ToString();
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 3);
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(b_.id, "b", 9), 3).ok());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "uncapped", 9), 0).ok());  // <= 0: no cap
  // Deleting frees a slot.
  auto page = List(a_, testing::Q("", "", 1));
  ASSERT_TRUE(store_->DeleteCsr(a_.id, page.items[0].id).ok());
  ASSERT_TRUE(store_->DeleteCsr(a_.id, List(a_, testing::Q("", "", 1)).items[0].id).ok());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "again", 10), 3).ok());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "over", 11), 3).IsResourceExhausted());
}

TEST_F(SqliteCsrTest, QuotaHoldsUnderConcurrentInserts) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Status st = store_->InsertCsr(MakeCsr(a_.id, "c", i), 17);
        if (st.ok()) {
          ok++;
        } else if (st.IsResourceExhausted()) {
          exhausted++;
        } else {
          other++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 17);
  EXPECT_EQ(exhausted.load(), 23);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(List(a_, testing::Q("", "", 0)).total, 17);
}

// The list queries must walk an index in list order: no sort step, which at a
// million rows would read the whole account before returning a page.
TEST_F(SqliteCsrTest, ListQueriesUseAnIndexWithoutSorting) {
  Add(a_, "x", 1);
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir_.File("csrd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  struct Case {
    const char* sql;
    bool covering;  // answered from the index alone
  } cases[] = {
      {"SELECT * FROM csrs WHERE account_id = ?1"
       " ORDER BY create_time DESC, id DESC LIMIT 10", false},
      {"SELECT * FROM csrs WHERE account_id = ?1 AND private_key_algo = ?3"
       " ORDER BY create_time DESC, id DESC LIMIT 10", false},
      {"SELECT rowid FROM csrs WHERE account_id = ?1 AND instr(name, ?2) > 0"
       " ORDER BY create_time DESC, id DESC", true},
      {"SELECT rowid FROM csrs WHERE account_id = ?1 AND instr(name, ?2) > 0"
       " AND private_key_algo = ?3 ORDER BY create_time DESC, id DESC", true},
  };
  for (const Case& c : cases) {
    std::string sql = std::string("EXPLAIN QUERY PLAN ") + c.sql;
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << c.sql;
    std::string plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      plan += "\n";
    }
    sqlite3_finalize(stmt);
    EXPECT_NE(plan.find("USING"), std::string::npos) << c.sql << "\n" << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << c.sql << "\n" << plan;
    if (c.covering) {
      EXPECT_NE(plan.find("COVERING INDEX"), std::string::npos) << c.sql << "\n" << plan;
    }
  }
  sqlite3_close(db);
}

}  // namespace
}  // namespace csrd::store
