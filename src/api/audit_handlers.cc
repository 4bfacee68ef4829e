#include "api/audit_handlers.h"

#include <boost/json.hpp>

#include "api/input_text.h"
#include "api/query.h"
#include "identity/audit_events.h"

namespace csrd::api {

namespace json = boost::json;

Result<store::AuditQuery> ParseListAuditQuery(std::string_view raw_query) {
  CSRD_ASSIGN_OR_RETURN(auto params, ParseQuery(raw_query));
  store::AuditQuery q;
  q.limit = kAuditLimitDefault;
  struct Seen {
    bool limit = false, offset = false, since = false, until = false;
    bool action = false, resource_id = false, user_id = false;
  } seen;
  auto once = [](bool& flag, std::string_view param) -> Status {
    if (flag) return Status::InvalidArgument(std::string(param) + ": must not be repeated");
    flag = true;
    return Status::Ok();
  };
  auto number = [](std::string_view param, std::string_view value, int64_t min, int64_t max,
                   int64_t* out) -> Status {
    const std::optional<int64_t> v = ParseDecimal(value, max);
    if (!v || *v < min) {
      return Status::InvalidArgument(std::string(param) + ": must be decimal digits, " +
                                     std::to_string(min) + ".." + std::to_string(max));
    }
    *out = *v;
    return Status::Ok();
  };
  auto text = [](std::string_view param, const std::string& value, std::string* out) -> Status {
    CSRD_RETURN_IF_ERROR(CheckText(param, value, 0, kAuditFilterMaxChars,
                                   /*forbid_controls=*/true));
    *out = value;
    return Status::Ok();
  };
  for (const auto& [key, value] : params) {
    bool* flag = nullptr;
    if (key == "limit") {
      flag = &seen.limit;
    } else if (key == "offset") {
      flag = &seen.offset;
    } else if (key == "since") {
      flag = &seen.since;
    } else if (key == "until") {
      flag = &seen.until;
    } else if (key == "action") {
      flag = &seen.action;
    } else if (key == "resource_id") {
      flag = &seen.resource_id;
    } else if (key == "user_id") {
      flag = &seen.user_id;
    } else {
      continue;  // unknown parameters are ignored
    }
    CSRD_RETURN_IF_ERROR(once(*flag, key));
    if (value.empty()) continue;
    if (key == "limit") {
      int64_t v = 0;
      CSRD_RETURN_IF_ERROR(number(key, value, 1, kAuditLimitMax, &v));
      q.limit = static_cast<int>(v);
    } else if (key == "offset") {
      CSRD_RETURN_IF_ERROR(number(key, value, 0, kAuditOffsetMax, &q.offset));
    } else if (key == "since") {
      CSRD_RETURN_IF_ERROR(number(key, value, 0, kAuditTimeMax, &q.since));
    } else if (key == "until") {
      CSRD_RETURN_IF_ERROR(number(key, value, 0, kAuditTimeMax, &q.until));
    } else if (key == "action") {
      CSRD_RETURN_IF_ERROR(text(key, value, &q.action));
    } else if (key == "resource_id") {
      CSRD_RETURN_IF_ERROR(text(key, value, &q.resource_id));
    } else {
      CSRD_RETURN_IF_ERROR(text(key, value, &q.user_id));
    }
  }
  if (q.since > q.until) return Status::InvalidArgument("since: must not be after until");
  return q;
}

json::object AuditEventToJson(const store::AuditEvent& e) {
  json::object o;
  o.reserve(11);
  o["id"] = e.id;
  o["time"] = e.time;
  o["account_id"] = e.account_id;
  o["user_id"] = e.user_id;
  o["user_name"] = e.user_name;
  o["action"] = e.action;
  o["resource_id"] = e.resource_id;
  o["remote_addr"] = e.remote_addr;
  o["request_id"] = e.request_id;
  o["outcome"] = e.outcome;
  o["detail"] = e.detail;
  return o;
}

store::AuditEvent CallerAuditEvent(const Call& call, int64_t time, std::string_view action,
                                   std::string resource_id, std::string detail) {
  store::AuditEvent e;
  e.time = time;
  e.account_id = call.principal->account_id;
  e.user_id = call.principal->user_id;
  e.user_name = call.principal->user_name;
  e.action = action;
  e.resource_id = std::move(resource_id);
  e.remote_addr = call.req.remote_addr;
  e.request_id = call.req.request_id;
  e.outcome = identity::kOutcomeSuccess;
  e.detail = std::move(detail);
  return e;
}

http::Response AuditHandlers::List(Call& call) {
  auto q = ParseListAuditQuery(call.req.query);
  if (!q.ok()) {
    const Status& st = q.status();
    return call.Fail(st.IsInvalidArgument() ? BadParameter(st.message()) : InternalError());
  }
  auto page = deps_.store->ListAudit(call.principal->account_id, *q);
  if (!page.ok()) return call.Fail(FromStatus(page.status()));
  json::array items;
  items.reserve(page->items.size());
  for (const auto& e : page->items) items.emplace_back(AuditEventToJson(e));
  json::object out;
  out["audit_events"] = std::move(items);
  out["total"] = page->total;
  return JsonResponse(200, out);
}

}  // namespace csrd::api
