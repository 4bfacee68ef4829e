// The access log's record encodings. What the App hands its AccessLogger
// (api/app.h) carries no secret: ids, the route template (never the raw
// path or query), the status, sizes and timing.
#pragma once

#include <cstdint>
#include <string>

#include "api/app.h"

namespace csrd::api {

// The record as JSON object members to splice after "msg" in a JSON-lines
// record (see core/log_format.h JsonLogLine): `,"request_id":"...",
// "account_id":"...","user_id":"...","method":"...","route":"...",
// "status":201,"latency_ms":12.345,"latency_us":12345,"bytes_in":..,
// "bytes_out":..,"remote_addr":"..."`. Every field is always present
// (account_id and user_id "" before authentication).
std::string AccessJsonFields(const AccessRecord& r);

// The complete JSON-lines record of the access log, newline included:
// JsonLogLine(epoch_ms, "info", "access", AccessJsonFields(r)). Built by the
// caller's thread, so a shared log sink only copies it under its lock.
std::string AccessJsonLine(const AccessRecord& r, int64_t epoch_ms);

// The record for humans: `access 201 POST /v3/scm/csr 12.345ms in=.. out=..
// from=.. request_id=.. account=.. user=..`.
std::string AccessText(const AccessRecord& r);

// Successful probes and scrapes (2xx on /health, /ready, /metrics): counted
// in the metrics, but kept out of the access log so a load balancer polling
// every second does not bury the requests that matter.
bool IsQuietProbe(const AccessRecord& r);

}  // namespace csrd::api
