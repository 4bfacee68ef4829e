// MeteredStore times every call and passes results through untouched (the
// whole Store contract also runs through it: the "metered" backend of
// store_contract_test and store_contract_identity_test).
#include "store/metered_store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/metrics.h"
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

// Over a SQLite store the group-commit counters are exported too (csrd serve relies on this).
TEST(MeteredStore, ExportsSqliteWriteStats) {
  TempDir dir;
  metrics::Registry registry;
  MeteredStore store(MustOpen(dir.File("csrd.db")), &registry);
  ASSERT_TRUE(registry.status().ok());
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
  EXPECT_TRUE(Has(registry.Render(),
                  R"(csrd_db_operation_duration_seconds_count{operation="ping"} 2)"));
  // The histogram is shared; the second SQLite store's write counters are
  // not (two callbacks cannot feed one series), as the header says.
  EXPECT_NE(registry.status().message().find("csrd_db_write_transactions_total registered twice"),
            std::string::npos)
      << registry.status().message();
}

}  // namespace
}  // namespace csrd::store
