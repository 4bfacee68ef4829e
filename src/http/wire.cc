#include "http/wire.h"

#include <cstdio>

#include "core/ascii.h"
#include "core/secret.h"

namespace csrd::http::internal {

namespace beast_http = boost::beast::http;

namespace {

constexpr std::string_view kJsonType = "application/json;charset=UTF-8";

// Date changes once a second; formatting it per response is wasted work.
std::string CachedDate() {
  thread_local std::time_t last = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    text = HttpDate(now);
    last = now;
  }
  return text;
}

bool IsServerOwned(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Date") ||
         EqualsIgnoreCase(name, "X-Request-Id") || EqualsIgnoreCase(name, "Keep-Alive");
}

bool IsSafeValue(std::string_view v) {
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool HasCloseToken(std::string_view v) {
  // A comma-separated token list; "close" anywhere means close.
  return FindListItem(v, [](std::string_view item) { return EqualsIgnoreCase(item, "close"); });
}

}  // namespace

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                        std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

Response InternalErrorResponse(std::string_view request_id) {
  Response r;
  r.status = 500;
  r.body = "{\"error_code\":\"SCM.0500\",\"error_msg\":\"Internal error\",\"request_id\":\"";
  r.body.append(request_id);
  r.body += "\"}";
  return r;
}

std::unique_ptr<WireResponse> BuildWireResponse(Response response, const WireOptions& options) {
  auto res = std::make_unique<WireResponse>();
  int status = response.status;
  if (status < 100 || status > 599) status = 500;
  res->result(static_cast<unsigned>(status));
  res->version(options.version == 10 ? 10 : 11);

  bool keep_alive = options.keep_alive;
  bool has_type = false;
  for (auto& [name, value] : response.headers) {
    if (!IsToken(name) || !IsSafeValue(value)) continue;
    if (EqualsIgnoreCase(name, "Connection")) {
      if (HasCloseToken(value)) keep_alive = false;
      continue;
    }
    if (IsServerOwned(name)) continue;
    if (EqualsIgnoreCase(name, "Content-Type")) has_type = true;
    res->insert(name, value);
  }
  res->set(beast_http::field::date, CachedDate());
  res->set("X-Request-Id", options.request_id);

  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (bodiless) {
    response.body.clear();
  } else {
    if (!response.body.empty() && !has_type) res->set(beast_http::field::content_type, kJsonType);
    res->content_length(response.body.size());
    if (!options.head_request) res->body() = std::move(response.body);
  }
  // A body not moved into the answer (HEAD, a bodiless status) dies here.
  if (response.sensitive) SecureWipe(response.body);
  res->keep_alive(keep_alive);
  return res;
}

}  // namespace csrd::http::internal
