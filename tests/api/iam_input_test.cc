#include "api/iam_input.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "api/json_reader.h"
#include "identity/policy.h"

namespace csrd::api {
namespace {

namespace json = boost::json;

Result<PasswordAuthInput> Parse(std::string_view body) {
  auto obj = ParseJsonObject(body);
  if (!obj.ok()) return obj.status();
  return ParsePasswordAuth(obj.value());
}

TEST(ParsePasswordAuthTest, DocumentedDomainScopedBody) {
  auto r = Parse(R"({"auth": {"identity": {"methods": ["password"],
      "password": {"user": {"domain": {"name": "acme"}, "name": "alice", "password": "pw secret"}}},
      "scope": {"domain": {"name": "acme"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user_name, "alice");
  EXPECT_EQ(r->user_id, "");
  EXPECT_EQ(r->domain_name, "acme");
  EXPECT_EQ(r->domain_id, "");
  EXPECT_EQ(r->password.view(), "pw secret");
  EXPECT_EQ(r->scope_domain_name, "acme");
  EXPECT_TRUE(r->domain_scoped());
  EXPECT_FALSE(r->project_scoped());
}

TEST(ParsePasswordAuthTest, GoSdkScopeNullAndTrailingNewline) {
  auto r = Parse(
      "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"domain\":"
      "{\"name\":\"acme\"},\"name\":\"alice\",\"password\":\"pw\"}}},\"scope\":null}}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->domain_scoped());
  EXPECT_FALSE(r->project_scoped());
}

TEST(ParsePasswordAuthTest, ScopeVariants) {
  const std::string head =
      R"({"auth": {"identity": {"methods": ["password"], "password": {"user": )"
      R"({"domain": {"name": "acme"}, "name": "alice", "password": "pw"}}})";
  auto r = Parse(head + "}}");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->domain_scoped());

  r = Parse(head + R"(, "scope": {}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->domain_scoped());
  EXPECT_FALSE(r->project_scoped());

  r = Parse(head + R"(, "scope": {"domain": {"id": "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scope_domain_id, "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0");
  EXPECT_EQ(r->scope_domain_name, "");
  EXPECT_TRUE(r->domain_scoped());

  r = Parse(head + R"(, "scope": {"project": {"name": "cn-north-4"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scope_project_name, "cn-north-4");
  EXPECT_TRUE(r->project_scoped());
  EXPECT_FALSE(r->domain_scoped());

  r = Parse(head + R"(, "scope": {"project": {"id": "p1"}, "domain": {"name": "acme"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scope_project_id, "p1");
  EXPECT_EQ(r->scope_domain_name, "acme");  // both recorded; project wins in the handler
  EXPECT_TRUE(r->project_scoped());

  r = Parse(head + R"(, "scope": {"domain": null, "project": null}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->domain_scoped());
  EXPECT_FALSE(r->project_scoped());
}

TEST(ParsePasswordAuthTest, UserAndDomainByIdAccepted) {
  auto r = Parse(R"({"auth": {"identity": {"methods": ["password"],
      "password": {"user": {"id": "u1", "password": "pw"}}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->domain_name, "");

  r = Parse(R"({"auth": {"identity": {"methods": ["password"],
      "password": {"user": {"name": "alice", "domain": {"id": "d1"}, "password": ""}}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->domain_id, "d1");
  EXPECT_TRUE(r->password.empty());
}

struct BadCase {
  const char* what;
  const char* body;
  const char* message;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.what; }

class ParsePasswordAuthBadTest : public testing::TestWithParam<BadCase> {};

TEST_P(ParsePasswordAuthBadTest, Refused) {
  auto r = Parse(GetParam().body);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(), GetParam().message);
  EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);
}

#define WITH_USER(u) \
  R"({"auth": {"identity": {"methods": ["password"], "password": {"user": )" u R"(}}}})"
#define USER_OK R"("user": {"domain": {"name": "acme"}, "name": "alice", "password": "hunter2"})"

INSTANTIATE_TEST_SUITE_P(
    Bodies, ParsePasswordAuthBadTest,
    testing::Values(
        BadCase{"no auth", R"({})", "auth is required"},
        BadCase{"auth null", R"({"auth": null})", "auth is required"},
        BadCase{"auth string", R"({"auth": "x"})", "auth: must be an object"},
        BadCase{"no identity", R"({"auth": {}})", "auth.identity is required"},
        BadCase{"no methods", R"({"auth": {"identity": {"password": {)" USER_OK R"(}}}})",
                "auth.identity.methods is required"},
        BadCase{"methods string",
                R"({"auth": {"identity": {"methods": "password", "password": {)" USER_OK R"(}}}})",
                "auth.identity.methods: must be an array"},
        BadCase{"methods token",
                R"({"auth": {"identity": {"methods": ["token"], "password": {)" USER_OK R"(}}}})",
                "auth.identity.methods: must be [\"password\"]"},
        BadCase{"methods empty",
                R"({"auth": {"identity": {"methods": [], "password": {)" USER_OK R"(}}}})",
                "auth.identity.methods: must be [\"password\"]"},
        BadCase{"methods mfa",
                R"({"auth": {"identity": {"methods": ["password", "totp"], "password": {)" USER_OK
                R"(}}}})",
                "auth.identity.methods: must be [\"password\"]"},
        BadCase{"methods case",
                R"({"auth": {"identity": {"methods": ["Password"], "password": {)" USER_OK
                R"(}}}})",
                "auth.identity.methods: must be [\"password\"]"},
        BadCase{"methods number",
                R"({"auth": {"identity": {"methods": [1], "password": {)" USER_OK R"(}}}})",
                "auth.identity.methods: must be [\"password\"]"},
        BadCase{"no password object", R"({"auth": {"identity": {"methods": ["password"]}}})",
                "auth.identity.password is required"},
        BadCase{"no user", R"({"auth": {"identity": {"methods": ["password"], "password": {}}}})",
                "auth.identity.password.user is required"},
        BadCase{"user without name or id",
                WITH_USER(R"({"domain": {"name": "acme"}, "password": "hunter2"})"),
                "auth.identity.password.user: name or id is required"},
        BadCase{"user name empty",
                WITH_USER(R"({"name": "", "domain": {"name": "acme"}, "password": "hunter2"})"),
                "auth.identity.password.user.name: must not be empty"},
        BadCase{"user name number",
                WITH_USER(R"({"name": 7, "domain": {"name": "acme"}, "password": "hunter2"})"),
                "auth.identity.password.user.name: must be a string"},
        BadCase{"missing password", WITH_USER(R"({"name": "alice", "domain": {"name": "acme"}})"),
                "auth.identity.password.user.password is required"},
        BadCase{"password null",
                WITH_USER(R"({"name": "alice", "domain": {"name": "acme"}, "password": null})"),
                "auth.identity.password.user.password is required"},
        BadCase{"password number",
                WITH_USER(R"({"name": "alice", "domain": {"name": "acme"}, "password": 1234})"),
                "auth.identity.password.user.password: must be a string"},
        BadCase{"missing domain for user name",
                WITH_USER(R"({"name": "alice", "password": "hunter2"})"),
                "auth.identity.password.user.domain is required"},
        BadCase{"empty domain",
                WITH_USER(R"({"name": "alice", "domain": {}, "password": "hunter2"})"),
                "auth.identity.password.user.domain: name or id is required"},
        BadCase{"domain string",
                WITH_USER(R"({"name": "alice", "domain": "acme", "password": "hunter2"})"),
                "auth.identity.password.user.domain: must be an object"},
        BadCase{"scope string",
                R"({"auth": {"identity": {"methods": ["password"], "password": {)" USER_OK
                R"(}}, "scope": "acme"}})",
                "auth.scope: must be an object"},
        BadCase{"scope domain empty",
                R"({"auth": {"identity": {"methods": ["password"], "password": {)" USER_OK
                R"(}}, "scope": {"domain": {}}}})",
                "auth.scope.domain: name or id is required"},
        BadCase{"scope project id empty",
                R"({"auth": {"identity": {"methods": ["password"], "password": {)" USER_OK
                R"(}}, "scope": {"project": {"id": ""}}}})",
                "auth.scope.project.id: must not be empty"},
        BadCase{"scope project array",
                R"({"auth": {"identity": {"methods": ["password"], "password": {)" USER_OK
                R"(}}, "scope": {"project": []}}})",
                "auth.scope.project: must be an object"}),
    [](const testing::TestParamInfo<BadCase>& info) {
      std::string n;
      for (const char* p = info.param.what; *p; ++p) n += std::isalnum(*p) ? *p : '_';
      return n;
    });

// ---- securitytokens ----

Result<TemporaryKeyInput> ParseTemp(std::string_view body) {
  auto obj = ParseJsonObject(body);
  if (!obj.ok()) return obj.status();
  return ParseTemporaryKeyRequest(obj.value());
}

TEST(ParseTemporaryKeyRequestTest, DocumentedForms) {
  auto r = ParseTemp(R"({"auth": {"identity": {"methods": ["token"]}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->token_id.has_value());
  EXPECT_EQ(r->duration_seconds, 900);
  EXPECT_FALSE(r->has_policy);

  r = ParseTemp(
      R"({"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 86400}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->duration_seconds, 86400);

  // Go SDK: body token and a trailing newline.
  r = ParseTemp(
      "{\"auth\":{\"identity\":{\"methods\":[\"token\"],\"token\":{\"id\":\"MIIEIgYJKoZIhvc\","
      "\"duration_seconds\":21600}}}}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->token_id.has_value());
  EXPECT_EQ(r->token_id->view(), "MIIEIgYJKoZIhvc");
  EXPECT_EQ(r->duration_seconds, 21600);

  // The published example with a string.
  r = ParseTemp(
      R"({"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": "900"}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->duration_seconds, 900);

  r = ParseTemp(R"({"auth": {"identity": {"methods": ["token"], "token": null, "policy": null}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->duration_seconds, 900);
}

TEST(ParseTemporaryKeyRequestTest, Policy) {
  auto r = ParseTemp(R"({"auth": {"identity": {"methods": ["token"], "policy": {"Version": "1.1",
      "Statement": [{"Effect": "Allow", "Action": ["scm::getCsr", "scm:*:*"]},
                    {"Effect": "Deny", "Action": ["scm::getCsrPrivateKey"],)"
                     R"( "Resource": null}]}}}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_policy);
  ASSERT_EQ(r->statements.size(), 2u);
  EXPECT_TRUE(r->statements[0].allow);
  EXPECT_EQ(r->statements[0].actions, (std::vector<std::string>{"scm::getCsr", "scm:*:*"}));
  EXPECT_FALSE(r->statements[1].allow);
}

std::string WithToken(const std::string& token) {
  return R"({"auth": {"identity": {"methods": ["token"], "token": )" + token + "}}}";
}
std::string WithPolicy(const std::string& policy) {
  return R"({"auth": {"identity": {"methods": ["token"], "policy": )" + policy + "}}}";
}
std::string Statements(size_t n, const std::string& stmt) {
  std::string s = R"({"Version": "1.1", "Statement": [)";
  for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + stmt;
  return s + "]}";
}

TEST(ParseTemporaryKeyRequestTest, Refusals) {
  const std::string allow = R"({"Effect": "Allow", "Action": ["scm::getCsr"]})";
  struct Case {
    std::string body;
    std::string message;
  };
  const std::string kDur = "auth.identity.token.duration_seconds: must be 900..86400";
  const Case cases[] = {
      {R"({"auth": {"identity": {"methods": ["password"]}}})",
       "auth.identity.methods: must be [\"token\"]"},
      {R"({"auth": {"identity": {"methods": ["token", "assume_role"]}}})",
       "auth.identity.methods: must be [\"token\"]"},
      {R"({"auth": {"identity": {}}})", "auth.identity.methods is required"},
      {WithToken(R"({"duration_seconds": 899})"), kDur},
      {WithToken(R"({"duration_seconds": 86401})"), kDur},
      {WithToken(R"({"duration_seconds": -900})"), kDur},
      {WithToken(R"({"duration_seconds": 18446744073709551615})"), kDur},
      {WithToken(R"({"duration_seconds": "899"})"), kDur},
      {WithToken(R"({"duration_seconds": "+900"})"), kDur},
      {WithToken(R"({"duration_seconds": " 900"})"), kDur},
      {WithToken(R"({"duration_seconds": ""})"), kDur},
      {WithToken(R"({"duration_seconds": "99999999999999999999"})"), kDur},
      {WithToken(R"({"duration_seconds": 900.0})"),
       "auth.identity.token.duration_seconds: must be an integer"},
      {WithToken(R"({"duration_seconds": true})"),
       "auth.identity.token.duration_seconds: must be an integer"},
      {WithToken(R"({"id": ""})"), "auth.identity.token.id: must not be empty"},
      {WithToken(R"({"id": 5})"), "auth.identity.token.id: must be a string"},
      {WithToken(R"("hunter2")"), "auth.identity.token: must be an object"},
      {WithPolicy(R"([])"), "auth.identity.policy: must be an object"},
      {WithPolicy(R"({"Statement": [)" + allow + "]}"), "auth.identity.policy.Version is required"},
      {WithPolicy(R"({"Version": "1.0", "Statement": [)" + allow + "]}"),
       "auth.identity.policy.Version: must be \"1.1\""},
      {WithPolicy(R"({"Version": "1.1"})"), "auth.identity.policy.Statement is required"},
      {WithPolicy(Statements(0, allow)),
       "auth.identity.policy.Statement: must hold 1..8 statements"},
      {WithPolicy(Statements(9, allow)),
       "auth.identity.policy.Statement: must hold 1..8 statements"},
      {WithPolicy(Statements(1, R"("x")")), "auth.identity.policy.Statement[]: must be an object"},
      {WithPolicy(Statements(1, R"({"Effect": "allow", "Action": ["scm::getCsr"]})")),
       "auth.identity.policy.Statement[].Effect: must be Allow or Deny"},
      {WithPolicy(Statements(1, R"({"Action": ["scm::getCsr"]})")),
       "auth.identity.policy.Statement[].Effect is required"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": []})")),
       "auth.identity.policy.Statement[].Action: must hold 1..100 actions"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": ["scm"]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": ["SCM::getCsr"]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": ["scm:a:b:c"]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [":x:y"]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": ["scm::"]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [1]})")),
       "auth.identity.policy.Statement[].Action: each must be a service:resource:action string"},
      {WithPolicy(Statements(
           1, R"({"Effect": "Allow", "Action": ["obs:*:*"], "Resource": ["obs:*:*:object:*"]})")),
       "auth.identity.policy.Statement[].Resource: is not supported"},
      {WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": ["obs:*:*"], "Condition": {}})")),
       "auth.identity.policy.Statement[].Condition: is not supported"},
  };
  for (const Case& c : cases) {
    auto r = ParseTemp(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_EQ(r.status().message(), c.message) << c.body;
    EXPECT_EQ(r.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(ParseTemporaryKeyRequestTest, PolicySizeAndActionCountLimits) {
  // 100 actions of "scm::a": fine as long as the policy stays within 2048.
  std::string actions;
  for (int i = 0; i < 100; ++i) actions += std::string(i ? "," : "") + "\"s:a:b\"";
  auto r =
      ParseTemp(WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [)" + actions + "]}")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->statements[0].actions.size(), 100u);
  r = ParseTemp(
      WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [)" + actions + R"(,"s:a:c"]})")));
  EXPECT_EQ(r.status().message(),
            "auth.identity.policy.Statement[].Action: must hold 1..100 actions");

  // A policy whose compact form exceeds 2048 characters.
  const std::string long_action = "\"scm:" + std::string(300, 'r') + ":x\"";
  std::string many;
  for (int i = 0; i < 7; ++i) many += std::string(i ? "," : "") + long_action;
  r = ParseTemp(WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [)" + many + "]}")));
  EXPECT_EQ(r.status().message(), "auth.identity.policy: must be at most 2048 characters");
  // Whitespace in the client's text does not count.
  std::string spaced = R"({"Version": "1.1",)" + std::string(3000, ' ') +
                       R"("Statement": [{"Effect": "Allow", "Action": ["scm::getCsr"]}]})";
  EXPECT_TRUE(ParseTemp(WithPolicy(spaced)).ok());
}

// Fuzzer finding: the decoder accepted actions longer than the stored policy
// form allows (identity::kMaxActionPatternChars), which CredentialService
// then refused; the decoder now states the whole rule itself.
TEST(ParseTemporaryKeyRequestTest, ActionAtMostTheStoredPatternLength) {
  auto action = [](size_t n) {
    std::string a = "scm:csr:";
    return a + std::string(n - a.size(), 'g');
  };
  auto with_action = [](const std::string& a) {
    return WithPolicy(Statements(1, R"({"Effect": "Allow", "Action": [")" + a + R"("]})"));
  };
  auto ok = ParseTemp(with_action(action(identity::kMaxActionPatternChars)));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  const std::string stored = identity::FormatPolicy({{true, ok->statements[0].actions[0]}});
  EXPECT_TRUE(identity::ParsePolicy(stored).ok());
  auto r = ParseTemp(with_action(action(identity::kMaxActionPatternChars + 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
}

}  // namespace
}  // namespace csrd::api

namespace csrd::api {
namespace {

Result<CredentialCreateInput> ParseCreate(std::string_view body) {
  auto obj = ParseJsonObject(body);
  if (!obj.ok()) return obj.status();
  return ParseCredentialCreate(obj.value());
}

Result<CredentialUpdateInput> ParseUpdate(std::string_view body) {
  auto obj = ParseJsonObject(body);
  if (!obj.ok()) return obj.status();
  return ParseCredentialUpdate(obj.value());
}

TEST(ParseCredentialCreateTest, UserIdAndOptionalDescription) {
  auto r = ParseCreate(R"({"credential": {"user_id": "u1", "description": "ci key"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->description, "ci key");
  r = ParseCreate(R"({"credential": {"user_id": "u1", "description": null}, "x": 1})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->description.has_value());
}

TEST(ParseCredentialCreateTest, RefusesBadShapes) {
  for (const char* body : {R"({})", R"({"credential": null})", R"({"credential": []})",
                           R"({"credential": {}})", R"({"credential": {"user_id": 7}})",
                           R"({"credential": {"user_id": "u", "description": 1}})"}) {
    auto r = ParseCreate(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << body;
  }
}

TEST(ParseCredentialUpdateTest, NeedsStatusOrDescription) {
  auto r = ParseUpdate(R"({"credential": {"status": "inactive"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, "inactive");
  EXPECT_FALSE(r->description.has_value());
  r = ParseUpdate(R"({"credential": {"description": ""}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->description, "");
  // The status value is the handler's to judge (it has its own message).
  EXPECT_TRUE(ParseUpdate(R"({"credential": {"status": "weird"}})").ok());
  for (const char* body : {R"({"credential": {}})", R"({"credential": {"status": null}})",
                           R"({"credential": {"status": true}})", R"({"status": "active"})"}) {
    auto u = ParseUpdate(body);
    ASSERT_FALSE(u.ok()) << body;
    EXPECT_TRUE(u.status().IsInvalidArgument()) << body;
  }
}

TEST(ValidCredentialDescriptionTest, LengthAndControls) {
  EXPECT_TRUE(ValidCredentialDescription(""));
  EXPECT_TRUE(ValidCredentialDescription(std::string(255, 'd')));
  EXPECT_FALSE(ValidCredentialDescription(std::string(256, 'd')));
  EXPECT_TRUE(ValidCredentialDescription("caf\xC3\xA9"));
  EXPECT_FALSE(ValidCredentialDescription(std::string("a\0b", 3)));
  EXPECT_FALSE(ValidCredentialDescription("tab\there"));
  EXPECT_FALSE(ValidCredentialDescription("c1\xC2\x85"));
}

}  // namespace
}  // namespace csrd::api
