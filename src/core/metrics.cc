#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace csrd::metrics {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool ValidMetricName(std::string_view n) {
  if (n.empty() || !(IsNameStart(n[0]) || n[0] == ':')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return IsNameChar(c) || c == ':'; });
}

bool ValidLabelName(std::string_view n) {
  if (n.empty() || !IsNameStart(n[0]) || n.starts_with("__")) return false;
  return std::all_of(n.begin(), n.end(), IsNameChar);
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// FNV-1a over the values, each followed by a 0xff byte (which UTF-8 never
// contains), so ("ab","c") and ("a","bc") differ.
template <typename Range>
size_t HashValues(const Range& values) {
  uint64_t h = 1469598103934665603ULL;
  for (const auto& v : values) {
    for (unsigned char c : std::string_view(v)) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL;
  }
  return static_cast<size_t>(h);
}

void AtomicAdd(std::atomic<double>& a, double d) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

// {a="x",b="y"} with an optional extra (le) label; nothing when empty.
void AppendLabels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                  std::string_view extra_name, std::string_view extra_value, std::string* out) {
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    *out += names[i];
    *out += "=\"";
    AppendLabelValue(values[i], out);
    out->push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    *out += extra_name;
    *out += "=\"";
    *out += extra_value;
    out->push_back('"');
  }
  out->push_back('}');
}

void AppendSample(std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& values, double value, std::string* out,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  *out += name;
  *out += suffix;
  AppendLabels(label_names, values, extra_name, extra_value, out);
  out->push_back(' ');
  AppendValue(value, out);
  out->push_back('\n');
}

void AppendUnsigned(uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// A family whose samples are computed by a callback at scrape time.
class CallbackFamily final : public FamilyBase {
 public:
  CallbackFamily(Registry* registry, std::string name, std::string help, MetricType type,
                 std::vector<std::string> label_names, Collect collect, bool exported)
      : FamilyBase(registry, std::move(name), std::move(help), type, std::move(label_names), {},
                   exported),
        collect_(std::move(collect)) {}

 private:
  void RenderSamples(std::string* out) const override {
    std::vector<Sample> samples;
    if (collect_) collect_(&samples);
    std::sort(samples.begin(), samples.end(),
              [](const Sample& a, const Sample& b) { return a.label_values < b.label_values; });
    for (const Sample& s : samples) {
      if (s.label_values.size() != label_names_.size()) {
        ReportBadLabelCount(s.label_values.size());
        continue;
      }
      AppendSample(name_, "", label_names_, s.label_values, s.value, out);
    }
  }

  Collect collect_;
};

}  // namespace

// ---- values

void Gauge::Add(double d) { AtomicAdd(value_, d); }

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  if (std::isnan(v)) return;
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- label keys

size_t LabelKeyHash::operator()(std::span<const std::string_view> values) const {
  return HashValues(values);
}
size_t LabelKeyHash::operator()(const std::vector<std::string>& values) const {
  return HashValues(values);
}
bool LabelKeyEq::operator()(std::span<const std::string_view> a,
                            const std::vector<std::string>& b) const {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](std::string_view x, const std::string& y) { return x == y; });
}
bool LabelKeyEq::operator()(const std::vector<std::string>& a,
                            std::span<const std::string_view> b) const {
  return (*this)(b, a);
}

// ---- families

FamilyBase::FamilyBase(Registry* registry, std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names, std::vector<double> bounds,
                       bool exported)
    : registry_(registry),
      name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      exported_(exported) {}

FamilyBase::~FamilyBase() = default;

void FamilyBase::ReportBadLabelCount(size_t got) const {
  registry_->Fail("metric " + name_ + ": " + std::to_string(got) + " label values for " +
                  std::to_string(label_names_.size()) + " label names");
}

template <typename T>
std::unique_ptr<T> Family<T>::MakeChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(std::span<const double>(bounds_));
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T* Family<T>::With(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    ReportBadLabelCount(values.size());
    std::call_once(stray_once_, [this] { stray_ = MakeChild(); });
    return stray_.get();
  }
  Shard& shard = shards_[LabelKeyHash{}(values) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.children.find(values);
  if (it != shard.children.end()) return it->second.get();
  std::vector<std::string> key(values.begin(), values.end());
  auto [pos, inserted] = shard.children.emplace(std::move(key), MakeChild());
  return pos->second.get();
}

