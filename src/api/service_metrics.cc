#include "api/service_metrics.h"

#include <charconv>
#include <vector>

namespace csrd::api {
namespace {

size_t MethodSlot(std::string_view method) {
  for (size_t i = 0; i + 1 < ServiceMetrics::kMethods.size(); ++i) {
    if (ServiceMetrics::kMethods[i] == method) return i;
  }
  return ServiceMetrics::kMethods.size() - 1;  // "other"
}

// Index into kCachedStatuses, or kCachedStatuses.size().
size_t StatusSlot(int status) {
  size_t i = 0;
  while (i < ServiceMetrics::kCachedStatuses.size() && ServiceMetrics::kCachedStatuses[i] != status) {
    ++i;
  }
  return i;
}

std::string_view RejectionName(http::Rejection why) {
  switch (why) {
    case http::Rejection::kHeadTooLarge: return "head_too_large";
    case http::Rejection::kBodyTooLarge: return "body_too_large";
    case http::Rejection::kBadRequest: return "bad_request";
    case http::Rejection::kOverloaded: return "overloaded";
  }
  return "bad_request";
}

constexpr http::Rejection kRejections[] = {http::Rejection::kHeadTooLarge,
                                          http::Rejection::kBodyTooLarge,
                                          http::Rejection::kBadRequest,
                                          http::Rejection::kOverloaded};

std::string_view SourceName(CsrSource s) {
  return s == CsrSource::kGenerated ? "generated" : "uploaded";
}

// One KeyAlgoStats field per algorithm, as samples.
template <typename Field>
metrics::Collect KeyStats(const crypto::KeySource* source, Field field) {
  return [source, field](std::vector<metrics::Sample>* out) {
    const crypto::KeySourceStats stats = source->Stats();
    for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) {
      const crypto::KeyAlgoStats& s = stats.algos[crypto::KeyAlgoIndex(a)];
      out->push_back({{std::string(crypto::KeyAlgoName(a))}, static_cast<double>(field(s))});
    }
  };
}

}  // namespace

ServiceMetrics::ServiceMetrics(metrics::Registry* registry)
    : registry_(registry),
      requests_(registry->AddCounter("csrd_http_requests_total",
                                     "HTTP requests answered, by route template, method and "
                                     "status.",
                                     {"route", "method", "status"})),
      duration_(registry->AddHistogram("csrd_http_request_duration_seconds",
                                       "Time from a request's arrival at the application to its "
                                       "answer, by route template and method.",
                                       {"route", "method"}, metrics::LatencyBuckets())) {
  auto* rejected = registry->AddCounter(
      "csrd_http_rejected_total",
      "Requests the HTTP server refused before routing (oversized head or body, unparsable, "
      "overloaded).",
      {"reason"});
  for (http::Rejection why : kRejections) {
    rejected_[static_cast<size_t>(why)] = rejected->With({RejectionName(why)});
  }
  auto* auth = registry->AddCounter(
      "csrd_auth_failures_total",
      "Refused callers: 401s by reason, throttled logins, and 403s of the account and permission "
      "checks.",
      {"reason"});
  for (identity::AuthFailure r : identity::AllAuthFailures()) {
    auth_failures_[static_cast<size_t>(r)] = auth->With({identity::AuthFailureName(r)});
  }
  auto* created = registry->AddCounter(
      "csrd_csr_created_total", "CSRs stored, by key algorithm and source (generated or uploaded).",
      {"algorithm", "source"});
  for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) {
    for (CsrSource s : {CsrSource::kGenerated, CsrSource::kUploaded}) {
      csr_created_[crypto::KeyAlgoIndex(a) * 2 + static_cast<size_t>(s)] =
          created->With({crypto::KeyAlgoName(a), SourceName(s)});
    }
  }
  key_exports_ = registry
                     ->AddCounter("csrd_private_key_exports_total",
                                  "Private keys handed out by ShowCsrPrivateKey.")
                     ->With({});
}

void ServiceMetrics::RecordRequest(RouteId route, std::string_view method, int status,
                                   double seconds) {
  const size_t r = static_cast<size_t>(route);
  const size_t m = MethodSlot(method);
  const size_t s = StatusSlot(status);
  const std::string_view route_label = RouteTemplate(route);

  metrics::Histogram* h = nullptr;
  std::atomic<metrics::Histogram*>* h_slot =
      r < kRouteSlots ? &duration_cache_[r * kMethodSlots + m] : nullptr;
  if (h_slot) h = h_slot->load(std::memory_order_acquire);
  if (h == nullptr) {
    h = duration_->With({route_label, kMethods[m]});
    if (h_slot) h_slot->store(h, std::memory_order_release);
  }
  h->Observe(seconds);

  metrics::Counter* c = nullptr;
  std::atomic<metrics::Counter*>* c_slot =
      (r < kRouteSlots && s < kStatusSlots)
          ? &request_cache_[(r * kMethodSlots + m) * kStatusSlots + s]
          : nullptr;
  if (c_slot) c = c_slot->load(std::memory_order_acquire);
  if (c == nullptr) {
    char buf[12];
    auto end = std::to_chars(buf, buf + sizeof buf, status).ptr;
    c = requests_->With({route_label, kMethods[m], std::string_view(buf, end - buf)});
    if (c_slot) c_slot->store(c, std::memory_order_release);
  }
  c->Inc();
}

void ServiceMetrics::RecordRejected(http::Rejection why) {
  const size_t i = static_cast<size_t>(why);
  if (i < rejected_.size() && rejected_[i] != nullptr) rejected_[i]->Inc();
}

void ServiceMetrics::RecordAuthFailure(identity::AuthFailure reason) {
  auth_failures_[static_cast<size_t>(reason)]->Inc();
}

void ServiceMetrics::RecordCsrCreated(crypto::KeyAlgo algo, CsrSource source) {
  csr_created_[crypto::KeyAlgoIndex(algo) * 2 + static_cast<size_t>(source)]->Inc();
}

void ServiceMetrics::RecordPrivateKeyExport() { key_exports_->Inc(); }

void ServiceMetrics::WatchKeySource(const crypto::KeySource* source) {
  using crypto::KeyAlgoStats;
  const std::vector<std::string> algo = {"algorithm"};
  registry_->AddCallback("csrd_key_pool_depth", "Pre-generated keys ready now, by algorithm.",
                         metrics::MetricType::kGauge, algo,
                         KeyStats(source, [](const KeyAlgoStats& s) { return s.depth; }));
  registry_->AddCallback("csrd_key_pool_target",
                         "Configured key pool depth, by algorithm (0: not pooled).",
                         metrics::MetricType::kGauge, algo,
                         KeyStats(source, [](const KeyAlgoStats& s) { return s.target; }));
  registry_->AddCallback("csrd_key_pool_generated_total",
                         "Keys the refill threads added to the pool, by algorithm.",
                         metrics::MetricType::kCounter, algo,
                         KeyStats(source, [](const KeyAlgoStats& s) { return s.generated; }));
  registry_->AddCallback("csrd_key_pool_hits_total",
                         "Keys CreateCsr took from the pool, by algorithm.",
                         metrics::MetricType::kCounter, algo,
                         KeyStats(source, [](const KeyAlgoStats& s) { return s.hits; }));
  registry_->AddCallback("csrd_key_pool_misses_total",
                         "Keys CreateCsr had to generate inline (pool empty or off), by "
                         "algorithm.",
                         metrics::MetricType::kCounter, algo,
                         KeyStats(source, [](const KeyAlgoStats& s) { return s.misses; }));
}

}  // namespace csrd::api
