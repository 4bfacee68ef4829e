#include "api/json_reader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <ostream>
#include <string>

#include "core/json_wiping.h"

namespace csrd::api {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

// n nested objects: {"a":{"a":...{}...}}; "{}" alone has depth 1.
std::string NestedObjects(size_t n) {
  std::string s;
  for (size_t i = 1; i < n; ++i) s += "{\"a\":";
  s += "{}";
  s.append(n - 1, '}');
  return s;
}

// An object holding n - 1 nested arrays: depth n.
std::string NestedArrays(size_t n) {
  return "{\"a\":" + std::string(n - 1, '[') + std::string(n - 1, ']') + "}";
}

struct BodyCase {
  const char* what;
  std::string body;
  const char* message;  // expected exact message for refusals; nullptr = accepted
};

void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.what; }

class ParseJsonObjectTest : public testing::TestWithParam<BodyCase> {};

TEST_P(ParseJsonObjectTest, AcceptsOrRefuses) {
  const BodyCase& c = GetParam();
  Result<json::object> r = ParseJsonObject(c.body);
  if (c.message == nullptr) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_EQ(r.status().message(), c.message);
  }
}

constexpr const char* kNotObject = "body must be a JSON object";
constexpr const char* kInvalid = "body must be valid JSON";
constexpr const char* kDup = "body has a duplicate key";
constexpr const char* kDeep = "body nests deeper than 32 levels";
constexpr const char* kUtf8 = "body must be valid UTF-8";
constexpr const char* kTrailing = "body has data after the JSON object";

INSTANTIATE_TEST_SUITE_P(
    Bodies, ParseJsonObjectTest,
    testing::Values(
        BodyCase{"empty object", "{}", nullptr},
        BodyCase{"python separators", R"({"name": "x", "n": 1, "o": {"k": [1, 2]}})", nullptr},
        BodyCase{"go trailing newline", "{\"a\":1}\n", nullptr},
        BodyCase{"surrounding whitespace", " \r\n\t{\"a\":1} \r\n\t", nullptr},
        BodyCase{"unicode escapes", R"({"p": "\u5317\u4eac", "e": "\ud83d\ude00"})", nullptr},
        BodyCase{"raw utf-8", "{\"p\": \"\xE5\x8C\x97\"}", nullptr},
        BodyCase{"same key in sibling objects",
                 R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":1}]})", nullptr},
        BodyCase{"same key at different levels", R"({"a":{"a":{"a":1}}})", nullptr},
        BodyCase{"depth 32 objects", NestedObjects(32), nullptr},
        BodyCase{"depth 32 arrays", NestedArrays(32), nullptr},
        BodyCase{"null values", R"({"a":null,"b":null})", nullptr},

        BodyCase{"empty body", "", "body must be a JSON object, not empty"},
        BodyCase{"whitespace only", "  \n", kInvalid},
        BodyCase{"top-level array", "[]", kNotObject},
        BodyCase{"top-level array of objects", "[{\"a\":1}]", kNotObject},
        BodyCase{"top-level string", "\"s\"", kNotObject},
        BodyCase{"top-level number", "1", kNotObject},
        BodyCase{"top-level big number", "18446744073709551615", kNotObject},
        BodyCase{"top-level double", "1.5", kNotObject},
        BodyCase{"top-level true", "true", kNotObject},
        BodyCase{"top-level null", "null", kNotObject},
        BodyCase{"trailing garbage", "{\"a\":1}x", kTrailing},
        BodyCase{"two objects", "{\"a\":1}{}", kTrailing},
        BodyCase{"trailing NUL", "{\"a\":1}\0"s, kTrailing},
        BodyCase{"truncated", "{\"a\":1", kInvalid},
        BodyCase{"trailing comma", "{\"a\":1,}", kInvalid},
        BodyCase{"comment", "{/*c*/\"a\":1}", kInvalid},
        BodyCase{"single quotes", "{'a':1}", kInvalid},
        BodyCase{"bare word", "{\"a\":nope}", kInvalid},
        BodyCase{"lone high surrogate", R"({"a":"\ud800"})", kInvalid},
        BodyCase{"lone low surrogate", R"({"a":"\udc00x"})", kInvalid},
        BodyCase{"raw control char in string", "{\"a\":\"x\x01y\"}", kInvalid},
        BodyCase{"duplicate key", R"({"a":1,"a":2})", kDup},
        BodyCase{"duplicate key different types", R"({"name":"x","name":null})", kDup},
        BodyCase{"duplicate nested key", R"({"o":{"k":1,"k":2}})", kDup},
        BodyCase{"duplicate key in object in array", R"({"a":[1,{"k":1,"k":1}]})", kDup},
        BodyCase{"duplicate after escape", R"({"a":1,"\u0061":2})", kDup},
        BodyCase{"duplicate empty keys", R"({"":1,"":2})", kDup},
        BodyCase{"depth 33 objects", NestedObjects(33), kDeep},
        BodyCase{"depth 33 arrays", NestedArrays(33), kDeep},
        BodyCase{"invalid utf-8 in string", "{\"a\":\"\xC3\x28\"}", kUtf8},
        BodyCase{"invalid utf-8 in key", "{\"\xFF\":1}", kUtf8},
        BodyCase{"overlong utf-8", "{\"a\":\"\xC0\xAF\"}", kUtf8},
        BodyCase{"encoded surrogate", "{\"a\":\"\xED\xA0\x80\"}", kUtf8},
        BodyCase{"utf-8 BOM", "\xEF\xBB\xBF{}", kInvalid}),
    [](const testing::TestParamInfo<BodyCase>& info) {
      std::string n;
      for (const char* p = info.param.what; *p; ++p) n += std::isalnum(*p) ? *p : '_';
      return n;
    });

