// The program's logs: everything goes to stderr through spdlog, either as
// JSON lines (one object per line: time, level, msg, and for access records
// the fields of api::AccessJsonFields) or as text for humans.
//
// Callers log only non-secret facts (paths, counts, statuses, ids); the
// access record carries route templates, never raw paths, queries, headers
// or bodies.
#pragma once

#include <string>

#include "api/app.h"

namespace csrd::cmd {

enum class LogFormat { kJson, kText };

// "json" or "text"; false for anything else.
bool ParseLogFormat(const std::string& name, LogFormat* out);

// Makes spdlog's default logger (and the access logger) write to stderr in
// format. Not thread-safe: call only while this is the one thread that logs.
// main calls it twice: text first (for configuration errors), then serve's
// configured format, before serve starts any thread.
void SetUpLogging(LogFormat format);

// Logs one answered request at info level, unless it is a quiet probe
// (api::IsQuietProbe). Thread-safe.
void LogAccess(const api::AccessRecord& record);

}  // namespace csrd::cmd
