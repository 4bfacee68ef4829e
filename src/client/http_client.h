// HttpClient: one HTTP/1.1 exchange at a time over Boost.Beast, plain or TLS.
//
// Each Send() opens a fresh connection (resolve, connect, TLS handshake for
// https), writes the request, reads one response and closes. The whole
// exchange must finish within HttpOptions::timeout_ms.
//
// TLS: the server certificate is always verified, against the system CA store
// or, when ca_file is set, against that PEM bundle only; the host name (or IP
// literal) of the endpoint must match the certificate. TLS 1.2 or later.
//
// Errors (a Status, never an exception):
//   Unavailable        — network or TLS failure: cannot resolve, connection
//                        refused/reset, timeout, handshake or certificate
//                        failure, a malformed or oversized response. The
//                        message says which phase failed and why.
//   FailedPrecondition — the CA file cannot be read.
// Any HTTP status is a successful Send(); interpreting it is the caller's job.
// The client never logs or prints. Not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/endpoint.h"
#include "core/result.h"

namespace csrd::client {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // path and query exactly as to be sent, e.g. "/v3/scm/csr?limit=10"
  HeaderList headers;  // sent in this order; the caller supplies Host
  std::string body;    // sent as is. Content-Length is added for a non-empty body and
                       // always on POST, PUT and DELETE (0 when empty, as the SDKs do).
};

// A response. Body and header values are wiped when the object dies (they may
// hold a private key or a token), so the type is move-only.
struct HttpResponse {
  int status = 0;
  HeaderList headers;  // in arrival order
  std::string body;

  HttpResponse() = default;
  HttpResponse(HttpResponse&&) = default;
  HttpResponse& operator=(HttpResponse&&) = default;
  HttpResponse(const HttpResponse&) = delete;
  HttpResponse& operator=(const HttpResponse&) = delete;
  ~HttpResponse();

  // First header with that name, case-insensitively.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpOptions {
  int timeout_ms = 60000;             // the whole exchange
  std::string ca_file;                // PEM CA bundle; "" = the system store
  uint64_t max_body = 64ull << 20;    // larger responses are an error
};

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, HttpOptions options);

  Result<HttpResponse> Send(const HttpRequest& request);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
  HttpOptions options_;
};

}  // namespace csrd::client
