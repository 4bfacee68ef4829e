// The Store contract, part 1: meta, CSRs, audit. Every test runs on SQLite
// and on PostgreSQL (see store_contract_fixture.h), through the interface
// only, so both backends are held to the same behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "store/store_contract_fixture.h"

namespace csrd::store {
namespace {

using testing::AuditItems;
using testing::MakeAudit;
using testing::MakeCsr;
using testing::Q;

class StoreContractTest : public testing::StoreContractBase {
 protected:
  void SetUp() override {
    StoreContractBase::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = AddAccount("acme");
    b_ = AddAccount("other");
  }

  Csr Add(const Account& acct, const std::string& name, int64_t t,
          const std::string& algo = "EC_P256") {
    Csr c = MakeCsr(acct.id, name, t, algo);
    Status st = store_->InsertCsr(c, 0);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return c;
  }
  CsrPage List(const Account& acct, const CsrQuery& q) {
    auto r = store_->ListCsrs(acct.id, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : CsrPage{};
  }
  static std::vector<std::string> Names(const CsrPage& p) {
    std::vector<std::string> out;
    for (const Csr& c : p.items) out.push_back(c.name);
    return out;
  }

  Account a_;
  Account b_;
};

// ---- meta ----

TEST_P(StoreContractTest, MetaGetPutOverwriteBinary) {
  auto missing = store_->GetMeta("master_key_id");
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(store_->PutMeta("master_key_id", "k1").ok());
  ASSERT_TRUE(store_->PutMeta("master_key_id", "k2").ok());
  EXPECT_EQ(store_->GetMeta("master_key_id")->value_or(""), "k2");

  const std::string binary("\x00\xff\x01kcv\x00", 7);
  ASSERT_TRUE(store_->PutMeta("kcv", binary).ok());
  ASSERT_TRUE(store_->PutMeta("empty", "").ok());
  EXPECT_EQ(store_->GetMeta("kcv")->value_or("?"), binary);
  auto empty = store_->GetMeta("empty");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_EQ(**empty, "");
  EXPECT_TRUE(store_->Ping().ok());
}

// ---- CSRs ----

TEST_P(StoreContractTest, InsertGetKeepsEveryFieldAndBinaryKey) {
  Csr c = MakeCsr(a_.id, "web", 1234);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  c.sealed_key = every_byte + every_byte;
  c.sans = "a.example.com,*.example.com";
  c.company_name = "Ünïcode 公司";
  c.update_time = 1300;
  c.uploaded = true;
  c.export_count = 3;
  c.last_export_time = 1250;
  ASSERT_TRUE(store_->InsertCsr(c, 0).ok());

  auto got = store_->GetCsr(a_.id, c.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, c.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->name, "web");
  EXPECT_EQ(got->csr_pem, c.csr_pem);
  EXPECT_EQ(got->domain_name, c.domain_name);
  EXPECT_EQ(got->sans, c.sans);
  EXPECT_EQ(got->private_key_algo, "EC_P256");
  EXPECT_EQ(got->usage, c.usage);
  EXPECT_EQ(got->company_country, c.company_country);
  EXPECT_EQ(got->company_province, c.company_province);
  EXPECT_EQ(got->company_city, c.company_city);
  EXPECT_EQ(got->company_name, c.company_name);
  EXPECT_EQ(got->create_time, 1234);
  EXPECT_EQ(got->update_time, 1300);
  ASSERT_TRUE(got->sealed_key.has_value());
  EXPECT_EQ(*got->sealed_key, *c.sealed_key);
  EXPECT_TRUE(got->uploaded);
  EXPECT_EQ(got->export_count, 3);
  EXPECT_EQ(got->last_export_time, 1250);

  Csr up = MakeCsr(a_.id, "uploaded", 1);
  up.sealed_key.reset();
  up.uploaded = true;
  ASSERT_TRUE(store_->InsertCsr(up, 0).ok());
  EXPECT_FALSE(store_->GetCsr(a_.id, up.id)->sealed_key.has_value());
}

TEST_P(StoreContractTest, DuplicateIdAndMissingAccount) {
  Csr c = Add(a_, "x", 1);
  EXPECT_TRUE(store_->InsertCsr(c, 0).IsAlreadyExists());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr("no-such-account", "x", 1), 0).IsNotFound());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr("no-such-account", "x", 1), 10).IsNotFound());
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 1);
}

