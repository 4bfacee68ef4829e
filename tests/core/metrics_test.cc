#include "core/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace csrd::metrics {
namespace {

TEST(MetricsRender, CounterWithoutLabelsIsExportedAsZero) {
  Registry r;
  r.AddCounter("csrd_things_total", "Things done.");
  EXPECT_EQ(r.Render(),
            "# HELP csrd_things_total Things done.\n"
            "# TYPE csrd_things_total counter\n"
            "csrd_things_total 0\n");
  EXPECT_TRUE(r.status().ok());
}

TEST(MetricsRender, LabelledChildrenSortedByLabelValues) {
  Registry r;
  auto* f = r.AddCounter("req_total", "Requests.", {"route", "status"});
  f->With({"/b", "200"})->Inc(3);
  f->With({"/a", "404"})->Inc();
  f->With({"/a", "200"})->Inc(2);
  f->With({"/a", "200"})->Inc();  // the same child again
  EXPECT_EQ(r.Render(),
            "# HELP req_total Requests.\n"
            "# TYPE req_total counter\n"
            "req_total{route=\"/a\",status=\"200\"} 3\n"
            "req_total{route=\"/a\",status=\"404\"} 1\n"
            "req_total{route=\"/b\",status=\"200\"} 3\n");
}

TEST(MetricsRender, EscapesLabelValuesAndHelp) {
  Registry r;
  auto* f = r.AddGauge("g", "Help with \\ and\nnewline and \"quotes\".", {"v"});
  f->With({"a\\b\"c\nd"})->Set(1.5);
  EXPECT_EQ(r.Render(),
            "# HELP g Help with \\\\ and\\nnewline and \"quotes\".\n"
            "# TYPE g gauge\n"
            "g{v=\"a\\\\b\\\"c\\nd\"} 1.5\n");
}

TEST(MetricsRender, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto* f = r.AddHistogram("lat_seconds", "Latency.", {"op"}, {0.01, 0.1, 1});
  auto* h = f->With({"get"});
  h->Observe(0.005);  // <= 0.01
  h->Observe(0.01);   // bounds are inclusive
  h->Observe(0.5);    // <= 1
  h->Observe(7);      // +Inf
  h->Observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.01\"} 2\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"get\"} 7.515\n"
            "lat_seconds_count{op=\"get\"} 4\n");
}

TEST(MetricsRender, HistogramWithoutLabels) {
  Registry r;
  auto* h = r.AddHistogram("h_seconds", "H.", {}, {1})->With({});
  h->Observe(2);
  EXPECT_EQ(r.Render(),
            "# HELP h_seconds H.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1\"} 0\n"
            "h_seconds_bucket{le=\"+Inf\"} 1\n"
            "h_seconds_sum 2\n"
            "h_seconds_count 1\n");
}

