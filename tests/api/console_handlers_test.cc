#include "api/console_handlers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/app.h"
#include "api/router.h"

namespace csrd::api {
namespace {

namespace json = boost::json;

std::optional<std::string> Header(const http::Response& r, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [n, v] : r.headers) {
    if (!csrd::EqualsIgnoreCase(n, name)) continue;
    EXPECT_FALSE(found.has_value()) << "header " << name << " twice";
    found = v;
  }
  return found;
}

void ExpectSecurityHeaders(const http::Response& r) {
  EXPECT_EQ(Header(r, "Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(r, "Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
}

http::Request Get(std::string path, std::string request_id = "0123456789abcdef0123456789abcdef") {
  http::Request req;
  req.method = "GET";
  req.target = path;
  req.path = std::move(path);
  req.request_id = std::move(request_id);
  return req;
}

http::Response Serve(const http::Request& req, std::span<const ConsoleAsset> assets) {
  return ServeConsole(MatchRoute(req.method, req.path), req, assets);
}

const ConsoleAsset kFake[] = {
    {"app.js", "text/javascript; charset=utf-8", "\"e1\"", "export const x = 1;\n"},
    {"index.html", "text/html; charset=utf-8", "\"e2\"", "<!doctype html><title>t</title>\n"},
    {"empty.txt", "text/plain; charset=utf-8", "\"e3\"", ""},
};

TEST(ConsoleHandlersTest, ConsolePaths) {
  EXPECT_TRUE(IsConsolePath("/console"));
  EXPECT_TRUE(IsConsolePath("/console/"));
  EXPECT_TRUE(IsConsolePath("/console/x/y"));
  EXPECT_FALSE(IsConsolePath("/consoles"));
  EXPECT_FALSE(IsConsolePath("/console.js"));
  EXPECT_FALSE(IsConsolePath("/v3/console/"));
  EXPECT_FALSE(IsConsolePath(""));
}

TEST(ConsoleHandlersTest, BareConsoleRedirectsToTheIndex) {
  http::Response r = Serve(Get("/console"), kFake);
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(Header(r, "Location"), "/console/");
  EXPECT_TRUE(r.body.empty());
}

TEST(ConsoleHandlersTest, IndexAndFilesWithTheirTypesAndETags) {
  http::Response index = Serve(Get("/console/"), kFake);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kFake[1].bytes);
  EXPECT_EQ(Header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(index, "ETag"), "\"e2\"");

  http::Response js = Serve(Get("/console/app.js"), kFake);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "export const x = 1;\n");
  EXPECT_EQ(Header(js, "Content-Type"), "text/javascript; charset=utf-8");

  http::Response same = Serve(Get("/console/index.html"), kFake);
  EXPECT_EQ(same.body, index.body);

  http::Response empty = Serve(Get("/console/empty.txt"), kFake);
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(Header(empty, "Content-Type"), "text/plain; charset=utf-8");
}

TEST(ConsoleHandlersTest, UnknownFileIs404InTheScmShapeWithTheHeaders) {
  for (std::string path : {"/console/nope.js", "/console/APP.JS", "/console/app%2Ejs",
                           "/console/..%2Fapp.js"}) {
    http::Response r = Serve(Get(path, "feedfacefeedfacefeedfacefeedface"), kFake);
    EXPECT_EQ(r.status, 404) << path;
    auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body["error_code"].as_string(), "APIGW.0101") << path;
    EXPECT_EQ(body["request_id"].as_string(), "feedfacefeedfacefeedfacefeedface");
    EXPECT_FALSE(Header(r, "ETag").has_value());
    }
  // A route that is not the console's never serves a file.
  http::Request req = Get("/console/app.js");
  http::Response r = ServeConsole(RouteMatch{RouteId::kHealth, "app.js"}, req, kFake);
  EXPECT_EQ(r.status, 404);
  // No index in the table: the index is 404 too.
  http::Response no_index = Serve(Get("/console/"), std::span(kFake, 1));
  EXPECT_EQ(no_index.status, 404);
}

