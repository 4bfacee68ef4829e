// The Store contract, part 3: the audit trail. Audited changes commit with
// their event or not at all; ListAudit filters, pages and counts. Runs on
// SQLite and on PostgreSQL (see store_contract_fixture.h), interface only,
// except that RefusedEventUndoesTheChange makes the database refuse audit
// rows behind the store's back (a trigger) to prove the transactions.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/store_contract_fixture.h"

namespace csrd::store {
namespace {

using testing::AuditItems;
using testing::MakeAudit;
using testing::MakeCsr;
using testing::MakeKey;

AuditEvent Event(const std::string& account_id, const std::string& action,
                 const std::string& resource_id, int64_t t, const std::string& user_id = "u1") {
  AuditEvent e = MakeAudit(account_id, resource_id, t);
  e.action = action;
  e.user_id = user_id;
  e.request_id = "rq-" + action + "-" + std::to_string(t);
  return e;
}

AuditQuery Query(int limit = 100, int64_t offset = 0) {
  AuditQuery q;
  q.limit = limit;
  q.offset = offset;
  return q;
}

class AuditContractTest : public testing::StoreContractBase {
 protected:
  void SetUp() override {
    StoreContractBase::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = AddAccount("acme");
    b_ = AddAccount("other");
    u_ = AddUser(a_, "alice");
  }

  AuditPage List(const Account& acct, const AuditQuery& q) {
    auto r = store_->ListAudit(acct.id, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : AuditPage{};
  }
  static std::vector<std::string> Requests(const AuditPage& p) {
    std::vector<std::string> out;
    for (const AuditEvent& e : p.items) out.push_back(e.request_id);
    return out;
  }
  int64_t Total(const Account& acct) { return List(acct, Query(0)).total; }

  // From now on the database refuses every audit row (as a full disk or a
  // broken table would), while the rest of the schema works.
  void RefuseAuditRows() {
    if (GetParam() == "sqlite" || GetParam() == "metered") {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(dir_.File("csrd.db").c_str(), &db), SQLITE_OK);
      char* err = nullptr;
      int rc = sqlite3_exec(db,
                            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN"
                            " SELECT RAISE(ABORT, 'audit refused'); END",
                            nullptr, nullptr, &err);
      EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
      sqlite3_free(err);
      sqlite3_close(db);
      return;
    }
    testing::PgSession db(db_->url());
    ASSERT_TRUE(db.ok()) << db.error();
    ASSERT_TRUE(db.Exec("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS"
                        " $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$")
                    .has_value());
    ASSERT_TRUE(db.Exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events"
                        " FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
                    .has_value());
  }

  Account a_;
  Account b_;
  User u_;
};

// ---- audited changes ----

TEST_P(AuditContractTest, AuditedChangesCommitWithTheirEvents) {
  Csr c1 = MakeCsr(a_.id, "one", 100);
  Csr c2 = MakeCsr(a_.id, "two", 101);
  AuditEvent e1 = Event(a_.id, "scm::createCsr", c1.id, 100);
  AuditEvent e2 = Event(a_.id, "scm::uploadCsr", c2.id, 101);
  ASSERT_TRUE(store_->InsertCsr(c1, 0, &e1).ok());    // no quota: one statement otherwise
  ASSERT_TRUE(store_->InsertCsr(c2, 10, &e2).ok());   // under the quota lock
  AuditEvent e3 = Event(a_.id, "scm::updateCsr", c1.id, 102);
  auto renamed = store_->RenameCsr(a_.id, c1.id, "uno", 102, &e3);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "uno");
  AuditEvent e4 = Event(a_.id, "scm::deleteCsr", c2.id, 103);
  ASSERT_TRUE(store_->DeleteCsr(a_.id, c2.id, &e4).ok());
  EXPECT_TRUE(store_->GetCsr(a_.id, c2.id).status().IsNotFound());

  Credential k = MakeKey(u_, "AKAUDIT0000000000001", 104);
  AuditEvent e5 = Event(a_.id, "iam::createCredential", k.access, 104);
  ASSERT_TRUE(store_->InsertCredential(k, 2, &e5).ok());
  AuditEvent e6 = Event(a_.id, "iam::deleteCredential", k.access, 105);
  ASSERT_TRUE(store_->DeleteCredential(k.access, &e6).ok());
  EXPECT_TRUE(store_->GetCredential(k.access).status().IsNotFound());

