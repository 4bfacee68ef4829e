// Call: one request on its way through the App, and the helpers handlers use
// to answer it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/router.h"
#include "http/message.h"
#include "identity/auth_failure.h"
#include "identity/authenticator.h"
#include "identity/principal.h"

namespace csrd::api {

struct Call {
  http::Request& req;
  RouteMatch route;
  std::optional<identity::Principal> principal;  // set once authenticated
  // Why the caller was refused (401/403 of the §2.1 checks), for metrics.
  std::optional<identity::AuthFailure> auth_failure;

  // An error in the shape the path calls for, carrying this request's id.
  http::Response Fail(const ApiError& err) const {
    return RenderError(req.path, err, req.request_id);
  }
};

http::Response JsonResponse(int status, const boost::json::value& body);
// The same for a body already serialized (csr_json.h), without the tree.
http::Response JsonResponse(int status, std::string body);

// The authentication steps of contract §2.1 for one call: credentials (401,
// 429 when throttled, 500 when the store fails), then X-Domain-Id (403). On
// success sets call.principal and returns nothing; else the response to send
// (and, for a refusal, call.auth_failure).
std::optional<http::Response> AuthenticateCall(const identity::Authenticator& authenticator,
                                               Call& call, const identity::AuthInput& in);

}  // namespace csrd::api
