// Internal to the http layer: turning an http::Response into what goes on the
// wire, and the server's own last-resort responses.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"

namespace csrd::http::internal {

using WireResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct WireOptions {
  std::string_view request_id;
  int version = 11;          // of the request: 10 or 11
  bool keep_alive = true;    // what the connection wants; the response may still say close
  bool head_request = false; // HEAD: announce the length, send no body bytes
};

// Adds Date, X-Request-Id, Content-Length and (for a non-empty body without
// one) Content-Type: application/json;charset=UTF-8. 1xx/204/304 carry no body
// and no Content-Length. Header fields that would let the handler break the
// framing (Content-Length, Transfer-Encoding, Connection, Date, X-Request-Id)
// are replaced by the server's; "Connection: close" from the handler is
// honoured. Fields with a bad name or a CR/LF/NUL in the value are dropped.
// The returned message's keep_alive() is the final keep-alive decision.
// May throw std::bad_alloc only.
std::unique_ptr<WireResponse> BuildWireResponse(Response response, const WireOptions& options);

// 500 {"error_code":"SCM.0500","error_msg":"Internal error","request_id":"..."}:
// what a client gets when the handler throws.
Response InternalErrorResponse(std::string_view request_id);

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::time_t t);

// RFC 9110 token characters only (a valid field name).
bool IsToken(std::string_view s);

}  // namespace csrd::http::internal