TEST_P(StoreContractTest, ListOrderPagingAndTotal) {
  // 25 CSRs; pairs share a create_time so the id breaks the tie.
  std::vector<Csr> all;
  for (int i = 0; i < 25; ++i) all.push_back(Add(a_, "n" + std::to_string(i), 100 + i / 2));
  Add(b_, "elsewhere", 500);
  std::sort(all.begin(), all.end(), [](const Csr& x, const Csr& y) {
    return x.create_time != y.create_time ? x.create_time > y.create_time : x.id > y.id;
  });
  std::vector<std::string> seen;
  for (int64_t off = 0; off < 30; off += 10) {
    CsrPage p = List(a_, Q("", "", 10, off));
    EXPECT_EQ(p.total, 25);
    EXPECT_EQ(p.items.size(), static_cast<size_t>(std::min<int64_t>(10, 25 - off)));
    for (const Csr& c : p.items) {
      EXPECT_FALSE(c.sealed_key.has_value()) << "a list never carries keys";
      seen.push_back(c.id);
    }
  }
  ASSERT_EQ(seen.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(seen[i], all[i].id) << "position " << i;

  CsrPage beyond = List(a_, Q("", "", 10, 100));
  EXPECT_TRUE(beyond.items.empty());
  EXPECT_EQ(beyond.total, 25);
  CsrPage none = List(a_, Q("", "", 0));
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.total, 25);
  EXPECT_TRUE(store_->ListCsrs(a_.id, Q("", "", -1)).status().IsInvalidArgument());
  EXPECT_TRUE(store_->ListCsrs(a_.id, Q("", "", 1, -1)).status().IsInvalidArgument());
}

TEST_P(StoreContractTest, NameFilterIsLiteralCaseSensitiveSubstring) {
  Add(a_, "Web_1", 1);
  Add(a_, "web%2", 2);
  Add(a_, "WEB", 3);
  Add(a_, "webXX", 4, "RSA_2048");
  Add(a_, "api", 5);
  Add(b_, "web", 6);
  using V = std::vector<std::string>;
  EXPECT_EQ(Names(List(a_, Q("web", "", 10))), (V{"webXX", "web%2"}));
  EXPECT_EQ(Names(List(a_, Q("_", "", 10))), (V{"Web_1"}));   // not a wildcard
  EXPECT_EQ(Names(List(a_, Q("%", "", 10))), (V{"web%2"}));   // not a wildcard
  EXPECT_EQ(Names(List(a_, Q("b%", "", 10))), (V{"web%2"}));
  EXPECT_TRUE(List(a_, Q("w_b", "", 10)).items.empty());
  EXPECT_EQ(List(a_, Q("w_b", "", 10)).total, 0);
  EXPECT_EQ(Names(List(a_, Q("EB", "", 10))), (V{"WEB"}));

  CsrPage algo = List(a_, Q("", "RSA_2048", 10));
  EXPECT_EQ(Names(algo), (V{"webXX"}));
  EXPECT_EQ(algo.total, 1);
  CsrPage both = List(a_, Q("web", "EC_P256", 10));
  EXPECT_EQ(Names(both), (V{"web%2"}));
  EXPECT_EQ(both.total, 1);

  CsrPage paged = List(a_, Q("e", "", 1, 1));  // Web_1, web%2, webXX; not WEB
  EXPECT_EQ(paged.total, 3);
  EXPECT_EQ(Names(paged), (V{"web%2"}));
}