  AuditPage page = List(a_, Query());
  EXPECT_EQ(page.total, 6);
  EXPECT_EQ(Requests(page),
            (std::vector<std::string>{e6.request_id, e5.request_id, e4.request_id,
                                      e3.request_id, e2.request_id, e1.request_id}));
  const AuditEvent& got = page.items[3];  // the rename, every field kept
  EXPECT_GT(got.id, 0);
  EXPECT_EQ(got.time, 102);
  EXPECT_EQ(got.account_id, a_.id);
  EXPECT_EQ(got.user_id, "u1");
  EXPECT_EQ(got.user_name, "admin");
  EXPECT_EQ(got.action, "scm::updateCsr");
  EXPECT_EQ(got.resource_id, c1.id);
  EXPECT_EQ(got.remote_addr, "127.0.0.1");
  EXPECT_EQ(got.outcome, "success");
  EXPECT_EQ(Total(b_), 0);
}

TEST_P(AuditContractTest, RefusedChangesLeaveNoEvent) {
  Csr c = MakeCsr(a_.id, "one", 100);
  ASSERT_TRUE(store_->InsertCsr(c, 0).ok());  // without an event: none appears
  EXPECT_EQ(Total(a_), 0);
  AuditEvent ev = Event(a_.id, "x", "r", 1);

  Csr over = MakeCsr(a_.id, "over", 101);
  EXPECT_TRUE(store_->InsertCsr(over, 1, &ev).IsResourceExhausted());
  Csr clash = MakeCsr(a_.id, "clash", 102);
  clash.id = c.id;
  EXPECT_FALSE(store_->InsertCsr(clash, 0, &ev).ok());
  EXPECT_TRUE(store_->RenameCsr(b_.id, c.id, "stolen", 5, &ev).status().IsNotFound());
  EXPECT_TRUE(store_->RenameCsr(a_.id, "nope", "n", 5, &ev).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(b_.id, c.id, &ev).IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(a_.id, "nope", &ev).IsNotFound());

  testing::PutKey(*store_, MakeKey(u_, "AKAUDIT0000000000001", 1), 1);
  EXPECT_TRUE(store_->InsertCredential(MakeKey(u_, "AKAUDIT0000000000002", 2), 1, &ev)
                  .IsResourceExhausted());
  EXPECT_FALSE(store_->InsertCredential(MakeKey(u_, "AKAUDIT0000000000001", 3), 0, &ev).ok());
  EXPECT_TRUE(store_->DeleteCredential("AKNOSUCHKEY000000000", &ev).IsNotFound());

  EXPECT_EQ(Total(a_), 0);
  EXPECT_EQ(Total(b_), 0);
  EXPECT_EQ(store_->GetCsr(a_.id, c.id)->name, "one");
}

TEST_P(AuditContractTest, RefusedEventUndoesTheChange) {
  Csr kept = MakeCsr(a_.id, "kept", 100);
  ASSERT_TRUE(store_->InsertCsr(kept, 0).ok());
  testing::PutKey(*store_, MakeKey(u_, "AKAUDIT0000000000001", 1), 2);
  RefuseAuditRows();
  if (HasFatalFailure()) return;
  AuditEvent ev = Event(a_.id, "x", "r", 1);

  Csr lost = MakeCsr(a_.id, "lost", 101);
  EXPECT_FALSE(store_->InsertCsr(lost, 0, &ev).ok());
  EXPECT_FALSE(store_->InsertCsr(lost, 10, &ev).ok());
  EXPECT_TRUE(store_->GetCsr(a_.id, lost.id).status().IsNotFound());
  auto count = store_->CountCsrs(a_.id);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
  EXPECT_FALSE(store_->RenameCsr(a_.id, kept.id, "renamed", 5, &ev).ok());
  EXPECT_FALSE(store_->DeleteCsr(a_.id, kept.id, &ev).ok());
  EXPECT_FALSE(store_->RecordKeyExport(a_.id, kept.id, ev, 5).ok());
  auto still = store_->GetCsr(a_.id, kept.id);
  ASSERT_TRUE(still.ok()) << still.status().ToString();
  EXPECT_EQ(still->name, "kept");
  EXPECT_EQ(still->update_time, 100);
  EXPECT_EQ(still->export_count, 0);

  EXPECT_FALSE(store_->InsertCredential(MakeKey(u_, "AKAUDIT0000000000002", 2), 2, &ev).ok());
  EXPECT_TRUE(store_->GetCredential("AKAUDIT0000000000002").status().IsNotFound());
  EXPECT_FALSE(store_->DeleteCredential("AKAUDIT0000000000001", &ev).ok());
  EXPECT_TRUE(store_->GetCredential("AKAUDIT0000000000001").ok());
  EXPECT_FALSE(store_->InsertAudit(ev).ok());

  // Unaudited calls are untouched by the refusal.
  EXPECT_TRUE(store_->RenameCsr(a_.id, kept.id, "renamed", 5).ok());
  EXPECT_TRUE(store_->DeleteCsr(a_.id, kept.id).ok());
  EXPECT_EQ(Total(a_), 0);
}

// ---- listing ----

TEST_P(AuditContractTest, ListNewestFirstByTimeThenId) {
  // Inserted out of time order (e.g. migrate-store, clocks of replicas).
  for (int64_t t : {500, 100, 300, 300, 200}) {
    ASSERT_TRUE(store_->InsertAudit(Event(a_.id, "a", "r", t)).ok());
  }
  AuditPage page = List(a_, Query());
  ASSERT_EQ(page.items.size(), 5u);
  EXPECT_EQ(page.total, 5);
  std::vector<int64_t> times;
  for (const AuditEvent& e : page.items) times.push_back(e.time);
  EXPECT_EQ(times, (std::vector<int64_t>{500, 300, 300, 200, 100}));
  EXPECT_GT(page.items[1].id, page.items[2].id);  // the tie: later insert first
}

TEST_P(AuditContractTest, PagingAndTotal) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->InsertAudit(Event(a_.id, "a", "r", i)).ok());
  ASSERT_TRUE(store_->InsertAudit(Event(b_.id, "a", "r", 99)).ok());
  ASSERT_TRUE(store_->InsertAudit(Event("", "iam::login", "", 99)).ok());  // no account known

  AuditPage p = List(a_, Query(3, 2));
  EXPECT_EQ(p.total, 7);
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p.items[0].time, 4);
  EXPECT_EQ(p.items[2].time, 2);
  p = List(a_, Query(3, 6));
  EXPECT_EQ(p.total, 7);
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].time, 0);
  p = List(a_, Query(3, 7));
  EXPECT_TRUE(p.items.empty());
  EXPECT_EQ(p.total, 7);
  p = List(a_, Query(0));
  EXPECT_TRUE(p.items.empty());
  EXPECT_EQ(p.total, 7);
  EXPECT_EQ(List(b_, Query()).total, 1);
  auto none = store_->ListAudit("", Query());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->total, 1);
  EXPECT_EQ(none->items[0].action, "iam::login");

  EXPECT_TRUE(store_->ListAudit(a_.id, Query(-1)).status().IsInvalidArgument());
  EXPECT_TRUE(store_->ListAudit(a_.id, Query(1, -1)).status().IsInvalidArgument());
}