template <typename T>
void Family<T>::RenderSamples(std::string* out) const {
  std::vector<std::pair<const std::vector<std::string>*, const T*>> children;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [labels, child] : shard.children) children.emplace_back(&labels, child.get());
  }
  // Keys and children never move or die while the registry lives, so they
  // can be read after the shard locks are released.
  std::sort(children.begin(), children.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [labels, child] : children) {
    if constexpr (std::is_same_v<T, Counter>) {
      *out += name_;
      AppendLabels(label_names_, *labels, {}, {}, out);
      out->push_back(' ');
      AppendUnsigned(child->Value(), out);
      out->push_back('\n');
    } else if constexpr (std::is_same_v<T, Gauge>) {
      AppendSample(name_, "", label_names_, *labels, child->Value(), out);
    } else {
      const Histogram::Snapshot snap = child->Read();
      std::string le;
      for (size_t i = 0; i < snap.cumulative.size(); ++i) {
        le.clear();
        if (i < bounds_.size()) {
          AppendValue(bounds_[i], &le);
        } else {
          le = "+Inf";
        }
        AppendSample(name_, "_bucket", label_names_, *labels,
                     static_cast<double>(snap.cumulative[i]), out, "le", le);
      }
      AppendSample(name_, "_sum", label_names_, *labels, snap.sum, out);
      AppendSample(name_, "_count", label_names_, *labels,
                   static_cast<double>(snap.cumulative.back()), out);
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::Fail(std::string message) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.ok()) error_ = Status::Internal(std::move(message));
}

Status Registry::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

template <typename T>
Family<T>* Registry::Add(std::string name, std::string help, MetricType type,
                         std::vector<std::string> label_names, std::vector<double> bounds) {
  std::string problem;
  if (!ValidMetricName(name)) problem = "invalid metric name '" + name + "'";
  for (const auto& l : label_names) {
    if (!ValidLabelName(l) || (type == MetricType::kHistogram && l == "le")) {
      problem = "metric " + name + ": invalid label name '" + l + "'";
    }
  }
  if (type == MetricType::kHistogram) {
    if (bounds.empty()) problem = "metric " + name + ": a histogram needs buckets";
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        problem = "metric " + name + ": buckets must be finite and strictly increasing";
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) {
    if (f->name_ != name || !f->exported_) continue;
    auto* same = dynamic_cast<Family<T>*>(f.get());
    if (same != nullptr && f->type_ == type && f->label_names_ == label_names &&
        f->bounds_ == bounds && problem.empty()) {
      return same;
    }
    problem = "metric " + name + " registered twice with different shapes";
  }
  if (!problem.empty() && error_.ok()) error_ = Status::Internal(problem);
  const bool exported = problem.empty();
  auto family = std::unique_ptr<Family<T>>(new Family<T>(this, std::move(name), std::move(help),
                                                         type, std::move(label_names),
                                                         std::move(bounds), exported));
  Family<T>* raw = family.get();
  families_.push_back(std::move(family));
  if (raw->label_names_.empty()) raw->With(std::span<const std::string_view>());
  return raw;
}

Family<Counter>* Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return Add<Counter>(std::move(name), std::move(help), MetricType::kCounter,
                      std::move(label_names), {});
}

Family<Gauge>* Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  return Add<Gauge>(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names),
                    {});
}

Family<Histogram>* Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  return Add<Histogram>(std::move(name), std::move(help), MetricType::kHistogram,
                        std::move(label_names), std::move(bounds));
}

void Registry::AddCallback(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names, Collect collect) {
  std::string problem;
  if (!ValidMetricName(name)) problem = "invalid metric name '" + name + "'";
  if (type == MetricType::kHistogram) problem = "metric " + name + ": callbacks cannot be histograms";
  for (const auto& l : label_names) {
    if (!ValidLabelName(l)) problem = "metric " + name + ": invalid label name '" + l + "'";
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_) {
    if (f->name_ == name && f->exported_) problem = "metric " + name + " registered twice";
  }
  if (!problem.empty() && error_.ok()) error_ = Status::Internal(problem);
  families_.push_back(std::make_unique<CallbackFamily>(this, std::move(name), std::move(help), type,
                                                       std::move(label_names), std::move(collect),
                                                       problem.empty()));
}

std::string Registry::Render() const {
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& f : families_) {
      if (f->exported_) families.push_back(f.get());
    }
  }
  std::string out;
  out.reserve(4096);
  for (const FamilyBase* f : families) {
    out += "# HELP ";
    out += f->name_;
    out.push_back(' ');
    AppendHelp(f->help_, &out);
    out += "\n# TYPE ";
    out += f->name_;
    out.push_back(' ');
    out += TypeName(f->type_);
    out.push_back('\n');
    f->RenderSamples(&out);
  }
  return out;
}

// ---- text format

void AppendLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      default: out->push_back(c);
    }
  }
}

void AppendHelp(std::string_view help, std::string* out) {
  for (char c : help) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      default: out->push_back(c);
    }
  }
}

void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53: exact
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out->append(buf, r.ptr);
  } else {
    // Shortest round-trip digits; plain decimals in the usual range (bucket
    // bounds read "0.0005", not "5e-04"), exponents outside it.
    char buf[400];
    const double a = std::fabs(v);
    auto r = (a >= 1e-6 && a < 1e15) ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                                     : std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }
}

}  // namespace csrd::metrics
