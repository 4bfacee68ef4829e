// ApiClient: csrd's HTTP API as the official SDKs call it — one request per
// Call(), authenticated with AK/SK (SDK-HMAC-SHA256) or an IAM token.
//
// Every request carries Host (the endpoint's authority, as written),
// Content-Type: application/json (on every method, as the SDKs send it),
// User-Agent, and X-Domain-Id / X-Project-Id when the credentials name them;
// with AK/SK all of those are signed together with X-Sdk-Date, as the Python
// SDK signs them. Accept follows unsigned. Like the Python SDK's, the
// User-Agent should carry a random per-process part ("app/<uuid>"): csrd
// accepts a signature on the private-key route once, so two processes sending
// the same export within one second must not produce the same signature.
// Query parameters go on the wire already canonical (sorted, encoded), like
// the Python SDK's. Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/http_client.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/result.h"
#include "core/secret.h"

namespace csrd::client {

struct Credentials {
  enum class Kind { kNone, kAkSk, kToken };
  Kind kind = Kind::kNone;
  std::string access_key;  // kAkSk
  Secret secret_key;       // kAkSk
  Secret token;            // kToken: sent as X-Auth-Token
  std::string domain_id;   // X-Domain-Id when non-empty
  std::string project_id;  // X-Project-Id when non-empty
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Path ids and query names and values are encoded as the Python SDK encodes
// them: RFC 3986 unreserved characters kept, upper-case hex
// (csrd::PercentEncode, core/encoding.h).

// "name=value&..." with the pairs sorted by name, then value, each encoded
// with csrd::PercentEncode; "" for no pairs.
std::string EncodeQuery(QueryParams params);

class ApiClient {
 public:
  enum class Auth {
    kCredentials,  // sign or attach the token (kNone credentials: FailedPrecondition)
    kAnonymous,    // send no credentials (POST /v3/auth/tokens)
  };

  // clock must outlive the client.
  ApiClient(HttpClient http, Credentials credentials, const Clock& clock, std::string user_agent);

  // path is sent as given (encode ids with PercentEncode); body as is. Errors
  // are HttpClient's (network, TLS), or the signer's InvalidArgument; any HTTP
  // answer, 4xx/5xx included, is a value. The request copy holding the body is
  // wiped after sending (it may carry a private key or a password).
  // extra headers are sent after the standard ones (and signed with them).
  Result<HttpResponse> Call(std::string_view method, std::string_view path,
                            const QueryParams& query, std::string_view body,
                            Auth auth = Auth::kCredentials, const HeaderList& extra = {});

  const Endpoint& endpoint() const { return http_.endpoint(); }
  const Credentials& credentials() const { return credentials_; }

 private:
  HttpClient http_;
  Credentials credentials_;
  const Clock& clock_;
  std::string user_agent_;
};

}  // namespace csrd::client
