// Metrics: counters, gauges and fixed-bucket histograms with label sets,
// rendered in the Prometheus text exposition format 0.0.4.
//
// Cost model (this sits on every request): recording into a child that the
// caller already holds is one or two relaxed atomic operations, no lock, no
// allocation. Finding a child by label values (Family::With) hashes the
// values and takes one of 16 striped mutexes for a map lookup; it allocates
// only the first time a label set is seen. Hot callers resolve their children
// once (at start-up, or cached in an array keyed by small enums) and keep the
// pointers: a child lives as long as its Registry.
//
// Thread safety: everything here may be used from any thread concurrently.
// Register families at start-up; Render() may run while others record (it
// reads each atomic once, so a histogram's _count always equals its +Inf
// bucket; _sum may be a few observations ahead or behind).
//
// Errors: a bad metric or label name, a name registered twice with another
// shape, or With() given the wrong number of values are programming errors.
// They never crash: the family (or observation) still works but is not
// exported, and Registry::status() reports the first such error so the
// program can refuse to start and tests can fail.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace csrd::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets (upper bounds, inclusive: a value v
// lands in the first bucket with v <= bound, else in +Inf). NaN is ignored.
class Histogram {
 public:
  // bounds: strictly increasing and finite; borrowed from the family.
  explicit Histogram(std::span<const double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Bucket bounds for request and database latencies, in seconds: 0.5 ms to
// 10 s (RSA-4096 generation is seconds; a pooled create or a read is ms).
std::vector<double> LatencyBuckets();

class FamilyBase;

// A family: one metric name, its label names, and a child per label set.
template <typename T>
class Family;

// One sample a callback family computes at scrape time.
struct Sample {
  std::vector<std::string> label_values;  // as many as the family's label names
  double value = 0;
};
// Appends the family's current samples to *out.
using Collect = std::function<void(std::vector<Sample>* out)>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names [a-zA-Z_][a-zA-Z0-9_]*, not
  // starting with "__" ("le" is reserved for histograms). Registering the
  // same name again with the same type, labels (and bounds) returns the
  // family already there. A family without labels gets its single child at
  // once, so it is exported (as 0) before anything is recorded.
  Family<Counter>* AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>* AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>* AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);
  // A counter or gauge family whose samples come from collect, called on
  // every Render() (e.g. a pool's depth, read from its owner). collect runs
  // on the rendering thread and must be thread-safe.
  void AddCallback(std::string name, std::string help, MetricType type,
                   std::vector<std::string> label_names, Collect collect);

  // Every exported family in registration order, each child sorted by label
  // values: "# HELP", "# TYPE", then its samples; histograms as
  // name_bucket{...,le="..."} (cumulative, ending with le="+Inf"),
  // name_sum and name_count.
  std::string Render() const;

  // OK, or the first registration / label-count error.
  Status status() const;

 private:
  template <typename T>
  Family<T>* Add(std::string name, std::string help, MetricType type,
                 std::vector<std::string> label_names, std::vector<double> bounds);
  void Fail(std::string message) const;

  mutable std::mutex mu_;  // guards families_ and error_
  std::vector<std::unique_ptr<FamilyBase>> families_;
  mutable Status error_;
  friend class FamilyBase;
};

class FamilyBase {
 public:
  virtual ~FamilyBase();
  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }

 protected:
  FamilyBase(Registry* registry, std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names, std::vector<double> bounds, bool exported);
  virtual void RenderSamples(std::string* out) const = 0;
  void ReportBadLabelCount(size_t got) const;

  Registry* registry_;
  std::string name_, help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  bool exported_;
  friend class Registry;
};

// Transparent hashing so a lookup by string_views allocates nothing.
struct LabelKeyHash {
  using is_transparent = void;
  size_t operator()(std::span<const std::string_view> values) const;
  size_t operator()(const std::vector<std::string>& values) const;
};
struct LabelKeyEq {
  using is_transparent = void;
  bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
  bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
    return a == b;
  }
};

template <typename T>
class Family final : public FamilyBase {
 public:
  // The child for these label values (in label-name order), created on first
  // use. Never null; the pointer stays valid for the registry's life. A wrong
  // number of values is a bug: the child returned is not exported.
  T* With(std::span<const std::string_view> values);
  T* With(std::initializer_list<std::string_view> values) {
    return With(std::span<const std::string_view>(values.begin(), values.size()));
  }

 private:
  friend class Registry;
  using FamilyBase::FamilyBase;
  void RenderSamples(std::string* out) const override;
  std::unique_ptr<T> MakeChild() const;

  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::vector<std::string>, std::unique_ptr<T>, LabelKeyHash, LabelKeyEq>
        children;
  };
  std::array<Shard, kShards> shards_;
  std::once_flag stray_once_;
  std::unique_ptr<T> stray_;  // what a wrong label count records into
};

// Prometheus text escaping: label values escape \ " and newline; HELP text
// escapes \ and newline.
void AppendLabelValue(std::string_view value, std::string* out);
void AppendHelp(std::string_view help, std::string* out);
// A sample value: integers as integers, others in the shortest form that
// reads back exactly; NaN, +Inf, -Inf as Prometheus spells them.
void AppendValue(double v, std::string* out);

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace csrd::metrics
