// GET /v3/scm/audit-events: the query rules, the JSON of an event, and the
// handler over a real SQLite store (the caller's account only, newest first).
#include "api/audit_handlers.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace csrd::api {
namespace {

namespace json = boost::json;

Status Bad(std::string_view query) { return ParseListAuditQuery(query).status(); }

TEST(ParseListAuditQueryTest, Defaults) {
  for (const char* q : {"", "limit=&offset=&action=&since=", "unknown=1&x", "&&"}) {
    auto r = ParseListAuditQuery(q);
    ASSERT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    EXPECT_EQ(r->limit, 100);
    EXPECT_EQ(r->offset, 0);
    EXPECT_EQ(r->action, "");
    EXPECT_EQ(r->resource_id, "");
    EXPECT_EQ(r->user_id, "");
    EXPECT_EQ(r->since, 0);
    EXPECT_EQ(r->until, INT64_MAX);
  }
}

TEST(ParseListAuditQueryTest, EveryParameter) {
  auto r = ParseListAuditQuery(
      "limit=1000&offset=2147483647&action=scm%3A%3AcreateCsr&resource_id=AK+1"
      "&user_id=0123abc&since=1764489600000&until=1764489600000");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->limit, 1000);
  EXPECT_EQ(r->offset, 2147483647);
  EXPECT_EQ(r->action, "scm::createCsr");
  EXPECT_EQ(r->resource_id, "AK+1");  // '+' is a literal plus
  EXPECT_EQ(r->user_id, "0123abc");
  EXPECT_EQ(r->since, 1764489600000);
  EXPECT_EQ(r->until, 1764489600000);
  EXPECT_EQ(ParseListAuditQuery("limit=1")->limit, 1);
  EXPECT_EQ(ParseListAuditQuery("limit=007")->limit, 7);
  EXPECT_EQ(ParseListAuditQuery("until=253402300799999")->until, 253402300799999);
  EXPECT_EQ(ParseListAuditQuery("since=0&until=0")->until, 0);
  EXPECT_EQ(ParseListAuditQuery("action=" + std::string(128, 'a'))->action.size(), 128u);
}

TEST(ParseListAuditQueryTest, MalformedIsInvalidArgumentNamingTheParameter) {
  struct Case {
    const char* query;
    const char* param;
  };
  for (const Case& c : {Case{"limit=0", "limit"}, Case{"limit=1001", "limit"},
                        Case{"limit=-1", "limit"}, Case{"limit=+5", "limit"},
                        Case{"limit=1e2", "limit"}, Case{"limit=%2010", "limit"},
                        Case{"limit=99999999999999999999999", "limit"},
                        Case{"offset=-1", "offset"}, Case{"offset=2147483648", "offset"},
                        Case{"offset=abc", "offset"}, Case{"since=-5", "since"},
                        Case{"since=1.5", "since"}, Case{"until=253402300800000", "until"},
                        Case{"since=10&until=9", "since"}, Case{"limit=10&limit=10", "limit"},
                        Case{"action=a&action=", "action"},
                        Case{"resource_id=%0A", "resource_id"},
                        Case{"user_id=%FF", "user_id"},
                        Case{"action=a%", "query"}}) {
    const Status st = Bad(c.query);
    EXPECT_TRUE(st.IsInvalidArgument()) << c.query;
    EXPECT_EQ(st.message().rfind(c.param, 0), 0u) << c.query << ": " << st.message();
  }
  EXPECT_TRUE(Bad("action=" + std::string(129, 'a')).IsInvalidArgument());
  // The value is never echoed.
  EXPECT_EQ(Bad("limit=SECRETVALUE").message().find("SECRETVALUE"), std::string::npos);
}

store::AuditEvent Sample() {
  store::AuditEvent e;
  e.id = 17;
  e.time = 1764489600123;
  e.account_id = "acct";
  e.user_id = "uid";
  e.user_name = "alice \"the\" admin";
  e.action = "scm::getCsrPrivateKey";
  e.resource_id = "csr1";
  e.remote_addr = "127.0.0.1";
  e.request_id = "0123456789abcdef0123456789abcdef";
  e.outcome = "success";
  e.detail = "d";
  return e;
}

