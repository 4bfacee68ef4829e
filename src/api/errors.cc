#include "api/errors.h"

#include <boost/json.hpp>

namespace csrd::api {

namespace json = boost::json;

namespace {
ApiError Make(int status, std::string_view code, std::string_view msg) {
  return ApiError{status, std::string(code), std::string(msg)};
}
std::string Join(std::string_view a, std::string_view b) {
  std::string s(a);
  if (!b.empty()) {
    s += ": ";
    s += b;
  }
  return s;
}
}  // namespace

ApiError BadParameter(std::string_view detail) {
  return Make(400, "SCM.0005", Join("Incorrect request parameter", detail));
}
ApiError CsrNotFound() { return Make(400, "SCM.0707", "The CSR does not exist."); }
ApiError NoPrivateKey() {
  return Make(400, "SCM.0010",
              "This operation is not allowed by the current CSR status: the CSR was uploaded "
              "without a private key.");
}
ApiError CsrQuotaReached() {
  return Make(400, "SCM.0011", "The maximum number of CSRs for this account has been reached.");
}
ApiError PrivateKeyUnparsable(std::string_view detail) {
  return Make(400, "SCM.0012", Join("The uploaded private key failed to be resolved", detail));
}
ApiError PrivateKeyMismatch() {
  return Make(400, "SCM.0014", "The uploaded CSR does not match the private key.");
}
ApiError Unauthenticated(std::string_view detail) {
  return Make(401, "APIGW.0301", Join("Incorrect IAM authentication information", detail));
}
ApiError Forbidden(std::string_view detail) {
  return Make(403, "APIGW.0302", Join("The IAM user is not authorized to access this API", detail));
}
ApiError RouteNotFound() {
  return Make(404, "APIGW.0101", "The API does not exist or has not been published.");
}
ApiError BodyTooLarge() {
  return Make(413, "APIGW.0201", "Request entity too large: the body exceeds 12582912 bytes.");
}
ApiError HeadTooLarge() {
  return Make(431, "APIGW.0201", "Request header fields too large.");
}
ApiError MalformedRequest() { return Make(400, "APIGW.0201", "Malformed HTTP request."); }
ApiError TooManyRequests() {
  return Make(429, "APIGW.0308", "The throttling threshold has been reached.");
}
ApiError InternalError() { return Make(500, "SCM.0500", "Internal server error."); }

ApiError FromStatus(const Status& st) {
  switch (st.code()) {
    case Status::Code::kUnauthenticated: return Unauthenticated(st.message());
    case Status::Code::kPermissionDenied: return Forbidden(st.message());
    case Status::Code::kInvalidArgument: return BadParameter(st.message());
    case Status::Code::kNotFound: return CsrNotFound();
    case Status::Code::kResourceExhausted: return TooManyRequests();
    default: return InternalError();
  }
}

bool UsesKeystoneShape(std::string_view path) {
  auto starts = [&](std::string_view p) { return path.substr(0, p.size()) == p; };
  return starts("/v3/auth/") || path == "/v3/auth" || starts("/v3/projects") ||
         starts("/v3.0/OS-CREDENTIAL/") || path == "/v3.0/OS-CREDENTIAL";
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

http::Response KeystoneError(int status, std::string_view message) {
  json::object err;
  err["code"] = status;
  err["message"] = message;
  err["title"] = ReasonPhrase(status);
  json::object root;
  root["error"] = std::move(err);
  http::Response r;
  r.status = status;
  r.body = json::serialize(root);
  return r;
}

http::Response KeystoneServerError() {
  return KeystoneError(500, "An unexpected error prevented the server from fulfilling your request.");
}

http::Response RenderError(std::string_view path, const ApiError& e,
                           std::string_view request_id) {
  if (UsesKeystoneShape(path)) return KeystoneError(e.status, e.message);
  json::object root;
  root["error_code"] = e.code;
  // The contract caps error_msg at 1024 characters; our texts are far shorter,
  // but a detail from a lower layer could in principle be long.
  root["error_msg"] = e.message.size() > 1024 ? e.message.substr(0, 1024) : e.message;
  root["request_id"] = request_id;
  http::Response r;
  r.status = e.status;
  r.body = json::serialize(root);
  return r;
}

}  // namespace csrd::api
