// The fixture of the backend-agnostic Store contract suites
// (store_contract_*_test.cc): every test runs
// once per backend, through the Store interface only. "sqlite" always runs on
// a fresh file; "metered" on a fresh file behind the MeteredStore decorator
// (so the decorator is held to the whole contract); "postgres" runs on a fresh database of the server named by
// CSRD_TEST_PG_URL, and is reported as skipped when that is unset (CI sets it).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "store/metered_store.h"
#include "store/pg_test_util.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace csrd::store::testing {

class StoreContractBase : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      store_ = MustOpen(dir_.File("csrd.db"));
      ASSERT_NE(store_, nullptr);
      return;
    }
    if (GetParam() == "metered") {
      auto inner = MustOpen(dir_.File("csrd.db"));
      ASSERT_NE(inner, nullptr);
      store_ = std::make_unique<MeteredStore>(std::move(inner), &registry_);
      return;
    }
    const std::string url = PgTestUrl();
    if (url.empty()) GTEST_SKIP() << kNoPgUrl;
    db_ = std::make_unique<FreshPgDatabase>(url);
    ASSERT_TRUE(db_->ok()) << db_->error();
    auto r = OpenPostgresStore(db_->url());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
  }

  void TearDown() override {
    store_.reset();  // closes the pool before the database is dropped
    db_.reset();
  }

  Account AddAccount(const std::string& name, int64_t t = 1000) {
    Account a = MakeAccount(name, t);
    EXPECT_TRUE(store_->CreateAccount(a).ok());
    return a;
  }
  User AddUser(const Account& a, const std::string& name, int64_t t = 1000) {
    User u = MakeUser(a.id, name, t);
    EXPECT_TRUE(store_->CreateUser(u).ok());
    return u;
  }

  // Runs fn(i) on n threads released at once; returns when all are done.
  static void RunConcurrently(int n, const std::function<void(int)>& fn) {
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < n) std::this_thread::yield();
        fn(i);
      });
    }
    for (auto& t : threads) t.join();
  }

  TempDir dir_;
  metrics::Registry registry_;  // the "metered" backend's
  std::unique_ptr<FreshPgDatabase> db_;
  std::unique_ptr<Store> store_;
};

// Two accounts ("default" at 10, "other" at 20) with users alice (in
// "default") and bob (in "default" or "other", as the suite asks), and Put()
// for keys under the suite's per-user key cap.
class TwoAccountsContractBase : public StoreContractBase {
 protected:
  enum class BobIn { kDefault, kOther };
  TwoAccountsContractBase(BobIn bob_in, int key_cap) : bob_in_(bob_in), key_cap_(key_cap) {}

  void SetUp() override {
    StoreContractBase::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a_ = AddAccount("default", 10);
    b_ = AddAccount("other", 20);
    u1_ = AddUser(a_, "alice");
    u2_ = AddUser(bob_in_ == BobIn::kOther ? b_ : a_, "bob");
  }
  void Put(const Credential& k) { PutKey(*store_, k, key_cap_); }

  Account a_;
  Account b_;
  User u1_;
  User u2_;

 private:
  const BobIn bob_in_;
  const int key_cap_;
};

inline std::vector<std::string> ContractBackends() { return {"sqlite", "metered", "postgres"}; }

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace csrd::store::testing