TEST(AuditEventToJsonTest, FieldsInOrder) {
  EXPECT_EQ(json::serialize(AuditEventToJson(Sample())),
            R"({"id":17,"time":1764489600123,"account_id":"acct","user_id":"uid",)"
            R"("user_name":"alice \"the\" admin","action":"scm::getCsrPrivateKey",)"
            R"("resource_id":"csr1","remote_addr":"127.0.0.1",)"
            R"("request_id":"0123456789abcdef0123456789abcdef","outcome":"success",)"
            R"("detail":"d"})");
}

class AuditHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csrd-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = store::OpenSqliteStore(dir_ + "/csrd.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    deps_.store = store_.get();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // GET /v3/scm/audit-events?query as a caller of account.
  http::Response Get(const std::string& query, const std::string& account = "acct") {
    req_ = http::Request();
    req_.method = "GET";
    req_.path = "/v3/scm/audit-events";
    req_.query = query;
    req_.remote_addr = "192.0.2.9";
    req_.request_id = "ffffffffffffffffffffffffffffffff";
    Call call{req_, RouteMatch{RouteId::kListAuditEvents, ""}, identity::Principal(), std::nullopt};
    call.principal->account_id = account;
    call.principal->user_id = "uid";
    call.principal->user_name = "alice";
    AuditHandlers h(deps_);
    return h.List(call);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  AppDeps deps_;
  http::Request req_;
};

TEST_F(AuditHandlersTest, ListsTheCallersAccountNewestFirst) {
  for (int i = 0; i < 3; ++i) {
    store::AuditEvent e = Sample();
    e.time = 1000 + i;
    e.resource_id = "csr" + std::to_string(i);
    ASSERT_TRUE(store_->InsertAudit(e).ok());
  }
  store::AuditEvent other = Sample();
  other.account_id = "other";
  ASSERT_TRUE(store_->InsertAudit(other).ok());

  http::Response r = Get("limit=2&offset=0");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = json::parse(r.body);
  EXPECT_EQ(v.at("total").as_int64(), 3);
  const json::array& items = v.at("audit_events").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("resource_id").as_string(), "csr2");
  EXPECT_EQ(items[1].at("resource_id").as_string(), "csr1");
  EXPECT_EQ(items[0].at("account_id").as_string(), "acct");

  v = json::parse(Get("resource_id=csr0").body);
  EXPECT_EQ(v.at("total").as_int64(), 1);
  v = json::parse(Get("since=1001&until=1001").body);
  EXPECT_EQ(v.at("total").as_int64(), 1);
  EXPECT_EQ(v.at("audit_events").as_array()[0].at("time").as_int64(), 1001);
  v = json::parse(Get("", "nobody").body);
  EXPECT_EQ(v.at("total").as_int64(), 0);
  EXPECT_TRUE(v.at("audit_events").as_array().empty());
}

TEST_F(AuditHandlersTest, BadQueryIs400Scm0005WithTheRequestId) {
  http::Response r = Get("limit=0");
  EXPECT_EQ(r.status, 400);
  json::value v = json::parse(r.body);
  EXPECT_EQ(v.at("error_code").as_string(), "SCM.0005");
  EXPECT_EQ(v.at("request_id").as_string(), "ffffffffffffffffffffffffffffffff");
}

TEST(CallerAuditEventTest, NamesTheCallerAndTheRequest) {
  http::Request req;
  req.remote_addr = "2001:db8::1";
  req.request_id = "abc";
  Call call{req, RouteMatch{RouteId::kDeleteCsr, "x"}, identity::Principal(), std::nullopt};
  call.principal->account_id = "acct";
  call.principal->user_id = "uid";
  call.principal->user_name = "alice";
  store::AuditEvent e = CallerAuditEvent(call, 42, "scm::deleteCsr", "csr9", "why");
  EXPECT_EQ(e.time, 42);
  EXPECT_EQ(e.account_id, "acct");
  EXPECT_EQ(e.user_id, "uid");
  EXPECT_EQ(e.user_name, "alice");
  EXPECT_EQ(e.action, "scm::deleteCsr");
  EXPECT_EQ(e.resource_id, "csr9");
  EXPECT_EQ(e.remote_addr, "2001:db8::1");
  EXPECT_EQ(e.request_id, "abc");
  EXPECT_EQ(e.outcome, "success");
  EXPECT_EQ(e.detail, "why");
}

}  // namespace
}  // namespace csrd::api