TEST_P(AuditContractTest, FiltersAreExactAndCombine) {
  struct Row {
    const char* action;
    const char* resource;
    const char* user;
    int64_t t;
  };
  const Row rows[] = {
      {"scm::createCsr", "c1", "alice", 10}, {"scm::updateCsr", "c1", "bob", 20},
      {"scm::createCsr", "c2", "bob", 30},   {"scm::deleteCsr", "c1", "alice", 40},
      {"iam::login", "", "alice", 50},       {"scm::createCsr", "c10", "alice", 60},
  };
  for (const Row& r : rows) {
    ASSERT_TRUE(store_->InsertAudit(Event(a_.id, r.action, r.resource, r.t, r.user)).ok());
  }
  ASSERT_TRUE(store_->InsertAudit(Event(b_.id, "scm::createCsr", "c1", 15, "alice")).ok());
  auto times = [&](const AuditQuery& q) {
    AuditPage p = List(a_, q);
    std::vector<int64_t> out;
    for (const AuditEvent& e : p.items) out.push_back(e.time);
    EXPECT_EQ(p.total, static_cast<int64_t>(out.size()));
    return out;
  };
  using V = std::vector<int64_t>;
  AuditQuery q = Query();
  q.action = "scm::createCsr";
  EXPECT_EQ(times(q), (V{60, 30, 10}));
  q = Query();
  q.resource_id = "c1";  // exact: not c10
  EXPECT_EQ(times(q), (V{40, 20, 10}));
  q = Query();
  q.user_id = "bob";
  EXPECT_EQ(times(q), (V{30, 20}));
  q = Query();
  q.action = "scm::createCsr";
  q.user_id = "alice";
  EXPECT_EQ(times(q), (V{60, 10}));
  q = Query();
  q.action = "scm::createCsr";
  q.resource_id = "c1";
  q.user_id = "alice";
  EXPECT_EQ(times(q), (V{10}));
  q = Query();
  q.action = "scm::CREATECSR";  // case-sensitive
  EXPECT_EQ(times(q), V{});
  q = Query();
  q.resource_id = "c%";  // literal
  EXPECT_EQ(times(q), V{});

  // Time window, both ends inclusive.
  q = Query();
  q.since = 20;
  q.until = 50;
  EXPECT_EQ(times(q), (V{50, 40, 30, 20}));
  q.resource_id = "c1";
  EXPECT_EQ(times(q), (V{40, 20}));
  q = Query();
  q.since = 60;
  EXPECT_EQ(times(q), (V{60}));
  q = Query();
  q.until = 10;
  EXPECT_EQ(times(q), (V{10}));
  q = Query();
  q.since = 41;
  q.until = 40;
  EXPECT_EQ(times(q), V{});

  // Filters and paging together: the total counts every match.
  q = Query(1, 1);
  q.user_id = "alice";
  AuditPage p = List(a_, q);
  EXPECT_EQ(p.total, 4);
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].time, 50);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditContractTest,
                         ::testing::ValuesIn(testing::ContractBackends()), testing::BackendName);

}  // namespace
}  // namespace csrd::store
