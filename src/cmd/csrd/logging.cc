#include "cmd/csrd/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "api/access_log.h"
#include "core/log_format.h"

namespace csrd::cmd {
namespace {

constexpr char kAccessLogger[] = "access";

// Set once by SetUpLogging before any other thread runs; read-only after
// (so LogAccess takes no registry lock per request).
LogFormat g_format = LogFormat::kText;
std::shared_ptr<spdlog::logger> g_access;

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "info";
  }
}

int64_t EpochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// One JSON object per line. Messages of the access logger are complete lines
// already (api::AccessJsonLine, built by LogAccess before the sink's mutex is
// taken) and are copied as they are; every other message is escaped as the
// msg string.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    if (logger == kAccessLogger) {
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    const std::string line = JsonLogLine(EpochMillis(msg.time), LevelName(msg.level), payload);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

bool ParseLogFormat(const std::string& name, LogFormat* out) {
  if (name == "json") {
    *out = LogFormat::kJson;
    return true;
  }
  if (name == "text") {
    *out = LogFormat::kText;
    return true;
  }
  return false;
}

void SetUpLogging(LogFormat format) {
  g_format = format;
  // One sink for both loggers: its mutex keeps lines whole.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (format == LogFormat::kJson) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
  }
  auto main_logger = std::make_shared<spdlog::logger>("csrd", sink);
  g_access = std::make_shared<spdlog::logger>(kAccessLogger, sink);
  spdlog::set_default_logger(main_logger);
}

void LogAccess(const api::AccessRecord& record) {
  if (api::IsQuietProbe(record)) return;
  if (!g_access) return;
  if (g_format == LogFormat::kJson) {
    // The whole line is built here, on the request's thread; the sink's
    // formatter, under its mutex, only copies it.
    const int64_t now_ms = EpochMillis(std::chrono::system_clock::now());
    g_access->info("{}", api::AccessJsonLine(record, now_ms));
  } else {
    g_access->info("{}", api::AccessText(record));
  }
}

}  // namespace csrd::cmd