// Ids and filters come from URLs: NUL and invalid UTF-8 are possible there.
// They name no row (PostgreSQL would refuse the bytes as text; every backend
// answers as SQLite does).
TEST_P(StoreContractTest, BytesNoTextColumnHoldsMatchNothing) {
  Csr kept = Add(a_, "kept", 1);
  using namespace std::string_literals;
  for (const std::string& id : {"\0"s, std::string(32, '\0'), "0123456789abcdef\xff\xfe"s,
                                "\xc0\xaf"s, kept.id.substr(0, 31) + "\0"s}) {
    EXPECT_TRUE(store_->GetCsr(a_.id, id).status().IsNotFound());
    EXPECT_TRUE(store_->RenameCsr(a_.id, id, "x", 2).status().IsNotFound());
    EXPECT_TRUE(store_->DeleteCsr(a_.id, id).IsNotFound());
    AuditEvent ev = MakeAudit(a_.id, id, 3);
    EXPECT_TRUE(store_->RecordKeyExport(a_.id, id, ev, 3).status().IsNotFound());
    CsrPage p = List(a_, Q(id, "", 10));
    EXPECT_TRUE(p.items.empty());
    EXPECT_EQ(p.total, 0);
    AuditQuery aq;
    aq.action = id;
    auto audit = store_->ListAudit(a_.id, aq);
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    EXPECT_EQ(audit->total, 0);
  }
  EXPECT_TRUE(store_->GetCsr(a_.id, kept.id).ok());  // untouched
}

TEST_P(StoreContractTest, TotalsPerAlgorithmFollowInsertsAndDeletes) {
  Csr r1 = Add(a_, "r1", 1, "RSA_2048");
  Add(a_, "r2", 2, "RSA_2048");
  Csr e1 = Add(a_, "e1", 3, "EC_P256");
  Add(b_, "rb", 4, "RSA_2048");
  EXPECT_EQ(List(a_, Q("", "RSA_2048", 0)).total, 2);
  EXPECT_EQ(List(a_, Q("", "SM2", 0)).total, 0);
  EXPECT_EQ(List(a_, Q("", "", 0)).total, 3);
  ASSERT_TRUE(store_->DeleteCsr(a_.id, r1.id).ok());
  ASSERT_TRUE(store_->DeleteCsr(a_.id, e1.id).ok());
  EXPECT_EQ(List(a_, Q("", "RSA_2048", 10)).total, 1);
  EXPECT_EQ(List(a_, Q("", "EC_P256", 10)).total, 0);
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 1);
  EXPECT_EQ(store_->CountCsrs(b_.id).value(), 1);
  EXPECT_EQ(store_->CountCsrs("no-such-account").value(), 0);
}

TEST_P(StoreContractTest, QuotaIsPerAccountAndFreedByDelete) {
  Csr first = MakeCsr(a_.id, "1", 1);
  ASSERT_TRUE(store_->InsertCsr(first, 3).ok());
  ASSERT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "2", 2), 3).ok());
  ASSERT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "3", 3), 3).ok());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "4", 4), 3).IsResourceExhausted());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(b_.id, "b", 4), 3).ok());  // another account
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "5", 5), 0).ok());  // 0 = no cap
  ASSERT_TRUE(store_->DeleteCsr(a_.id, first.id).ok());
  ASSERT_TRUE(store_->DeleteCsr(a_.id, List(a_, Q("5", "", 1)).items.at(0).id).ok());
  EXPECT_TRUE(store_->InsertCsr(MakeCsr(a_.id, "6", 6), 3).ok());
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 3);
}

TEST_P(StoreContractTest, ConcurrentInsertsNeverOvershootQuota) {
  std::atomic<int> ok{0};
  std::atomic<int> exhausted{0};
  RunConcurrently(8, [&](int i) {
    for (int j = 0; j < 3; ++j) {
      Status st = store_->InsertCsr(MakeCsr(a_.id, "c" + std::to_string(i * 10 + j), i), 5);
      if (st.ok()) ++ok;
      else if (st.IsResourceExhausted()) ++exhausted;
      else ADD_FAILURE() << st.ToString();
    }
  });
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(exhausted.load(), 19);
  EXPECT_EQ(store_->CountCsrs(a_.id).value(), 5);
  EXPECT_EQ(List(a_, Q("", "", 100)).items.size(), 5u);
}

TEST_P(StoreContractTest, RenameMovesOnlyNameAndUpdateTime) {
  Csr c = Add(a_, "old", 100);
  auto r = store_->RenameCsr(a_.id, c.id, "new", 500);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "new");
  EXPECT_EQ(r->update_time, 500);
  EXPECT_EQ(r->create_time, 100);
  auto got = store_->GetCsr(a_.id, c.id);
  EXPECT_EQ(got->name, "new");
  EXPECT_EQ(got->update_time, 500);
  EXPECT_EQ(got->export_count, 0);
  EXPECT_EQ(*got->sealed_key, *c.sealed_key);
  EXPECT_EQ(Names(List(a_, Q("new", "", 10))), std::vector<std::string>{"new"});
  EXPECT_TRUE(List(a_, Q("old", "", 10)).items.empty());
}

