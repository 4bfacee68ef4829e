// MeteredStore times every call and passes results through untouched (the
// whole Store contract also runs through it: the "metered" backend of
// store_contract_test and store_contract_identity_test).
#include "store/metered_store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/metrics.h"
#include "store/open_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_util.h"

namespace csrd::store {
namespace {

using testing::MakeAccount;
using testing::MustOpen;
using testing::TempDir;

bool Has(const std::string& body, const std::string& line) {
  return body.find(line + "\n") != std::string::npos;
}

TEST(MeteredStore, CountsEachOperationAndPassesResultsThrough) {
  TempDir dir;
  metrics::Registry registry;
  MeteredStore store(MustOpen(dir.File("csrd.db")), &registry);
  ASSERT_TRUE(registry.status().ok());

  Account a = MakeAccount("acme");
  ASSERT_TRUE(store.CreateAccount(a).ok());
  EXPECT_TRUE(store.CreateAccount(a).IsAlreadyExists());  // errors pass through
  auto got = store.GetAccountByName("acme");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, a.id);
  EXPECT_TRUE(store.GetAccountById("nope").status().IsNotFound());
  EXPECT_TRUE(store.Ping().ok());

  const std::string m = registry.Render();
  EXPECT_TRUE(Has(m, "# TYPE csrd_db_operation_duration_seconds histogram")) << m;
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="create_account"} 2)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="get_account_by_name"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="get_account_by_id"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_count{operation="ping"} 1)"));
  EXPECT_TRUE(Has(m, R"(csrd_db_operation_duration_seconds_bucket{operation="ping",le="+Inf"} 1)"));
  // Operations never called are not exported.
  EXPECT_EQ(m.find("operation=\"insert_csr\""), std::string::npos);
}

// serve registers the SQLite store's group-commit counters from the store it
// wraps; they count what passes through the decorator.
TEST(MeteredStore, BackendMetricsOfTheWrappedSqliteStore) {
  TempDir dir;
  metrics::Registry registry;
  std::unique_ptr<Store> inner = MustOpen(dir.File("csrd.db"));
  RegisterBackendMetrics(*inner, &registry);
  MeteredStore store(std::move(inner), &registry);
  ASSERT_TRUE(registry.status().ok()) << registry.status().ToString();
  ASSERT_TRUE(store.CreateAccount(MakeAccount("acme")).ok());
  const std::string m = registry.Render();
  EXPECT_TRUE(Has(m, "# TYPE csrd_db_write_transactions_total counter")) << m;
  EXPECT_TRUE(Has(m, "# TYPE csrd_db_write_units_total counter")) << m;
  auto stats = SqliteWriteStatsOf(store.inner());
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->units, 1u);
  EXPECT_TRUE(Has(m, "csrd_db_write_units_total " + std::to_string(stats->units))) << m;
  EXPECT_TRUE(Has(m, "csrd_db_write_transactions_total " + std::to_string(stats->transactions)))
      << m;
  // A decorator is not a SQLite store: nothing to register from it.
  metrics::Registry other;
  RegisterBackendMetrics(store, &other);
  EXPECT_FALSE(Has(other.Render(), "csrd_db_write_units_total")) << other.Render();
}

TEST(MeteredStore, OperationNamesAreDistinctSnakeCase) {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(MeteredStore::Op::kCount); ++i) {
    std::string_view n = MeteredStore::OpName(static_cast<MeteredStore::Op>(i));
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_NE(n, "unknown");
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << n;
  }
}

TEST(MeteredStore, TwoDecoratorsOnOneRegistryShareTheSeries) {
  TempDir dir;
  metrics::Registry registry;
  MeteredStore a(MustOpen(dir.File("a.db")), &registry);
  MeteredStore b(MustOpen(dir.File("b.db")), &registry);
  ASSERT_TRUE(a.Ping().ok());
  ASSERT_TRUE(b.Ping().ok());
  EXPECT_TRUE(registry.status().ok()) << registry.status().ToString();
  EXPECT_TRUE(Has(registry.Render(),
                  R"(csrd_db_operation_duration_seconds_count{operation="ping"} 2)"));
}

}  // namespace
}  // namespace csrd::store
