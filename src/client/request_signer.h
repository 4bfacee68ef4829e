// SDK-HMAC-SHA256 signing of an outgoing request, as the official SDKs do it,
// with the very code the server verifies with (identity/sdk_signature.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "client/http_client.h"
#include "core/status.h"

namespace csrd::client {

// Adds X-Sdk-Date (from now_ms) to request, signs every header it then holds
// (the caller has put in Host, Content-Type and any X-Domain-Id /
// X-Project-Id / X-Security-Token) together with the method, the target's path
// and query and the body, and appends the Authorization header. Headers added
// afterwards are sent unsigned (the Node.js SDK core, e.g., leaves User-Agent out).
// InvalidArgument when the AK is malformed (1..40 of [A-Za-z0-9]), the request
// already carries X-Sdk-Date or Authorization, or the target has a malformed
// percent escape. The SK never appears in an error.
Status SignRequestInPlace(HttpRequest& request, std::string_view access_key,
                          std::string_view secret_key, int64_t now_ms);

}  // namespace csrd::client