TEST(ConsoleHandlersTest, IfNoneMatchAnswers304) {
  auto with_inm = [](std::string value) {
    http::Request req = Get("/console/app.js");
    req.headers.Add("If-None-Match", std::move(value));
    return Serve(req, kFake);
  };
  for (std::string hit : {"\"e1\"", "W/\"e1\"", "\"zz\", \"e1\"", " \"x\" ,W/\"e1\" ", "*"}) {
    http::Response r = with_inm(hit);
    EXPECT_EQ(r.status, 304) << hit;
    EXPECT_TRUE(r.body.empty()) << hit;
    EXPECT_EQ(Header(r, "ETag"), "\"e1\"");
    }
  for (std::string miss : {"\"e2\"", "e1", "\"e1", "", ",", "\"E1\""}) {
    http::Response r = with_inm(miss);
    EXPECT_EQ(r.status, 200) << miss;
    EXPECT_EQ(r.body, kFake[0].bytes) << miss;
  }
}

// The files built from console/ in the repository.
TEST(ConsoleHandlersTest, TheBuiltInConsole) {
  auto assets = ConsoleAssets();
  ASSERT_FALSE(assets.empty());
  std::vector<std::string_view> names;
  for (const ConsoleAsset& a : assets) {
    names.push_back(a.name);
    EXPECT_FALSE(a.bytes.empty()) << a.name;
    ASSERT_GE(a.etag.size(), 3u) << a.name;
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
    if (a.content_type.substr(0, 5) == "text/") {
      EXPECT_NE(a.content_type.find("; charset=utf-8"), std::string_view::npos) << a.name;
    }
    // No inline script or style anywhere (the CSP would block it).
    if (a.name.ends_with(".html")) {
      EXPECT_EQ(a.bytes.find("<script>"), std::string_view::npos) << a.name;
      EXPECT_EQ(a.bytes.find("<style"), std::string_view::npos) << a.name;
      EXPECT_EQ(a.bytes.find(" style="), std::string_view::npos) << a.name;
      EXPECT_EQ(a.bytes.find(" onclick="), std::string_view::npos) << a.name;
    }
    // Every script element loads a file (no inline body), and no element has an inline event
    // handler attribute (onload=, onerror=, ...), in the page or in an SVG.
    if (a.name.ends_with(".html") || a.name.ends_with(".svg")) {
      const std::string text(a.bytes);
      for (size_t at = text.find("<script"); at != std::string::npos;
           at = text.find("<script", at + 1)) {
        const size_t end = text.find('>', at);
        ASSERT_NE(end, std::string::npos) << a.name;
        const std::string tag = text.substr(at, end - at);
        EXPECT_TRUE(std::regex_search(tag, std::regex("\\ssrc=\"[^\"]+\"")))
            << a.name << ": " << tag;
        EXPECT_EQ(text.compare(end + 1, 9, "</script>"), 0) << a.name << ": a body after " << tag;
      }
      std::smatch handler;
      const std::regex inline_handler("\\son[a-z]+\\s*=", std::regex::icase);
      EXPECT_FALSE(std::regex_search(text, handler, inline_handler))
          << a.name << ": " << handler.str();
    }
    // Every file is served under its name, byte for byte.
    http::Response r = ServeConsole(RouteMatch{RouteId::kConsoleFile, std::string(a.name)},
                                    Get("/console/" + std::string(a.name)));
    EXPECT_EQ(r.status, 200) << a.name;
    EXPECT_EQ(r.body, a.bytes) << a.name;
    EXPECT_EQ(Header(r, "Content-Type"), std::string(a.content_type));
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (std::string_view want : {"index.html", "app.js", "api.js", "style.css"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  http::Response index = ServeConsole(MatchRoute("GET", "/console/"), Get("/console/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(Header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"app.js\"></script>"), std::string::npos);
}

// The security headers come from the App, on every console-path answer: the cases of the
// ServeConsole tests above (redirect, index, files, 404 in the SCM shape, 304), through the App
// with the built-in table, each carrying every header exactly once.
TEST(ConsoleHandlersTest, AppAddsTheSecurityHeadersToEveryConsoleAnswer) {
  App app(AppDeps{}, AppConfig{});
  http::Request bare = Get("/console");
  http::Response redirect = app.Handle(bare);
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(Header(redirect, "Location"), "/console/");
  ExpectSecurityHeaders(redirect);

  http::Request index_req = Get("/console/");
  http::Response index = app.Handle(index_req);
  EXPECT_EQ(index.status, 200);
  ExpectSecurityHeaders(index);
  http::Request js_req = Get("/console/app.js");
  http::Response js = app.Handle(js_req);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(Header(js, "Content-Type"), "text/javascript; charset=utf-8");
  ExpectSecurityHeaders(js);

  for (std::string path : {"/console/nope.js", "/console/APP.JS", "/console/app%2Ejs",
                           "/console/..%2Fapp.js"}) {
    http::Request req = Get(path, "feedfacefeedfacefeedfacefeedface");
    http::Response r = app.Handle(req);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(json::parse(r.body).as_object()["error_code"].as_string(), "APIGW.0101") << path;
    EXPECT_FALSE(Header(r, "ETag").has_value());
    ExpectSecurityHeaders(r);
  }

  const std::optional<std::string> etag = Header(js, "ETag");
  ASSERT_TRUE(etag.has_value());
  for (std::string hit :
       {*etag, "W/" + *etag, "\"zz\", " + *etag, " \"x\" ,W/" + *etag + " ", std::string("*")}) {
    http::Request req = Get("/console/app.js");
    req.headers.Add("If-None-Match", hit);
    http::Response r = app.Handle(req);
    EXPECT_EQ(r.status, 304) << hit;
    EXPECT_TRUE(r.body.empty()) << hit;
    EXPECT_EQ(Header(r, "ETag"), *etag);
    ExpectSecurityHeaders(r);
  }
}

// Through the App: console routes need no credentials, and every answer on a console path —
// unknown methods and sub-paths included — carries the security headers. The App touches none
// of its services on these paths, so it runs with none.
TEST(ConsoleHandlersTest, AppAnswersConsolePathsWithoutCredentials) {
  App app(AppDeps{}, AppConfig{});
  for (std::string path : {"/console", "/console/", "/console/app.js", "/console/missing.js"}) {
    http::Request req = Get(path);
    EXPECT_FALSE(app.Preflight(req).has_value()) << path;
    http::Response r = app.Handle(req);
    EXPECT_EQ(r.status, path == "/console" ? 301 : path == "/console/missing.js" ? 404 : 200)
        << path;
    ExpectSecurityHeaders(r);
  }
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/console/"}, {"HEAD", "/console/app.js"}, {"GET", "/console/a/b"},
           {"GET", "/console//"}, {"DELETE", "/console"}}) {
    http::Request req = Get(path);
    req.method = method;
    auto pre = app.Preflight(req);
    ASSERT_TRUE(pre.has_value()) << method << " " << path;
    EXPECT_EQ(pre->status, 404);
    ExpectSecurityHeaders(*pre);
    http::Response r = app.Handle(req);
    EXPECT_EQ(r.status, 404);
    ExpectSecurityHeaders(r);
  }
  http::Response rejected = app.Reject(http::Rejection::kBodyTooLarge, "/console/x?y", "ab");
  EXPECT_EQ(rejected.status, 413);
  ExpectSecurityHeaders(rejected);
  // Elsewhere nothing changes.
  http::Request other = Get("/nope");
  auto pre = app.Preflight(other);
  ASSERT_TRUE(pre.has_value());
  EXPECT_FALSE(Header(*pre, "Content-Security-Policy").has_value());
}

}  // namespace
}  // namespace csrd::api
