#include "api/query.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace csrd::api {
namespace {

using namespace std::string_literals;

TEST(PercentDecodeTest, DecodesOnce) {
  EXPECT_EQ(PercentDecode("").value(), "");
  EXPECT_EQ(PercentDecode("abc").value(), "abc");
  EXPECT_EQ(PercentDecode("a%20b").value(), "a b");
  EXPECT_EQ(PercentDecode("%25_").value(), "%_");
  EXPECT_EQ(PercentDecode("%2525").value(), "%25");  // once only
  EXPECT_EQ(PercentDecode("a+b").value(), "a+b");    // '+' is a literal plus
  EXPECT_EQ(PercentDecode("%2B").value(), "+");
  EXPECT_EQ(PercentDecode("%c3%A9").value(), "\xC3\xA9");
  EXPECT_EQ(PercentDecode("%00").value(), "\0"s);
  EXPECT_EQ(PercentDecode("%2F%3F%26%3D").value(), "/?&=");
  EXPECT_EQ(PercentDecode("%FF").value(), "\xFF");  // bytes; callers check UTF-8
}

TEST(PercentDecodeTest, RefusesMalformedEscapes) {
  for (const char* bad : {"%", "%4", "a%", "%G1", "%1G", "%zz", "%%41", "abc%2", "% 1", "%-1"}) {
    const Status s = PercentDecode(bad).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_EQ(s.message(), "malformed percent-escape");
  }
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQueryTest, SplitsAndDecodes) {
  EXPECT_EQ(ParseQuery("").value(), Pairs{});
  EXPECT_EQ(ParseQuery("a=1&b=2").value(), (Pairs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(ParseQuery("a=1=2").value(), (Pairs{{"a", "1=2"}}));  // first '=' only
  EXPECT_EQ(ParseQuery("a&b=").value(), (Pairs{{"a", ""}, {"b", ""}}));
  EXPECT_EQ(ParseQuery("&&a=1&").value(), (Pairs{{"a", "1"}}));
  EXPECT_EQ(ParseQuery("a=1&a=2").value(), (Pairs{{"a", "1"}, {"a", "2"}}));
  EXPECT_EQ(ParseQuery("n%61me=a%26b%3Dc").value(), (Pairs{{"name", "a&b=c"}}));
  EXPECT_EQ(ParseQuery("=v").value(), (Pairs{{"", "v"}}));
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a%=1").ok());
}

struct ListCase {
  const char* what;
  std::string query;
  const char* message;  // nullptr: accepted
  int limit = 10;
  int64_t offset = 0;
  std::string name = "";
  std::string algo = "";
};

void PrintTo(const ListCase& c, std::ostream* os) { *os << c.what; }

class ListQueryTest : public testing::TestWithParam<ListCase> {};

TEST_P(ListQueryTest, Rule) {
  const ListCase& c = GetParam();
  auto r = ParseListCsrQuery(c.query);
  if (c.message == nullptr) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->limit, c.limit);
    EXPECT_EQ(r->offset, c.offset);
    EXPECT_EQ(r->name, c.name);
    EXPECT_EQ(r->private_key_algo, c.algo);
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_EQ(r.status().message(), c.message);
  }
}

constexpr const char* kLimit = "limit: must be decimal digits, 10..50";
constexpr const char* kOffset = "offset: must be decimal digits, 0..2147483647";
constexpr const char* kAlgo =
    "private_key_algo: must be one of RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P384, SM2";
const std::string kBei = "\xE5\x8C\x97";  // 北, one code point
std::string Bei(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "%E5%8C%97";
  return s;
}
std::string Raw(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kBei;
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Queries, ListQueryTest,
    testing::Values(
        ListCase{"no query", "", nullptr},
        ListCase{"python sdk",
                 "limit=10&name=sdk-personal-66cacb97&offset=0&private_key_algo=RSA_2048", nullptr,
                 10, 0, "sdk-personal-66cacb97", "RSA_2048"},
        ListCase{"node order", "private_key_algo=SM2&offset=5&limit=20", nullptr, 20, 5, "", "SM2"},
        ListCase{"limit 9", "limit=9", kLimit}, ListCase{"limit 10", "limit=10", nullptr, 10},
        ListCase{"limit 50", "limit=50", nullptr, 50}, ListCase{"limit 51", "limit=51", kLimit},
        ListCase{"limit 0", "limit=0", kLimit},
        ListCase{"limit leading zero", "limit=010", nullptr, 10},
        ListCase{"limit exponent", "limit=1e1", kLimit},
        ListCase{"limit plus", "limit=+10", kLimit},
        ListCase{"limit encoded plus", "limit=%2B10", kLimit},
        ListCase{"limit space", "limit=%2010", kLimit},
        ListCase{"limit trailing space", "limit=10%20", kLimit},
        ListCase{"limit negative", "limit=-10", kLimit},
        ListCase{"limit hex", "limit=0x10", kLimit},
        ListCase{"limit decimal", "limit=10.0", kLimit},
        ListCase{"limit huge", "limit=99999999999999999999999999", kLimit},
        ListCase{"limit empty is default", "limit=", nullptr, 10},
        ListCase{"limit bare is default", "limit", nullptr, 10},
        ListCase{"limit repeated", "limit=10&limit=20", "limit: must not be repeated"},
        ListCase{"limit repeated same", "limit=10&limit=10", "limit: must not be repeated"},
        ListCase{"limit repeated empty", "limit=&limit=20", "limit: must not be repeated"},
        ListCase{"limit encoded name", "%6Cimit=20", nullptr, 20},
        ListCase{"limit encoded repeat", "limit=20&%6Cimit=20", "limit: must not be repeated"},
        ListCase{"offset 0", "offset=0", nullptr, 10, 0},
        ListCase{"offset max", "offset=2147483647", nullptr, 10, 2147483647},
        ListCase{"offset max leading zeros", "offset=0002147483647", nullptr, 10, 2147483647},
        ListCase{"offset over", "offset=2147483648", kOffset},
        ListCase{"offset int64 overflow", "offset=99999999999999999999999", kOffset},
        ListCase{"offset negative", "offset=-1", kOffset},
        ListCase{"offset plus", "offset=+1", kOffset},
        ListCase{"offset space", "offset=%201", kOffset},
        ListCase{"offset empty", "offset=", nullptr},
        ListCase{"offset repeated", "offset=1&offset=2", "offset: must not be repeated"},
        ListCase{"name 32", "name=" + std::string(32, 'n'), nullptr, 10, 0, std::string(32, 'n')},
        ListCase{"name 33", "name=" + std::string(33, 'n'), "name: must be at most 32 characters"},
        ListCase{"name 32 multibyte", "name=" + Bei(32), nullptr, 10, 0, Raw(32)},
        ListCase{"name 33 multibyte", "name=" + Bei(33), "name: must be at most 32 characters"},
        ListCase{"name percent underscore", "name=%25_", nullptr, 10, 0, "%_"},
        ListCase{"name plus literal", "name=a+b", nullptr, 10, 0, "a+b"},
        ListCase{"name space", "name=a%20b", nullptr, 10, 0, "a b"},
        ListCase{"name reserved", "name=a%20b%26c%3Dd%2B%C3%A9%2F~", nullptr, 10, 0,
                 "a b&c=d+\xC3\xA9/~"},
        ListCase{"name raw utf8", "name=" + Raw(2), nullptr, 10, 0, Raw(2)},
        ListCase{"name invalid utf8", "name=%FF", "name: must be valid UTF-8"},
        ListCase{"name empty", "name=", nullptr},
        ListCase{"name repeated", "name=a&name=b", "name: must not be repeated"},
        ListCase{"name malformed", "name=%zz", "query: malformed percent-escape"},
        ListCase{"algo ok", "private_key_algo=EC_P384", nullptr, 10, 0, "", "EC_P384"},
        ListCase{"algo lower", "private_key_algo=ec_p384", kAlgo},
        ListCase{"algo unknown", "private_key_algo=RSA_1024", kAlgo},
        ListCase{"algo empty", "private_key_algo=", nullptr},
        ListCase{"algo repeated", "private_key_algo=SM2&private_key_algo=SM2",
                 "private_key_algo: must not be repeated"},
        ListCase{"unknown ignored", "foo=bar&limit=20&Limit=99&x", nullptr, 20},
        ListCase{"unknown repeated ignored", "foo=1&foo=2", nullptr},
        ListCase{"unknown malformed", "foo=%G1", "query: malformed percent-escape"},
        ListCase{"truncated escape", "limit=1%", "query: malformed percent-escape"}),
    [](const testing::TestParamInfo<ListCase>& info) {
      std::string n;
      for (const char* p = info.param.what; *p; ++p) n += std::isalnum(*p) ? *p : '_';
      return n;
    });

TEST(ListQueryTest, MessagesNeverEchoValues) {
  for (const char* q : {"limit=hunter2", "offset=hunter2", "private_key_algo=hunter2",
                        "name=hunter2hunter2hunter2hunter2hunter2", "name=hunter2%zz"}) {
    auto r = ParseListCsrQuery(q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace csrd::api