TEST_P(StoreContractTest, DeleteRemovesOnce) {
  Csr c1 = Add(a_, "1", 1);
  Csr c2 = Add(a_, "2", 2);
  ASSERT_TRUE(store_->DeleteCsr(a_.id, c1.id).ok());
  EXPECT_TRUE(store_->GetCsr(a_.id, c1.id).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(a_.id, c1.id).IsNotFound());
  EXPECT_TRUE(store_->GetCsr(a_.id, c2.id).ok());
  EXPECT_EQ(List(a_, Q("", "", 10)).total, 1);
}

TEST_P(StoreContractTest, RecordKeyExportCountsAuditsAndReturnsKey) {
  Csr c = Add(a_, "k", 100);
  auto r = store_->RecordKeyExport(a_.id, c.id, MakeAudit(a_.id, c.id, 700), 700);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->export_count, 1);
  EXPECT_EQ(r->last_export_time, 700);
  EXPECT_EQ(r->update_time, 100);  // does not move
  ASSERT_TRUE(r->sealed_key.has_value());
  EXPECT_EQ(*r->sealed_key, *c.sealed_key);
  auto r2 = store_->RecordKeyExport(a_.id, c.id, MakeAudit(a_.id, c.id, 800), 800);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->export_count, 2);
  EXPECT_EQ(store_->GetCsr(a_.id, c.id)->last_export_time, 800);

  auto audit = AuditItems(*store_, a_.id, 10, 0);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].time, 800);  // newest first
  EXPECT_EQ((*audit)[1].time, 700);
  EXPECT_EQ((*audit)[0].resource_id, c.id);
  EXPECT_EQ((*audit)[0].action, "scm::getCsrPrivateKey");
  EXPECT_GT((*audit)[0].id, (*audit)[1].id);
}

TEST_P(StoreContractTest, AccountsAreIsolated) {
  Csr c = Add(a_, "mine", 1);
  EXPECT_TRUE(store_->GetCsr(b_.id, c.id).status().IsNotFound());
  EXPECT_TRUE(store_->RenameCsr(b_.id, c.id, "stolen", 9).status().IsNotFound());
  EXPECT_TRUE(store_->DeleteCsr(b_.id, c.id).IsNotFound());
  EXPECT_TRUE(
      store_->RecordKeyExport(b_.id, c.id, MakeAudit(b_.id, c.id, 5), 9).status().IsNotFound());
  EXPECT_TRUE(List(b_, Q("", "", 10)).items.empty());
  EXPECT_EQ(List(b_, Q("mine", "", 10)).total, 0);
  auto still = store_->GetCsr(a_.id, c.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->name, "mine");
  EXPECT_EQ(still->export_count, 0);
  EXPECT_TRUE(AuditItems(*store_, b_.id, 10, 0)->empty());  // the refused export left no trace
  EXPECT_TRUE(store_->GetCsr(a_.id, "nope").status().IsNotFound());
}

TEST_P(StoreContractTest, AuditPagingNewestFirstPerAccount) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->InsertAudit(MakeAudit(a_.id, "r", i)).ok());
  ASSERT_TRUE(store_->InsertAudit(MakeAudit(b_.id, "r", 99)).ok());
  auto page = AuditItems(*store_, a_.id, 2, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].time, 3);
  EXPECT_EQ((*page)[1].time, 2);
  EXPECT_EQ(AuditItems(*store_, a_.id, 100, 0)->size(), 5u);
  EXPECT_TRUE(AuditItems(*store_, a_.id, 0, 0)->empty());
  EXPECT_TRUE(AuditItems(*store_, a_.id, -1, 0).status().IsInvalidArgument());
  AuditEvent e = (*AuditItems(*store_, b_.id, 1, 0))[0];
  EXPECT_EQ(e.user_name, "admin");
  EXPECT_EQ(e.remote_addr, "127.0.0.1");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.outcome, "success");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::ValuesIn(testing::ContractBackends()), testing::BackendName);

}  // namespace
}  // namespace csrd::store
