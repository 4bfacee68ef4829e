#include "api/console_handlers.h"

#include <string>

#include "api/errors.h"
#include "core/ascii.h"

namespace csrd::api {

namespace {

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): "W/" prefixes are ignored.
bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  return FindListItem(header, [etag](std::string_view item) {
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    return !item.empty() && item == etag;
  });
}

const ConsoleAsset* Find(std::span<const ConsoleAsset> assets, std::string_view name) {
  for (const ConsoleAsset& a : assets) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

http::Response NotFound(const http::Request& request) {
  return RenderError(request.path, RouteNotFound(), request.request_id);
}

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == "/console" || path.substr(0, 9) == "/console/";
}

void AddConsoleSecurityHeaders(http::Response& resp) {
  resp.SetHeader("Content-Security-Policy", std::string(kConsoleCsp));
  resp.SetHeader("X-Content-Type-Options", "nosniff");
  resp.SetHeader("Referrer-Policy", "no-referrer");
  resp.SetHeader("X-Frame-Options", "DENY");
  resp.SetHeader("Cross-Origin-Opener-Policy", "same-origin");
  resp.SetHeader("Cache-Control", "no-cache");
}

http::Response ServeConsole(const RouteMatch& match, const http::Request& request,
                            std::span<const ConsoleAsset> assets) {
  if (match.id == RouteId::kConsoleRedirect) {
    http::Response r;
    r.status = 301;
    r.SetHeader("Location", "/console/");
    return r;
  }
  std::string_view name;
  if (match.id == RouteId::kConsoleIndex) {
    name = "index.html";
  } else if (match.id == RouteId::kConsoleFile) {
    name = match.raw_id;
  } else {
    return NotFound(request);
  }
  const ConsoleAsset* asset = Find(assets, name);
  if (asset == nullptr) return NotFound(request);

  http::Response r;
  r.SetHeader("ETag", std::string(asset->etag));
  if (auto inm = request.headers.Get("If-None-Match"); inm && IfNoneMatchHits(*inm, asset->etag)) {
    r.status = 304;
    return r;
  }
  r.SetHeader("Content-Type", std::string(asset->content_type));
  r.body = std::string(asset->bytes);
  return r;
}

}  // namespace csrd::api
