// Reading csrd's answers: JSON bodies (parsed into memory that is wiped when
// freed, since a body may hold a private key or an SK) and error bodies in
// either of csrd's two shapes, decoded the way the official SDKs decode them.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "client/http_client.h"
#include "core/result.h"

namespace csrd::client {

// Parses a JSON body into WipingJsonStorage() (core/json_wiping.h).
// InvalidArgument (no body text in the message) when it is not JSON.
Result<boost::json::value> ParseJsonBody(std::string_view body);

struct ApiError {
  int status = 0;          // HTTP status
  std::string error_code;  // "SCM.0707"; for Keystone the numeric code ("401");
                           // when the body has none, the HTTP status as text
  std::string error_msg;   // the message; when the body has none, its text (cut)
  std::string title;       // Keystone only: "Unauthorized"
  std::string request_id;  // X-Request-Id, else the body's request_id, else ""
  bool keystone = false;   // {"error": {"code", "message", "title"}}
};

// Decodes an error response (status >= 400), as the SDKs do: error_code +
// error_msg, then errorCode + errorMsg, then code + message, then the same
// pairs searched in nested objects (Keystone's "error"); else the fallbacks
// above. Never fails.
ApiError DecodeApiError(const HttpResponse& response);

// One line for a human, every server-supplied part sanitized:
//   HTTP 400 SCM.0707: The CSR does not exist. (request id 0123...)
//   HTTP 401 Unauthorized: The username or password is wrong. (request id ...)
std::string DescribeApiError(const ApiError& error);

// {"error": {"status", "error_code", "error_msg", "request_id"[, "title"]}}
boost::json::object ApiErrorJson(const ApiError& error);

}  // namespace csrd::client
