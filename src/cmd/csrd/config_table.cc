#include "cmd/csrd/config_table.h"

#include <charconv>
#include <limits>
#include <optional>
#include <type_traits>

#include "core/ascii.h"
#include "crypto/key_algo.h"
#include "crypto/key_pool.h"
#include "store/open_store.h"

namespace csrd::cmd {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Status CheckListen(const std::string& v) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(v, &host, &port)) return Status::InvalidArgument(ListenFormatProblem(v));
  return Status::Ok();
}

Status CheckNotEmpty(const std::string& v) {
  return v.empty() ? Status::InvalidArgument("must not be empty") : Status::Ok();
}

Status CheckDatabase(const std::string& v) {
  // The URL may carry a password: never quote it here.
  if (!store::ParseDatabaseFlag(v, "data-dir").ok()) {
    return Status::InvalidArgument(
        "must be empty (SQLite in the data dir), sqlite:PATH, postgresql://... or "
        "postgres://...");
  }
  return Status::Ok();
}

const OptionSpec kTable[] = {
    {.name = "data_dir", .file_key = "data_dir", .env = "CSRD_DATA_DIR", .flag = "--data-dir",
     .field = &ServeOptions::data_dir,
     .help = "Directory of the SQLite database, the generated master key and the generated "
             "bootstrap password file",
     .validate = CheckNotEmpty},
    {.name = "master_key_file", .file_key = "master_key_file", .env = "CSRD_MASTER_KEY_FILE",
     .flag = "--master-key-file", .field = &ServeOptions::master_key_file,
     .help = "File holding the base64 master key (32 bytes). The key itself is never accepted "
             "in the file; CSRD_MASTER_KEY (the key, base64) takes precedence over this",
     .default_text = "CSRD_MASTER_KEY, else <data_dir>/master.key"},
    {.name = "listen", .file_key = "server.listen", .env = "CSRD_LISTEN", .flag = "--listen",
     .field = &ServeOptions::listen, .help = "HOST:PORT to listen on ([::1]:8080 for IPv6)",
     .validate = CheckListen},
    {.name = "workers", .file_key = "server.workers", .env = "CSRD_WORKERS", .flag = "--workers",
     .field = &ServeOptions::workers,
     .help = "Worker threads running handlers (key generation, database)", .min = 1, .max = 512},
    {.name = "io_threads", .file_key = "server.io_threads", .env = "CSRD_IO_THREADS",
     .flag = "--io-threads", .field = &ServeOptions::io_threads, .help = "I/O threads",
     .min = 1, .max = 64},
    {.name = "shutdown_grace", .file_key = "server.shutdown_grace", .env = "CSRD_SHUTDOWN_GRACE",
     .flag = "--shutdown-grace", .field = &ServeOptions::shutdown_grace_s,
     .help = "Seconds in-flight requests get to finish after SIGTERM", .min = 0, .max = 3600},
    {.name = "max_connections", .file_key = "limits.max_connections",
     .env = "CSRD_MAX_CONNECTIONS", .flag = "--max-connections",
     .field = &ServeOptions::max_connections,
     .help = "Open connections cap (beyond it: 429, then close)", .min = 1, .max = 1000000},
    {.name = "idle_timeout", .file_key = "limits.idle_timeout", .env = "CSRD_IDLE_TIMEOUT",
     .flag = "--idle-timeout", .field = &ServeOptions::idle_timeout_s,
     .help = "Seconds an idle keep-alive connection stays open", .min = 1, .max = 86400},
    {.name = "request_timeout", .file_key = "limits.request_timeout",
     .env = "CSRD_REQUEST_TIMEOUT", .flag = "--request-timeout",
     .field = &ServeOptions::request_timeout_s,
     .help = "Seconds allowed to receive one whole request", .min = 1, .max = 86400},
    {.name = "max_pending_keygens", .file_key = "limits.max_pending_keygens",
     .env = "CSRD_MAX_PENDING_KEYGENS", .flag = "--max-pending-keygens",
     .field = &ServeOptions::max_pending_keygens,
     .help = "Key generations in flight before CreateCsr answers 429 (0: half the workers)",
     .min = 0, .max = 100000},
    {.name = "csr_quota", .file_key = "limits.csr_quota", .env = "CSRD_CSR_QUOTA",
     .flag = "--csr-quota", .field = &ServeOptions::csr_quota,
     .help = "CSRs per account (0: no cap)", .min = 0, .max = kInt64Max},
    {.name = "token_lifetime", .file_key = "auth.token_lifetime", .env = "CSRD_TOKEN_LIFETIME",
     .flag = "--token-lifetime", .field = &ServeOptions::token_lifetime_s,
     .help = "Token lifetime in seconds", .min = 60, .max = 7 * 24 * 3600},
    {.name = "database", .file_key = "database.url", .env = "CSRD_DATABASE",
     .flag = "--database", .field = &ServeOptions::database,
     .help = "Store: postgresql://USER[:PASS]@HOST:PORT/DB[?...] for replicas sharing one "
             "PostgreSQL database, or sqlite:PATH",
     .default_text = "SQLite at <data_dir>/csrd.db", .validate = CheckDatabase, .secret = true},
    {.name = "db_pool_size", .file_key = "database.pool_size", .env = "CSRD_DB_POOL_SIZE",
     .flag = "--db-pool-size", .field = &ServeOptions::db_pool_size,
     .help = "PostgreSQL connections this process keeps open", .min = 1, .max = 1000},
    {.name = "synchronous", .file_key = "database.synchronous", .env = "CSRD_SYNCHRONOUS",
     .flag = "--synchronous", .field = &ServeOptions::synchronous,
     .help = "SQLite synchronous mode (FULL: a 201 is on disk)", .choices = "FULL|NORMAL"},
    {.name = "key_pool_depth", .file_key = "key_pool.depth", .env = "CSRD_KEY_POOL_DEPTH",
     .flag = "--key-pool-depth", .field = &ServeOptions::key_pool_depths,
     .help = "Pre-generated keys kept per algorithm, ALG=N (ALG: RSA_2048, RSA_3072, RSA_4096, "
             "EC_P256, EC_P384, SM2 or all; 0 disables). Each source's settings apply after "
             "the lower-precedence ones'",
     .default_text = "RSA_2048=32 RSA_3072=16 RSA_4096=16 EC_P256=256 EC_P384=64 SM2=256"},
    {.name = "key_pool_threads", .file_key = "key_pool.threads", .env = "CSRD_KEY_POOL_THREADS",
     .flag = "--key-pool-threads", .field = &ServeOptions::key_pool_threads,
     .help = "Background threads refilling the key pool (0: no pool)", .min = 0,
     .max = crypto::kMaxKeyPoolThreads},
    {.name = "key_pool_priority", .file_key = "key_pool.priority",
     .env = "CSRD_KEY_POOL_PRIORITY", .flag = "--key-pool-priority",
     .field = &ServeOptions::key_pool_priority,
     .help = "Refill threads' scheduling: idle (SCHED_IDLE, else nice 19) or normal",
     .choices = "idle|normal"},
    {.name = "tls_cert", .file_key = "tls.cert", .env = "CSRD_TLS_CERT", .flag = "--tls-cert",
     .field = &ServeOptions::tls_cert, .help = "PEM certificate chain file: serve HTTPS",
     .default_text = "none (plain HTTP)"},
    {.name = "tls_key", .file_key = "tls.key", .env = "CSRD_TLS_KEY", .flag = "--tls-key",
     .field = &ServeOptions::tls_key, .help = "PEM private key file of tls.cert",
     .default_text = "none"},
    {.name = "allow_insecure_http", .file_key = "tls.allow_insecure_http",
     .env = "CSRD_ALLOW_INSECURE_HTTP", .flag = "--allow-insecure-http",
     .field = &ServeOptions::allow_insecure_http,
     .help = "Allow plain HTTP on a non-loopback address"},
    {.name = "log_format", .file_key = "log.format", .env = "CSRD_LOG_FORMAT",
     .flag = "--log-format", .field = &ServeOptions::log_format,
     .help = "Log line format on stderr", .choices = "text|json"},
};

