// App: csrd's HTTP application — routing, the contract's check order (§2.1),
// and the handlers of every route. Implements http::Handler.
//
// Thread-safe: Handle() runs concurrently on the server's worker threads. All
// dependencies are borrowed and must outlive the App.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/deps.h"
#include "api/router.h"
#include "http/message.h"
#include "identity/auth_failure.h"
#include "identity/principal.h"

namespace csrd::api {

class CsrHandlers;
class AuditHandlers;
class AuthHandlers;
class CredentialHandlers;
class DiscoveryHandlers;
struct Call;

// One line of the access log. Never carries a secret.
struct AccessRecord {
  std::string request_id, method, route, remote_addr, account_id, user_id;
  int status = 0;
  int64_t latency_us = 0;
  size_t bytes_in = 0, bytes_out = 0;
};

class App final : public http::Handler {
 public:
  using AccessLogger = std::function<void(const AccessRecord&)>;

  App(AppDeps deps, AppConfig config, AccessLogger access_log = nullptr);
  ~App() override;

  std::optional<http::Response> Preflight(const http::Request& head) override;
  http::Response Handle(http::Request& request) override;
  http::Response Reject(http::Rejection why, std::string_view target,
                        std::string_view request_id) override;

 private:
  http::Response Dispatch(Call& call);
  // The last step of every answer (Preflight, Reject, Handle): headers that depend on the path
  // only (the console's security headers on console paths).
  static void Finish(std::string_view path, http::Response& resp);
  // Metrics and the access log for one answered request.
  void Record(const http::Request& request, RouteId route, const identity::Principal* principal,
              std::optional<identity::AuthFailure> auth_failure, const http::Response& resp,
              std::chrono::steady_clock::time_point start, size_t bytes_in);

  AppDeps deps_;
  AppConfig config_;
  AccessLogger access_log_;
  std::unique_ptr<CsrHandlers> csr_;
  std::unique_ptr<AuthHandlers> auth_;
  std::unique_ptr<CredentialHandlers> credentials_;
  std::unique_ptr<DiscoveryHandlers> discovery_;
  std::unique_ptr<AuditHandlers> audit_;
};

}  // namespace csrd::api
