// The contract's error table (§6), in one place.
//
// Two shapes exist and the path decides which one a response uses:
//  - Keystone, on /v3/auth/*, /v3/projects*, /v3.0/OS-CREDENTIAL/*:
//      {"error": {"code": <status>, "message": "...", "title": "<reason>"}}
//  - SCM / API gateway, everywhere else:
//      {"error_code": "...", "error_msg": "...", "request_id": "<X-Request-Id>"}
// Messages are built from fixed text plus non-secret facts; never a value the
// client sent.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace csrd::api {

struct ApiError {
  int status = 500;
  std::string code;     // SCM shape code, e.g. "SCM.0005"; unused in Keystone shape
  std::string message;
};

// Fixed codes.
ApiError BadParameter(std::string_view detail);       // 400 SCM.0005
ApiError CsrNotFound();                                // 400 SCM.0707
ApiError NoPrivateKey();                               // 400 SCM.0010
ApiError CsrQuotaReached();                            // 400 SCM.0011
ApiError PrivateKeyUnparsable(std::string_view detail);  // 400 SCM.0012
ApiError PrivateKeyMismatch();                         // 400 SCM.0014
ApiError Unauthenticated(std::string_view detail);    // 401 APIGW.0301
ApiError Forbidden(std::string_view detail);          // 403 APIGW.0302
ApiError RouteNotFound();                              // 404 APIGW.0101
ApiError BodyTooLarge();                               // 413 APIGW.0201
ApiError HeadTooLarge();                               // 431 APIGW.0201
ApiError MalformedRequest();                           // 400 APIGW.0201
ApiError TooManyRequests();                            // 429 APIGW.0308
ApiError InternalError();                              // 500 SCM.0500

// Maps a Status from a lower layer to the table: Unauthenticated -> 401,
// PermissionDenied -> 403, InvalidArgument -> SCM.0005, NotFound -> SCM.0707,
// ResourceExhausted -> 429, anything else -> 500 (no detail leaks).
ApiError FromStatus(const Status& status);

bool UsesKeystoneShape(std::string_view path);

// Renders err in the shape the path calls for.
http::Response RenderError(std::string_view path, const ApiError& err,
                           std::string_view request_id);

// Keystone body for a status and message (title = the reason phrase).
http::Response KeystoneError(int status, std::string_view message);

// The Keystone 500: no detail of what failed reaches the client.
http::Response KeystoneServerError();

std::string_view ReasonPhrase(int status);

}  // namespace csrd::api
