// Whether csrd serves HTTPS or plain HTTP on its listen address, decided in
// one place for `csrd serve` and `csrd serve --check-config`, so the check
// refuses exactly what the server would.
#pragma once

#include <memory>
#include <cstdint>
#include <string>

#include "cmd/csrd/serve.h"
#include "core/result.h"
#include "http/tls.h"

namespace csrd::cmd {

struct TransportPlan {
  std::string host;  // of opt.listen (SplitHostPort)
  uint16_t port = 0;
  std::shared_ptr<http::TlsContext> tls;  // null: plain HTTP
  // Set when plain HTTP is allowed only by allow_insecure_http; the caller
  // shows it to the operator.
  std::string warning;
};

// The rules: listen is HOST:PORT (else InvalidArgument "listen: " +
// ListenFormatProblem; LoadServeConfig refuses such a value already). tls_cert
// and tls_key come together; with them the pair must load (TlsContext::Load:
// readable PEM, the key matching the leaf). Without them,
// plain HTTP only on a loopback host, or anywhere with allow_insecure_http.
// InvalidArgument for a refused combination of settings (a usage error);
// FailedPrecondition with the loader's reason, naming the file, for a pair
// that does not load. Messages hold no secret.
Result<TransportPlan> PlanTransport(const ServeOptions& opt);

}  // namespace csrd::cmd