TEST(MetricsRender, ValuesFormatting) {
  auto fmt = [](double v) {
    std::string s;
    AppendValue(v, &s);
    return s;
  };
  EXPECT_EQ(fmt(0), "0");
  EXPECT_EQ(fmt(-3), "-3");
  EXPECT_EQ(fmt(0.25), "0.25");
  EXPECT_EQ(fmt(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(fmt(1e300), "1e+300");
  EXPECT_EQ(fmt(0.0005), "0.0005");
  EXPECT_EQ(fmt(1.5e-9), "1.5e-09");
  EXPECT_EQ(fmt(12345.678), "12345.678");
  EXPECT_EQ(fmt(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(fmt(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(fmt(std::nan("")), "NaN");
}

TEST(MetricsRender, CallbackFamilyReadsAtScrapeTime) {
  Registry r;
  int depth = 3;
  r.AddCallback("pool_depth", "Depth.", MetricType::kGauge, {"algorithm"},
                [&depth](std::vector<Sample>* out) {
                  out->push_back({{"RSA_2048"}, static_cast<double>(depth)});
                  out->push_back({{"EC_P256"}, 7});
                });
  EXPECT_EQ(r.Render(),
            "# HELP pool_depth Depth.\n"
            "# TYPE pool_depth gauge\n"
            "pool_depth{algorithm=\"EC_P256\"} 7\n"
            "pool_depth{algorithm=\"RSA_2048\"} 3\n");
  depth = 9;
  EXPECT_NE(r.Render().find("pool_depth{algorithm=\"RSA_2048\"} 9\n"), std::string::npos);
}

TEST(MetricsRender, FamiliesInRegistrationOrder) {
  Registry r;
  r.AddCounter("b_total", "B.");
  r.AddGauge("a", "A.");
  const std::string out = r.Render();
  EXPECT_LT(out.find("b_total"), out.find("# HELP a "));
}

TEST(MetricsRegistry, SameShapeTwiceReturnsTheSameFamily) {
  Registry r;
  auto* a = r.AddCounter("x_total", "X.", {"k"});
  auto* b = r.AddCounter("x_total", "X.", {"k"});
  EXPECT_EQ(a, b);
  EXPECT_TRUE(r.status().ok());
}

TEST(MetricsRegistry, ConflictingShapeIsAnErrorAndNotExported) {
  Registry r;
  r.AddCounter("x_total", "X.", {"k"});
  auto* g = r.AddGauge("x_total", "X.", {"k"});
  ASSERT_NE(g, nullptr);
  g->With({"v"})->Set(1);  // still usable
  EXPECT_FALSE(r.status().ok());
  EXPECT_EQ(r.Render().find("# TYPE x_total gauge"), std::string::npos);
}

TEST(MetricsRegistry, BadNamesAreErrors) {
  for (auto bad : {"", "1abc", "a-b", "a b"}) {
    Registry r;
    r.AddCounter(bad, "bad");
    EXPECT_FALSE(r.status().ok()) << bad;
    EXPECT_EQ(r.Render(), "") << bad;
  }
  for (auto bad : {"__reserved", "a-b", "9"}) {
    Registry r;
    r.AddCounter("ok_total", "ok", {bad});
    EXPECT_FALSE(r.status().ok()) << bad;
  }
  Registry r;
  r.AddHistogram("h", "h", {"le"}, {1});
  EXPECT_FALSE(r.status().ok());
  Registry r2;
  r2.AddHistogram("h", "h", {}, {1, 1});
  EXPECT_FALSE(r2.status().ok());
  Registry r3;
  r3.AddHistogram("h", "h", {}, {});
  EXPECT_FALSE(r3.status().ok());
}

TEST(MetricsRegistry, WrongLabelCountIsDroppedNotRendered) {
  Registry r;
  auto* f = r.AddCounter("x_total", "X.", {"a", "b"});
  f->With({"only-one"})->Inc();
  EXPECT_FALSE(r.status().ok());
  EXPECT_EQ(r.Render(), "# HELP x_total X.\n# TYPE x_total counter\n");
}

TEST(MetricsConcurrency, CountersAndHistogramsLoseNothing) {
  Registry r;
  auto* counters = r.AddCounter("c_total", "C.", {"t"});
  auto* hist = r.AddHistogram("h_seconds", "H.", {"t"}, {0.5, 1.5});
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string mine = "t" + std::to_string(t % 2);
      for (int i = 0; i < kPerThread; ++i) {
        // Half the time through a cached pointer, half by lookup: both paths race.
        counters->With({"shared"})->Inc();
        counters->With({mine})->Inc();
        hist->With({"shared"})->Observe(1.0);
      }
    });
  }
  // Render while recording: must not crash or deadlock.
  for (int i = 0; i < 20; ++i) (void)r.Render();
  for (auto& th : threads) th.join();
  const std::string out = r.Render();
  EXPECT_NE(out.find("c_total{t=\"shared\"} " + std::to_string(kThreads * kPerThread) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("c_total{t=\"t0\"} " + std::to_string(kThreads / 2 * kPerThread) + "\n"),
            std::string::npos);
  EXPECT_NE(out.find("h_seconds_bucket{t=\"shared\",le=\"1.5\"} " +
                     std::to_string(kThreads * kPerThread) + "\n"),
            std::string::npos);
  EXPECT_NE(out.find("h_seconds_sum{t=\"shared\"} " + std::to_string(kThreads * kPerThread) + "\n"),
            std::string::npos);
  EXPECT_TRUE(r.status().ok());
}

TEST(MetricsConcurrency, ManyDistinctChildrenCreatedConcurrentlyAreUnique) {
  Registry r;
  auto* f = r.AddCounter("c_total", "C.", {"k"});
  std::vector<std::thread> threads;
  std::vector<std::vector<Counter*>> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) seen[t].push_back(f->With({std::to_string(i)}));
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 500; ++i) {
    for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[0][i], seen[t][i]) << i;
  }
}

TEST(MetricsGauge, AddAndSet) {
  Gauge g;
  g.Add(2.5);
  g.Add(-1);
  EXPECT_DOUBLE_EQ(g.Value(), 1.5);
  g.Set(-4);
  EXPECT_DOUBLE_EQ(g.Value(), -4);
}

}  // namespace
}  // namespace csrd::metrics
