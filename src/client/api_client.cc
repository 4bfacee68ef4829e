#include "client/api_client.h"

#include <algorithm>

#include "client/request_signer.h"

namespace csrd::client {

std::string EncodeQuery(QueryParams params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    AppendPercentEncoded(name, &out);
    out.push_back('=');
    AppendPercentEncoded(value, &out);
  }
  return out;
}

ApiClient::ApiClient(HttpClient http, Credentials credentials, const Clock& clock,
                     std::string user_agent)
    : http_(std::move(http)),
      credentials_(std::move(credentials)),
      clock_(clock),
      user_agent_(std::move(user_agent)) {}

Result<HttpResponse> ApiClient::Call(std::string_view method, std::string_view path,
                                     const QueryParams& query, std::string_view body, Auth auth,
                                     const HeaderList& extra) {
  if (auth == Auth::kCredentials && credentials_.kind == Credentials::Kind::kNone) {
    return Status::FailedPrecondition("no credentials");
  }
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::string(path);
  std::string q = EncodeQuery(query);
  if (!q.empty()) req.target += "?" + q;
  req.body = std::string(body);
  ScopedWipe wipe_body(req.body);
  req.headers.emplace_back("Host", http_.endpoint().authority);
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("User-Agent", user_agent_);
  for (const auto& h : extra) req.headers.push_back(h);
  if (auth == Auth::kCredentials) {
    if (!credentials_.domain_id.empty()) req.headers.emplace_back("X-Domain-Id", credentials_.domain_id);
    if (!credentials_.project_id.empty()) {
      req.headers.emplace_back("X-Project-Id", credentials_.project_id);
    }
    if (credentials_.kind == Credentials::Kind::kAkSk) {
      CSRD_RETURN_IF_ERROR(SignRequestInPlace(req, credentials_.access_key,
                                              credentials_.secret_key.view(), clock_.NowMillis()));
    } else {
      req.headers.emplace_back("X-Auth-Token", credentials_.token.str());
    }
  }
  req.headers.emplace_back("Accept", "application/json");
  Result<HttpResponse> resp = http_.Send(req);
  for (auto& [name, value] : req.headers) {
    if (name == "X-Auth-Token" || name == "X-Subject-Token") SecureWipe(value);
  }
  return resp;
}

}  // namespace csrd::client
