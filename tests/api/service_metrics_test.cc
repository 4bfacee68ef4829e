#include "api/service_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"

namespace csrd::api {
namespace {

bool Has(const std::string& body, const std::string& line) {
  return body.find(line + "\n") != std::string::npos;
}

// A key source with fixed stats.
class FakeKeys final : public crypto::KeySource {
 public:
  Result<crypto::PrivateKey> Take(crypto::KeyAlgo) override {
    return Status::Internal("not used");
  }
  crypto::KeySourceStats Stats() const override {
    crypto::KeySourceStats s;
    auto& rsa = s.algos[crypto::KeyAlgoIndex(crypto::KeyAlgo::kRsa4096)];
    rsa.algo = crypto::KeyAlgo::kRsa4096;
    rsa.target = 16;
    rsa.depth = depth;
    rsa.generated = 20;
    rsa.hits = 20 - depth;
    rsa.misses = 3;
    return s;
  }
  int depth = 5;
};

TEST(ServiceMetrics, MethodsOutsideTheSetAreOtherAndStatusesAnyNumber) {
  metrics::Registry r;
  ServiceMetrics m(&r);
  m.RecordRequest(RouteId::kNone, "PROPFIND", 404, 0.001);
  m.RecordRequest(RouteId::kNone, "get", 404, 0.001);  // methods are case-sensitive
  m.RecordRequest(RouteId::kHealth, "GET", 200, 0.0001);
  m.RecordRequest(RouteId::kListCsr, "GET", 418, 0.002);  // not a cached status
  m.RecordRequest(RouteId::kListCsr, "GET", 418, 0.002);
  const std::string out = m.Render();
  EXPECT_TRUE(Has(out, R"(csrd_http_requests_total{route="unmatched",method="other",status="404"} 2)")) << out;
  EXPECT_TRUE(Has(out, R"(csrd_http_requests_total{route="/health",method="GET",status="200"} 1)"));
  EXPECT_TRUE(Has(out, R"(csrd_http_requests_total{route="/v3/scm/csr",method="GET",status="418"} 2)"));
  EXPECT_TRUE(Has(out, R"(csrd_http_request_duration_seconds_bucket{route="/health",method="GET",le="0.0005"} 1)"));
  EXPECT_TRUE(r.status().ok());
}

TEST(ServiceMetrics, KeySourceReadAtScrapeTime) {
  metrics::Registry r;
  ServiceMetrics m(&r);
  FakeKeys keys;
  m.WatchKeySource(&keys);
  std::string out = m.Render();
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_depth{algorithm="RSA_4096"} 5)")) << out;
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_target{algorithm="RSA_4096"} 16)"));
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_generated_total{algorithm="RSA_4096"} 20)"));
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_hits_total{algorithm="RSA_4096"} 15)"));
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_misses_total{algorithm="RSA_4096"} 3)"));
  EXPECT_TRUE(Has(out, R"(csrd_key_pool_depth{algorithm="EC_P256"} 0)"));
  keys.depth = 2;
  EXPECT_TRUE(Has(m.Render(), R"(csrd_key_pool_depth{algorithm="RSA_4096"} 2)"));
}

TEST(ServiceMetrics, FixedSeriesExistBeforeAnythingHappens) {
  metrics::Registry r;
  ServiceMetrics m(&r);
  const std::string out = m.Render();
  for (identity::AuthFailure f : identity::AllAuthFailures()) {
    EXPECT_TRUE(Has(out, "csrd_auth_failures_total{reason=\"" +
                             std::string(identity::AuthFailureName(f)) + "\"} 0"));
  }
  EXPECT_TRUE(Has(out, R"(csrd_csr_created_total{algorithm="RSA_2048",source="generated"} 0)"));
  EXPECT_TRUE(Has(out, R"(csrd_http_rejected_total{reason="overloaded"} 0)"));
  EXPECT_TRUE(Has(out, "csrd_private_key_exports_total 0"));
  m.RecordCsrCreated(crypto::KeyAlgo::kSm2, CsrSource::kUploaded);
  m.RecordAuthFailure(identity::AuthFailure::kReplay);
  m.RecordRejected(http::Rejection::kHeadTooLarge);
  m.RecordPrivateKeyExport();
  const std::string after = m.Render();
  EXPECT_TRUE(Has(after, R"(csrd_csr_created_total{algorithm="SM2",source="uploaded"} 1)"));
  EXPECT_TRUE(Has(after, R"(csrd_auth_failures_total{reason="replay"} 1)"));
  EXPECT_TRUE(Has(after, R"(csrd_http_rejected_total{reason="head_too_large"} 1)"));
  EXPECT_TRUE(Has(after, "csrd_private_key_exports_total 1"));
}

TEST(ServiceMetrics, ConcurrentRecordingLosesNothing) {
  metrics::Registry r;
  ServiceMetrics m(&r);
  constexpr int kThreads = 6, kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        m.RecordRequest(t % 2 ? RouteId::kShowCsr : RouteId::kListCsr, "GET", 200, 0.001);
      }
    });
  }
  for (int i = 0; i < 10; ++i) (void)m.Render();
  for (auto& th : threads) th.join();
  const std::string out = m.Render();
  const std::string n = std::to_string(kThreads / 2 * kEach);
  EXPECT_TRUE(Has(out, R"(csrd_http_requests_total{route="/v3/scm/csr",method="GET",status="200"} )" + n)) << out;
  EXPECT_TRUE(Has(out, R"(csrd_http_requests_total{route="/v3/scm/csr/{id}",method="GET",status="200"} )" + n));
  EXPECT_TRUE(Has(out, R"(csrd_http_request_duration_seconds_count{route="/v3/scm/csr/{id}",method="GET"} )" + n));
}

}  // namespace
}  // namespace csrd::api