TEST(ParseJsonObjectTest, KeepsDecodedValues) {
  auto r = ParseJsonObject(R"({"name": "\u5317 \"q\" \\ \u0000", "n": 5, "o": {"k": [true]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::string(r->at("name").as_string()), "\xE5\x8C\x97 \"q\" \\ \0"s);
  EXPECT_EQ(r->at("n").as_int64(), 5);
  EXPECT_TRUE(r->at("o").as_object().at("k").as_array()[0].as_bool());
}

TEST(ParseJsonObjectTest, TreeLivesInWipingStorage) {
  // A PEM key in a body: escaped, so its pieces also pass through the stack.
  auto r = ParseJsonObject(R"({"private_key": "-----BEGIN\nx\n", "o": {"a": ["s"]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto* wiping = WipingJsonStorage().get();
  EXPECT_EQ(r->storage().get(), wiping);
  EXPECT_EQ(r->at("private_key").as_string().storage().get(), wiping);
  EXPECT_EQ(r->at("o").as_object().at("a").as_array().storage().get(), wiping);
}

// Refused at the depth limit, so no recursion to blow the stack (a crash here
// fails the test binary).
TEST(ParseJsonObjectTest, RefusesHugeNestingWithoutRecursion) {
  for (const std::string& body :
       {std::string(100000, '['), "{\"a\":" + std::string(100000, '['), [] {
          std::string s;
          for (int i = 0; i < 100000; ++i) s += "{\"a\":";
          return s + "{}" + std::string(100000, '}');
        }()}) {
    auto r = ParseJsonObject(body);
    ASSERT_FALSE(r.ok());
  }
}

std::string ManyKeys(size_t n, bool duplicate_last) {
  std::string s = "{";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ",";
    s += "\"k" + std::to_string(duplicate_last && i == n - 1 ? 0 : i) + "\":" + std::to_string(i);
  }
  return s + "}";
}

// Fastest of three runs, in seconds: a noisy machine only ever adds time.
double BestOfThree(const std::string& body) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = ParseJsonObject(body);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

TEST(ParseJsonObjectTest, LargeObjectsScaleLinearlyAndDuplicatesAreFound) {
  auto ok = ParseJsonObject(ManyKeys(200000, false));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 200000u);
  auto dup = ParseJsonObject(ManyKeys(200000, true));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), kDup);
  // Duplicate detection must not be quadratic (a body of many keys would then
  // be a CPU DoS). A ratio, not a time bound: 8x the keys costs ~8x when linear
  // (or n log n), 64x when quadratic; 24 leaves room for noise and caches.
  const double small = BestOfThree(ManyKeys(25000, true));
  const double large = BestOfThree(ManyKeys(200000, true));
  EXPECT_LT(large, 24 * small) << "25k keys: " << small << " s, 200k keys: " << large << " s";
}

