#include "api/openapi_doc.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/console_assets.h"
#include "api/console_handlers.h"
#include "api/errors.h"
#include "api/json_reader.h"
#include "api/router.h"

namespace csrd::api {
namespace {

namespace json = boost::json;

using MethodPath = std::pair<std::string, std::string>;  // ("GET", "/v3/scm/csr/{id}")

// The document, parsed with the server's own strict reader (duplicate keys refused).
json::object Document() {
  auto doc = ParseJsonObject(OpenApiDocument());
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  return doc.ok() ? std::move(doc).value() : json::object();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

bool IsHttpMethod(std::string_view key) {
  static const std::set<std::string_view> kMethods = {"get",  "put",     "post", "delete",
                                                      "head", "options", "patch", "trace"};
  return kMethods.count(key) != 0;
}

// Every (METHOD, path) operation of the document, with its operation object.
std::vector<std::pair<MethodPath, const json::object*>> Operations(const json::object& doc) {
  std::vector<std::pair<MethodPath, const json::object*>> out;
  const json::value* paths = doc.if_contains("paths");
  if (paths == nullptr || !paths->is_object()) {
    ADD_FAILURE() << "the document has no paths object";
    return out;
  }
  for (const auto& [path, item] : paths->get_object()) {
    if (!item.is_object()) {
      ADD_FAILURE() << "path item " << path << " is not an object";
      continue;
    }
    for (const auto& [key, op] : item.get_object()) {
      if (!IsHttpMethod(key)) continue;
      EXPECT_TRUE(op.is_object()) << key << " " << path;
      if (!op.is_object()) continue;
      out.push_back({{Upper(key), std::string(path)}, &op.get_object()});
    }
  }
  return out;
}

TEST(OpenApiTest, IsOneJsonObjectOfOpenApi303) {
  const std::string_view text = OpenApiDocument();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.front(), '{');
  EXPECT_EQ(text.back(), '\n');  // byte-exact copy of the file, final newline included
  json::object doc = Document();
  ASSERT_TRUE(doc.contains("openapi") && doc["openapi"].is_string());
  EXPECT_EQ(doc["openapi"].get_string(), "3.0.3");
  EXPECT_TRUE(doc.contains("info"));
  EXPECT_TRUE(doc.contains("components"));
}

TEST(OpenApiTest, DocumentsEveryRouteAndNothingElse) {
  json::object doc = Document();
  std::set<MethodPath> documented;
  for (const auto& [mp, op] : Operations(doc)) {
    EXPECT_TRUE(documented.insert(mp).second) << "twice: " << mp.first << " " << mp.second;
  }
  std::set<MethodPath> routed;
  for (const RouteInfo& r : AllRoutes()) {
    routed.insert({std::string(r.method), std::string(r.path_template)});
  }
  for (const auto& mp : routed) {
    EXPECT_TRUE(documented.count(mp)) << "route without documentation: " << mp.first << " "
                                      << mp.second << " (add it to api/openapi.json)";
  }
  for (const auto& mp : documented) {
    EXPECT_TRUE(routed.count(mp)) << "documented but not routed: " << mp.first << " " << mp.second;
  }
  EXPECT_EQ(documented.size(), AllRoutes().size());
}

TEST(OpenApiTest, OperationIdsAreTheHuaweiOperationNames) {
  json::object doc = Document();
  std::map<MethodPath, const json::object*> ops;
  for (const auto& [mp, op] : Operations(doc)) ops[mp] = op;
  for (const RouteInfo& r : AllRoutes()) {
    const std::string_view name = OperationName(r.id);
    if (name.empty()) continue;  // operations routes (health, metrics, ...) name themselves
    auto it = ops.find({std::string(r.method), std::string(r.path_template)});
    if (it == ops.end()) continue;  // reported by DocumentsEveryRouteAndNothingElse
    const json::value* id = it->second->if_contains("operationId");
    ASSERT_TRUE(id != nullptr && id->is_string()) << r.method << " " << r.path_template;
    EXPECT_EQ(std::string_view(id->get_string()), name) << r.method << " " << r.path_template;
  }
}

// The path decides the error shape (contract §6): every documented error of an operation must be
// one of the shared responses of that shape.
TEST(OpenApiTest, ErrorResponsesUseTheShapeThePathCallsFor) {
  json::object doc = Document();
  int checked = 0;
  for (const auto& [mp, op] : Operations(doc)) {
    const json::value* responses = op->if_contains("responses");
    ASSERT_NE(responses, nullptr) << mp.first << " " << mp.second;
    const bool keystone = UsesKeystoneShape(mp.second);
    for (const auto& [status, resp] : responses->get_object()) {
      if (status.empty() || status[0] < '4') continue;
      const json::value* ref = resp.is_object() ? resp.get_object().if_contains("$ref") : nullptr;
      ASSERT_NE(ref, nullptr) << mp.first << " " << mp.second << " " << status
                              << ": errors must be shared components";
      ASSERT_TRUE(ref->is_string());
      const std::string_view target = ref->get_string();
      const std::string_view want = keystone ? "#/components/responses/Keystone"
                                             : "#/components/responses/";
      EXPECT_EQ(target.substr(0, want.size()), want) << mp.first << " " << mp.second;
      if (!keystone) {
        EXPECT_EQ(target.find("Keystone"), std::string_view::npos)
            << mp.first << " " << mp.second << " " << status << " uses " << target;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

// What the document says of the console is what csrd sends: the Content-Security-Policy, the
// ETag's shape (for every built-in file), and the content types of the built-in files.
const json::object& At(const json::object& o, std::initializer_list<std::string_view> keys) {
  static const json::object kEmpty;
  const json::object* cur = &o;
  for (std::string_view k : keys) {
    const json::value* v = cur->if_contains(k);
    if (v == nullptr || !v->is_object()) {
      ADD_FAILURE() << "no object at " << k;
      return kEmpty;
    }
    cur = &v->get_object();
  }
  return *cur;
}

std::string OnlyEnumValue(const json::object& header) {
  const json::value* schema = header.if_contains("schema");
  if (schema == nullptr || !schema->is_object()) return "";
  const json::value* e = schema->get_object().if_contains("enum");
  if (e == nullptr || !e->is_array() || e->get_array().size() != 1) return "";
  const json::value& v = e->get_array()[0];
  return v.is_string() ? std::string(v.get_string()) : "";
}

TEST(OpenApiTest, ConsoleCspIsTheOneSent) {
  json::object doc = Document();
  EXPECT_EQ(OnlyEnumValue(At(doc, {"components", "headers", "ConsoleCsp"})), kConsoleCsp);
}

TEST(OpenApiTest, ConsoleETagPatternMatchesEveryBuiltInFile) {
  json::object doc = Document();
  const json::object& schema = At(doc, {"components", "headers", "ConsoleETag", "schema"});
  const json::value* pattern = schema.if_contains("pattern");
  ASSERT_TRUE(pattern != nullptr && pattern->is_string());
  const std::regex re(std::string(pattern->get_string()), std::regex::ECMAScript);
  ASSERT_FALSE(ConsoleAssets().empty());
  for (const ConsoleAsset& a : ConsoleAssets()) {
    EXPECT_TRUE(std::regex_search(std::string(a.etag), re)) << a.name << ": " << a.etag;
  }
  EXPECT_FALSE(std::regex_search(std::string("\"0123\""), re));  // the pattern does refuse
}

TEST(OpenApiTest, BuiltInConsoleContentTypesAreDocumented) {
  json::object doc = Document();
  const json::object& file_types =
      At(doc, {"paths", "/console/{file}", "get", "responses", "200", "content"});
  const json::object& index_types =
      At(doc, {"paths", "/console/", "get", "responses", "200", "content"});
  EXPECT_TRUE(index_types.contains("text/html; charset=utf-8"));
  ASSERT_FALSE(ConsoleAssets().empty());
  for (const ConsoleAsset& a : ConsoleAssets()) {
    EXPECT_TRUE(file_types.contains(a.content_type))
        << a.name << ": " << a.content_type << " is not documented for /console/{file}";
  }
}

}  // namespace
}  // namespace csrd::api