bool InChoices(std::string_view choices, std::string_view v) {
  while (true) {
    size_t bar = choices.find('|');
    if (choices.substr(0, bar) == v) return true;
    if (bar == std::string_view::npos) return false;
    choices.remove_prefix(bar + 1);
  }
}

std::string ChoicesText(std::string_view choices) {
  std::string out;
  while (true) {
    size_t bar = choices.find('|');
    out += std::string(choices.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    choices.remove_prefix(bar + 1);
    out += choices.find('|') == std::string_view::npos ? " or " : ", ";
  }
}

// TOML basic string: quotes, backslashes and control characters escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789ABCDEF";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::optional<int64_t> ParseInt(std::string_view t) {
  int64_t v = 0;
  if (t.empty()) return std::nullopt;
  if (t.front() == '+') t.remove_prefix(1);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(std::string_view t) {
  const std::string l = AsciiLowered(t);
  if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0") return false;
  return std::nullopt;
}

template <typename T>
constexpr bool kIsIntField = std::is_same_v<T, int ServeOptions::*> ||
                             std::is_same_v<T, int64_t ServeOptions::*> ||
                             std::is_same_v<T, size_t ServeOptions::*>;

Status WrongType(const OptionSpec& spec) {
  return Status::InvalidArgument("expected " + std::string(OptionTypeName(spec)));
}

}  // namespace

