// The web console's routes (GET /console, /console/, /console/{file}): static files from a table
// built into csrd (api/console_assets.h). No authentication: the files hold no secret; the
// console signs in through the API like any other client.
//
// Every response on a console path (redirect, file, 304, 404, and errors of other layers) carries
// the console's security headers, added by App in one place (not by ServeConsole): a strict
// Content-Security-Policy (no inline script or style), nosniff, no referrer, no framing, a
// same-origin opener policy, and Cache-Control: no-cache (revalidated by ETag).
//
// Thread-safe: pure functions over static data.
#pragma once

#include <span>
#include <string_view>

#include "api/console_assets.h"
#include "api/router.h"
#include "http/message.h"

namespace csrd::api {

inline constexpr std::string_view kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

// True for "/console" and every path under "/console/" (raw path, no query).
bool IsConsolePath(std::string_view path);

// Adds the console's security headers (the list above) to resp.
void AddConsoleSecurityHeaders(http::Response& resp);

// Answers one console route: kConsoleRedirect -> 301 to "/console/"; kConsoleIndex -> index.html;
// kConsoleFile -> the file named by match.raw_id (compared raw: a percent-encoded name matches
// nothing). A file not in assets -> 404 APIGW.0101 (SCM error shape, request.request_id). An
// If-None-Match naming the file's ETag (or "*") -> 304 without a body. Any other route id ->
// 404. The security headers are not added here (App adds them to every console-path answer).
http::Response ServeConsole(const RouteMatch& match, const http::Request& request,
                            std::span<const ConsoleAsset> assets = ConsoleAssets());

}  // namespace csrd::api
