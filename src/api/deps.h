// What the API handlers are given: borrowed services and tunables.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "crypto/key_pool.h"
#include "crypto/sealer.h"
#include "identity/authenticator.h"
#include "identity/credential_service.h"
#include "identity/login_service.h"
#include "identity/token_service.h"
#include "store/store.h"

namespace csrd::api {
class ServiceMetrics;
}

namespace csrd::api {

struct AppConfig {
  // CSRs per account; CreateCsr/UploadCsr answer 400 SCM.0011 beyond it. <= 0: no cap.
  int64_t csr_quota_per_account = 100000;
  // Key generations queued or running at once; beyond it CreateCsr answers 429.
  int max_pending_keygens = 64;
};

// All pointers are borrowed; they must outlive the App. Every service is
// thread-safe.
struct AppDeps {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  const crypto::KeySealer* sealer = nullptr;
  const identity::Authenticator* authenticator = nullptr;
  identity::LoginService* login = nullptr;
  identity::TokenService* tokens = nullptr;
  const identity::CredentialService* credentials = nullptr;
  // Where CreateCsr takes private keys (a KeyPool, usually); nullptr =
  // generate each key inline on the worker thread.
  crypto::KeySource* keys = nullptr;
  // Where requests, CSR creations, key exports and auth failures are
  // counted, and what GET /metrics renders; nullptr = no metrics (then
  // /metrics answers 404).
  ServiceMetrics* metrics = nullptr;
};

}  // namespace csrd::api