std::span<const OptionSpec> ServeOptionTable() { return kTable; }

const OptionSpec* FindOptionByFileKey(std::string_view file_key) {
  for (const OptionSpec& s : kTable) {
    if (s.file_key == file_key) return &s;
  }
  return nullptr;
}

const OptionSpec* FindOptionByName(std::string_view name) {
  for (const OptionSpec& s : kTable) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string_view OptionTypeName(const OptionSpec& spec) {
  return std::visit(
      [](auto field) -> std::string_view {
        using F = decltype(field);
        if constexpr (std::is_same_v<F, std::string ServeOptions::*>) return "a string";
        else if constexpr (std::is_same_v<F, bool ServeOptions::*>) return "a boolean";
        else if constexpr (kIsIntField<F>) return "an integer";
        else return "a table of ALG = N";
      },
      spec.field);
}

Status SetOptionInt(const OptionSpec& spec, int64_t value, ServeOptions* options) {
  return std::visit(
      [&](auto field) -> Status {
        using F = decltype(field);
        if constexpr (kIsIntField<F>) {
          if (value < spec.min || value > spec.max) {
            std::string range = spec.max == kInt64Max ? ">= " + std::to_string(spec.min)
                                                      : std::to_string(spec.min) + ".." +
                                                            std::to_string(spec.max);
            return Status::InvalidArgument("must be " + range + ", got " + std::to_string(value));
          }
          using V = std::remove_reference_t<decltype(options->*field)>;
          options->*field = static_cast<V>(value);
          return Status::Ok();
        } else {
          return WrongType(spec);
        }
      },
      spec.field);
}

Status SetOptionString(const OptionSpec& spec, const std::string& value, ServeOptions* options) {
  auto* field = std::get_if<std::string ServeOptions::*>(&spec.field);
  if (field == nullptr) return WrongType(spec);
  if (!spec.choices.empty() && !InChoices(spec.choices, value)) {
    return Status::InvalidArgument("must be " + ChoicesText(spec.choices) +
                                   (spec.secret ? "" : ", got " + Quote(value)));
  }
  if (spec.validate != nullptr) {
    Status st = spec.validate(value);
    if (!st.ok()) return st;
  }
  options->**field = value;
  return Status::Ok();
}

Status SetOptionBool(const OptionSpec& spec, bool value, ServeOptions* options) {
  auto* field = std::get_if<bool ServeOptions::*>(&spec.field);
  if (field == nullptr) return WrongType(spec);
  options->**field = value;
  return Status::Ok();
}

Status AppendDepth(const OptionSpec& spec, const std::string& item, ServeOptions* options) {
  auto* field = std::get_if<std::vector<std::string> ServeOptions::*>(&spec.field);
  if (field == nullptr) return WrongType(spec);
  crypto::KeyPoolOptions scratch;
  Status st = crypto::ApplyKeyPoolDepth(item, &scratch);
  if (!st.ok()) return Status::InvalidArgument(Quote(item) + ": " + st.message());
  (options->**field).push_back(item);
  return Status::Ok();
}

Status SetOptionFromText(const OptionSpec& spec, std::string_view text, ServeOptions* options) {
  return std::visit(
      [&](auto field) -> Status {
        using F = decltype(field);
        if constexpr (std::is_same_v<F, std::string ServeOptions::*>) {
          return SetOptionString(spec, std::string(text), options);
        } else if constexpr (std::is_same_v<F, bool ServeOptions::*>) {
          auto b = ParseBool(text);
          if (!b) return Status::InvalidArgument("must be true or false, got " + Quote(text));
          return SetOptionBool(spec, *b, options);
        } else if constexpr (kIsIntField<F>) {
          auto v = ParseInt(text);
          if (!v) return Status::InvalidArgument("must be an integer, got " + Quote(text));
          return SetOptionInt(spec, *v, options);
        } else {
          size_t items = 0;
          size_t i = 0;
          while (i < text.size()) {
            size_t end = text.find_first_of(", \t\n", i);
            if (end == std::string_view::npos) end = text.size();
            if (end > i) {
              Status st = AppendDepth(spec, std::string(text.substr(i, end - i)), options);
              if (!st.ok()) return st;
              ++items;
            }
            i = end + 1;
          }
          if (items == 0) return Status::InvalidArgument("expected ALG=N[,ALG=N...]");
          return Status::Ok();
        }
      },
      spec.field);
}

std::string FormatOptionValue(const OptionSpec& spec, const ServeOptions& options) {
  return std::visit(
      [&](auto field) -> std::string {
        using F = decltype(field);
        if constexpr (std::is_same_v<F, std::string ServeOptions::*>) {
          const std::string& v = options.*field;
          if (spec.secret && !v.empty()) {
            auto loc = store::ParseDatabaseFlag(v, options.data_dir);
            return loc.ok() ? Quote(loc->redacted) : "\"<invalid, not shown>\"";
          }
          return Quote(v);
        } else if constexpr (std::is_same_v<F, bool ServeOptions::*>) {
          return options.*field ? "true" : "false";
        } else if constexpr (kIsIntField<F>) {
          return std::to_string(options.*field);
        } else {
          crypto::KeyPoolOptions kpo;
          for (const std::string& item : options.*field) {
            if (!crypto::ApplyKeyPoolDepth(item, &kpo).ok()) return "\"<invalid>\"";
          }
          std::string out = "{ ";
          for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) {
            if (out.size() > 2) out += ", ";
            out += std::string(crypto::KeyAlgoName(a)) + " = " +
                   std::to_string(kpo.depth[crypto::KeyAlgoIndex(a)]);
          }
          return out + " }";
        }
      },
      spec.field);
}

std::string DefaultText(const OptionSpec& spec) {
  if (!spec.default_text.empty()) return std::string(spec.default_text);
  return FormatOptionValue(spec, ServeOptions{});
}

}  // namespace csrd::cmd
