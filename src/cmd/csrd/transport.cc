#include "cmd/csrd/transport.h"

namespace csrd::cmd {

Result<TransportPlan> PlanTransport(const ServeOptions& opt) {
  TransportPlan plan;
  if (!SplitHostPort(opt.listen, &plan.host, &plan.port)) {
    return Status::InvalidArgument("listen: " + ListenFormatProblem(opt.listen));
  }
  const std::string& host = plan.host;
  if (opt.tls_cert.empty() != opt.tls_key.empty()) {
    return Status::InvalidArgument(
        "--tls-cert and --tls-key must be given together (tls.cert and tls.key in a config file)");
  }
  if (opt.tls_cert.empty()) {
    if (IsLoopbackHost(host)) return plan;
    if (!opt.allow_insecure_http) {
      return Status::InvalidArgument(
          "refusing to serve plain HTTP on the non-loopback address " + host +
          ": passwords, tokens and private keys would cross the network unencrypted. Give "
          "tls.cert and tls.key (--tls-cert, --tls-key), or allow_insecure_http "
          "(--allow-insecure-http) if a TLS-terminating proxy in front of csrd is the only "
          "client");
    }
    plan.warning = "serving plain HTTP on the non-loopback address " + host +
                   " (allow_insecure_http): passwords, tokens and private keys cross the "
                   "network unencrypted";
    return plan;
  }
  auto loaded = http::TlsContext::Load(opt.tls_cert, opt.tls_key);
  if (!loaded.ok()) return Status::FailedPrecondition("TLS: " + loaded.status().message());
  plan.tls = std::move(loaded).value();
  return plan;
}

}  // namespace csrd::cmd