TEST(ParseJsonObjectTest, LongEscapedKeysAreComparedWhole) {
  // Long keys with escapes exercise the parser's key_part path.
  const std::string k(5000, 'x');
  EXPECT_TRUE(ParseJsonObject("{\"" + k + "\\u0041\":1,\"" + k + "\\u0042\":2}").ok());
  auto r = ParseJsonObject("{\"" + k + "\\u0041\":1,\"" + k + "A\":2}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), kDup);
}

TEST(ParseJsonObjectTest, MessagesNeverEchoTheBody) {
  for (const std::string& body :
       {R"({"hunter2secret":1,"hunter2secret":2})"s, R"({"p":"hunter2secret"} hunter2secret)"s,
        R"(["hunter2secret"])"s, "{\"hunter2secret\":\"\xFF\"}"s}) {
    auto r = ParseJsonObject(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << r.status().message();
  }
}

// ---- typed access ----

json::object Obj(std::string_view body) {
  auto r = ParseJsonObject(body);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : json::object();
}

TEST(JsonFieldTest, OptionalString) {
  json::object o = Obj(R"({"s":"v","e":"","n":null,"i":5,"b":true,"a":[],"o":{}})");
  auto s = GetOptionalString(o, "s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value(), std::optional<std::string>("v"));
  EXPECT_EQ(GetOptionalString(o, "e").value(), std::optional<std::string>(""));
  EXPECT_EQ(GetOptionalString(o, "n").value(), std::nullopt);
  EXPECT_EQ(GetOptionalString(o, "missing").value(), std::nullopt);
  for (const char* k : {"i", "b", "a", "o"}) {
    auto r = GetOptionalString(o, k, "auth.x");
    ASSERT_FALSE(r.ok()) << k;
    EXPECT_EQ(r.status().message(), "auth.x." + std::string(k) + ": must be a string");
  }
}

TEST(JsonFieldTest, RequiredString) {
  json::object o = Obj(R"({"s":"v","n":null,"i":"5","num":5})");
  EXPECT_EQ(GetRequiredString(o, "s").value(), "v");
  EXPECT_EQ(GetRequiredString(o, "i").value(), "5");
  EXPECT_EQ(GetRequiredString(o, "n").status().message(), "n is required");
  EXPECT_EQ(GetRequiredString(o, "missing").status().message(), "missing is required");
  EXPECT_EQ(GetRequiredString(o, "num").status().message(), "num: must be a string");
}

TEST(JsonFieldTest, ObjectsAndArrays) {
  json::object o = Obj(R"({"o":{"k":1},"a":[1],"n":null,"s":"x"})");
  EXPECT_EQ(GetOptionalObject(o, "o").value()->size(), 1u);
  EXPECT_EQ(GetOptionalObject(o, "n").value(), nullptr);
  EXPECT_EQ(GetOptionalObject(o, "missing").value(), nullptr);
  EXPECT_EQ(GetOptionalObject(o, "a").status().message(), "a: must be an object");
  EXPECT_EQ(GetRequiredObject(o, "n", "auth").status().message(), "auth.n is required");
  EXPECT_TRUE(GetRequiredObject(o, "o").ok());
  EXPECT_EQ(GetOptionalArray(o, "a").value()->size(), 1u);
  EXPECT_EQ(GetOptionalArray(o, "n").value(), nullptr);
  EXPECT_EQ(GetOptionalArray(o, "s").status().message(), "s: must be an array");
  EXPECT_EQ(GetRequiredArray(o, "missing").status().message(), "missing is required");
}

TEST(JsonFieldTest, IntegersAndBools) {
  json::object o = Obj(R"({"i":900,"neg":-1,"d":900.0,"e":9e2,"s":"900",)"
                       R"("big":18446744073709551615,"b":false,"n":null})");
  EXPECT_EQ(GetOptionalInt64(o, "i").value(), std::optional<int64_t>(900));
  EXPECT_EQ(GetOptionalInt64(o, "neg").value(), std::optional<int64_t>(-1));
  EXPECT_EQ(GetOptionalInt64(o, "n").value(), std::nullopt);
  EXPECT_EQ(GetOptionalInt64(o, "d").status().message(), "d: must be an integer");
  EXPECT_EQ(GetOptionalInt64(o, "e").status().message(), "e: must be an integer");
  EXPECT_EQ(GetOptionalInt64(o, "s").status().message(), "s: must be an integer");
  EXPECT_FALSE(GetOptionalInt64(o, "big").ok());
  EXPECT_EQ(GetOptionalBool(o, "b").value(), std::optional<bool>(false));
  EXPECT_EQ(GetOptionalBool(o, "n").value(), std::nullopt);
  EXPECT_EQ(GetOptionalBool(o, "i").status().message(), "i: must be a boolean");
}

}  // namespace
}  // namespace csrd::api
