// csrctl audit list: GET /v3/scm/audit-events.
#include <ctime>

#include "client/render.h"
#include "client/response.h"
#include "cmd/csrctl/commands.h"

namespace csrd::csrctl {
namespace {

namespace json = boost::json;

struct AuditOptions {
  int limit = -1, offset = -1;  // -1: not given (0 goes to the server, which refuses it)
  std::string action, resource_id, user_id, since, until;
};

// Epoch milliseconds, or a UTC date "YYYY-MM-DD" / time "YYYY-MM-DDTHH:MM:SS[Z]" -> the
// decimal epoch-ms text the server takes; "" when malformed.
std::string ToEpochMs(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return text;
  struct tm tm = {};
  int y, mo, d, h = 0, mi = 0, s = 0;
  char z = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z);
  bool date_only = n == 3 && text.size() == 10;
  bool full = (n == 6 && text.size() == 19) || (n == 7 && z == 'Z' && text.size() == 20);
  if (!date_only && !full) return "";
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return "";
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::to_string(static_cast<int64_t>(timegm(&tm)) * 1000);
}

int RunAuditList(Context& ctx, const AuditOptions& o) {
  client::QueryParams q;
  if (o.limit >= 0) q.emplace_back("limit", std::to_string(o.limit));
  if (o.offset >= 0) q.emplace_back("offset", std::to_string(o.offset));
  if (!o.action.empty()) q.emplace_back("action", o.action);
  if (!o.resource_id.empty()) q.emplace_back("resource_id", o.resource_id);
  if (!o.user_id.empty()) q.emplace_back("user_id", o.user_id);
  for (const auto& [name, value] : {std::pair{"since", &o.since}, std::pair{"until", &o.until}}) {
    if (value->empty()) continue;
    std::string ms = ToEpochMs(*value);
    if (ms.empty()) {
      return ctx.Fail(kExitUsage, std::string("--") + name +
                                      " takes epoch milliseconds or a UTC time "
                                      "YYYY-MM-DD[THH:MM:SS[Z]]");
    }
    q.emplace_back(name, ms);
  }
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  Result<client::HttpResponse> r = api->Call("GET", "/v3/scm/audit-events", q, "");
  if (!r.ok()) return ctx.FailStatus(r.status());
  if (r->status >= 400) return ctx.FailApi(*r);
  Result<json::value> v = client::ParseJsonBody(r->body);
  if (!v.ok() || !v->is_object()) return ctx.Fail(kExitApi, "unexpected answer: not a JSON object");
  const json::value& body = *v;
  ctx.Emit(body, [&] {
    std::vector<std::vector<std::string>> rows;
    const json::array* events =
        body.get_object().contains("audit_events") ? body.at("audit_events").if_array() : nullptr;
    if (events != nullptr) {
      for (const auto& e : *events) {
        std::string user = JsonString(e, "user_name");
        if (user.empty()) user = JsonString(e, "user_id");
        rows.push_back({client::FormatTimeMs(JsonInt(e, "time")), JsonString(e, "action"),
                        JsonString(e, "outcome"), user, JsonString(e, "resource_id"),
                        JsonString(e, "remote_addr"), JsonString(e, "request_id")});
      }
    }
    std::string note = std::to_string(rows.size()) + " of " +
                       std::to_string(JsonInt(body, "total")) + " events\n";
    std::fputs(note.c_str(), stderr);
    return client::RenderTable(
        {"TIME", "ACTION", "OUTCOME", "USER", "RESOURCE", "FROM", "REQUEST ID"}, rows);
  });
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& root, Context& ctx, ManFormatter& man) {
  static AuditOptions o;
  CLI::App* audit = root.add_subcommand("audit", "read the audit trail of your account");
  man.Document(audit, {"audit COMMAND [OPTIONS]",
                       "The audit trail records who did what to which CSR or key, from where, "
                       "with which outcome: CSR creation, upload, rename and deletion, every "
                       "private-key export, key creation and deletion, logins (failed ones too) "
                       "and AK lockouts. Reading it needs SCM FullAccess.",
                       {},
                       "csrctl audit list --action scm::getCsrPrivateKey"});
  audit->require_subcommand(1);
  CLI::App* c = audit->add_subcommand("list", "list audit events, newest first");
  man.Document(c, {"audit list [--limit N] [--offset N] [--action ACTION] [--resource-id ID]\n"
                   "    [--user-id ID] [--since TIME] [--until TIME]",
                   "Lists your account's audit events, newest first: --limit (1..1000, default "
                   "100) after skipping --offset. The filters match exactly; --since and --until "
                   "(inclusive) take epoch milliseconds or a UTC time YYYY-MM-DD[THH:MM:SS[Z]]. "
                   "--output json prints {\"audit_events\": [...], \"total\": N} as the server "
                   "sends it.",
                   {},
                   "csrctl audit list --since 2026-01-01 --action scm::deleteCsr\n"
                   "csrctl audit list --resource-id 0123456789abcdef0123456789abcdef --output json"});
  c->add_option("--limit", o.limit, "Events per page, 1..1000.")->type_name("N");
  c->add_option("--offset", o.offset, "Events to skip.")->type_name("N");
  c->add_option("--action", o.action, "Only this action, e.g. scm::getCsrPrivateKey, iam::login.")
      ->type_name("ACTION");
  c->add_option("--resource-id", o.resource_id, "Only this CSR id or AK.")->type_name("ID");
  c->add_option("--user-id", o.user_id, "Only this user id.")->type_name("ID");
  c->add_option("--since", o.since, "Only events at or after TIME.")->type_name("TIME");
  c->add_option("--until", o.until, "Only events at or before TIME.")->type_name("TIME");
  c->callback([&ctx] { ctx.run = [&ctx] { return RunAuditList(ctx, o); }; });
}

}  // namespace csrd::csrctl
