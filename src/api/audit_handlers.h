// GET /v3/scm/audit-events: the caller's account's audit trail (README "Audit
// log"), and the event builder the other handlers record their changes with.
//
// App checks the permission (scm::listAuditEvents, SCM FullAccess only)
// before List runs. Thread-safe; dependencies are borrowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "api/call.h"
#include "api/deps.h"
#include "core/result.h"
#include "store/records.h"

namespace csrd::api {

inline constexpr int kAuditLimitDefault = 100;
inline constexpr int kAuditLimitMax = 1000;
inline constexpr int64_t kAuditOffsetMax = 2147483647;
inline constexpr int64_t kAuditTimeMax = 253402300799999;  // 9999-12-31T23:59:59.999Z
inline constexpr size_t kAuditFilterMaxChars = 128;

// The list query: limit = decimal digits, 1..1000 (default 100); offset =
// decimal digits, 0..2147483647 (default 0); since / until = decimal digits,
// epoch ms 0..kAuditTimeMax, inclusive, since <= until; action, resource_id,
// user_id = exact matches, 1..128 code points of valid UTF-8 without control
// characters. Otherwise as ListCsr: an empty value is absent, unknown
// parameters are ignored, a repeated one or a malformed percent-escape is an
// error. Errors are InvalidArgument naming the parameter, never its value.
Result<store::AuditQuery> ParseListAuditQuery(std::string_view raw_query);

// One event as the API shows it (fields in a fixed order).
boost::json::object AuditEventToJson(const store::AuditEvent& event);

// A "success" event of the call's authenticated caller (account, user id and
// name), from its address and with its request id. Requires call.principal.
store::AuditEvent CallerAuditEvent(const Call& call, int64_t time, std::string_view action,
                                   std::string resource_id, std::string detail = {});

class AuditHandlers {
 public:
  explicit AuditHandlers(const AppDeps& deps) : deps_(deps) {}

  // 200 {"audit_events": [...], "total": N}, newest first; 400 SCM.0005 on a
  // bad query; 500 SCM.0500 when the store fails.
  http::Response List(Call& call);

 private:
  AppDeps deps_;
};

}  // namespace csrd::api
