#include "client/request_signer.h"


#include "core/ascii.h"
#include "identity/sdk_signature.h"

namespace csrd::client {

Status SignRequestInPlace(HttpRequest& request, std::string_view access_key,
                          std::string_view secret_key, int64_t now_ms) {
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "X-Sdk-Date") || EqualsIgnoreCase(name, "Authorization")) {
      return Status::InvalidArgument("the request already carries " + name);
    }
  }
  request.headers.emplace_back("X-Sdk-Date", identity::FormatSdkDate(now_ms));
  std::string_view target = request.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  Result<std::string> auth = identity::SignRequest(access_key, secret_key, request.method, path,
                                                   query, request.headers, request.body);
  if (!auth.ok()) {
    request.headers.pop_back();
    return auth.status();
  }
  request.headers.emplace_back("Authorization", std::move(auth).value());
  return Status::Ok();
}

}  // namespace csrd::client
