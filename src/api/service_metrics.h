// ServiceMetrics: csrd's metrics (names fixed by the shared definitions) on a
// metrics::Registry, recorded by the App and the handlers and rendered for
// GET /metrics.
//
// Labels only ever hold route templates, normalised methods, status codes,
// algorithm names and fixed reason sets — never an account, user, AK, CSR id
// or token — so the number of series is bounded whatever clients send.
//
// Thread-safe. Recording a request after warm-up is lock-free: the children
// for (route, method, status) are cached in arrays of atomic pointers indexed
// by small integers; only a status outside the usual set goes through the
// family's striped lookup.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>

#include "api/router.h"
#include "core/metrics.h"
#include "crypto/key_algo.h"
#include "crypto/key_pool.h"
#include "http/message.h"
#include "identity/auth_failure.h"

namespace csrd::api {

enum class CsrSource { kGenerated, kUploaded };

class ServiceMetrics {
 public:
  // Registers the families on registry (borrowed; must outlive this).
  explicit ServiceMetrics(metrics::Registry* registry);

  // One answered request: csrd_http_requests_total{route,method,status} and
  // csrd_http_request_duration_seconds{route,method}. The route is its
  // template ("unmatched" for kNone); methods outside GET, POST, PUT,
  // DELETE, HEAD, PATCH, OPTIONS count as "other".
  void RecordRequest(RouteId route, std::string_view method, int status, double seconds);
  // A request the HTTP server refused before routing (431, 413, 400, 429):
  // csrd_http_rejected_total{reason}.
  void RecordRejected(http::Rejection why);
  void RecordAuthFailure(identity::AuthFailure reason);
  void RecordCsrCreated(crypto::KeyAlgo algo, CsrSource source);
  void RecordPrivateKeyExport();

  // Exports source's per-algorithm stats, read at every scrape:
  // csrd_key_pool_depth / _target (gauges), csrd_key_pool_generated_total,
  // _hits_total, _misses_total (counters). source is borrowed and must
  // outlive every later Render(). Call once.
  void WatchKeySource(const crypto::KeySource* source);

  // The Prometheus text exposition (metrics::kContentType).
  std::string Render() const { return registry_->Render(); }

  // Methods as labelled; "other" last.
  static constexpr std::array<std::string_view, 8> kMethods = {
      "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "other"};
  // Statuses whose children are cached; others are looked up each time.
  static constexpr std::array<int, 16> kCachedStatuses = {200, 201, 204, 400, 401, 403, 404, 405,
                                                          409, 413, 415, 429, 431, 500, 503, 502};

 private:
  static constexpr size_t kRouteSlots = 40;  // > every RouteId; larger ids are not cached
  static constexpr size_t kMethodSlots = kMethods.size();
  static constexpr size_t kStatusSlots = kCachedStatuses.size();

  metrics::Registry* registry_;
  metrics::Family<metrics::Counter>* requests_;
  metrics::Family<metrics::Histogram>* duration_;
  std::array<metrics::Counter*, 4> rejected_{};
  std::array<metrics::Counter*, identity::kAuthFailureCount> auth_failures_{};
  std::array<metrics::Counter*, crypto::kKeyAlgoCount * 2> csr_created_{};
  metrics::Counter* key_exports_ = nullptr;
  std::array<std::atomic<metrics::Counter*>, kRouteSlots * kMethodSlots * kStatusSlots>
      request_cache_{};
  std::array<std::atomic<metrics::Histogram*>, kRouteSlots * kMethodSlots> duration_cache_{};
};

}  // namespace csrd::api
