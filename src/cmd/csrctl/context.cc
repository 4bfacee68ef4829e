#include "cmd/csrctl/context.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <boost/json/serialize.hpp>

#include "client/endpoint.h"
#include "client/render.h"
#include "core/encoding.h"

namespace csrd::csrctl {
namespace {

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && v[0] != '\0') ? v : nullptr;
}

void Print(FILE* f, std::string_view text) { std::fwrite(text.data(), 1, text.size(), f); }

Result<Secret> ReadLineFd(int fd, std::string_view what) {
  Secret line;
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FailedPrecondition("cannot read the " + std::string(what));
    }
    if (n == 0 || c == '\n') break;
    if (line.size() >= 4096) return Status::InvalidArgument("the " + std::string(what) + " is too long");
    line.mutable_str().push_back(c);
  }
  c = 0;
  if (!line.empty() && line.view().back() == '\r') line.mutable_str().pop_back();
  if (line.empty()) return Status::InvalidArgument("no " + std::string(what) + " given");
  return line;
}

}  // namespace

std::string Context::ProfileName() const {
  if (!global.profile.empty()) return global.profile;
  if (const char* p = Env("CSRCTL_PROFILE")) return p;
  return "default";
}

bool Context::ProfileExplicit() const {
  return !global.profile.empty() || Env("CSRCTL_PROFILE") != nullptr;
}

std::string Context::ConfigPath() const {
  return client::DefaultConfigPath([](const char* n) { return std::getenv(n); });
}

std::optional<client::ProfileStore> Context::LoadStore(int* exit) const {
  std::string path = ConfigPath();
  if (path.empty()) return client::ProfileStore();
  Result<client::ProfileStore> store =
      client::ProfileStore::Load(path, client::ProfileStore::LooseMode::kRefuse);
  if (!store.ok()) {
    *exit = Fail(kExitUsage, store.status().message());
    return std::nullopt;
  }
  return std::move(store).value();
}

std::unique_ptr<client::ApiClient> Context::MakeClient(int* exit, Purpose purpose) {
  bool needs_credentials = purpose == Purpose::kApi;
  std::optional<client::ProfileStore> store = LoadStore(exit);
  if (!store) return nullptr;
  std::string name = ProfileName();
  const client::Profile* profile = store->Find(name);
  if (profile == nullptr && ProfileExplicit() && needs_credentials) {
    *exit = Fail(kExitUsage, "no profile '" + name + "' in " + ConfigPath() +
                                 " (create it with: csrctl configure --profile " + name + " ...)");
    return nullptr;
  }
  static const client::Profile kEmpty;
  const client::Profile& p = profile != nullptr ? *profile : kEmpty;

  std::string url = global.endpoint;
  if (url.empty() && Env("CSRCTL_ENDPOINT") != nullptr) url = Env("CSRCTL_ENDPOINT");
  if (url.empty()) url = p.endpoint;
  if (url.empty()) {
    *exit = Fail(kExitUsage, "no endpoint: give --endpoint URL, set CSRCTL_ENDPOINT, or save one "
                             "with: csrctl configure --endpoint URL");
    return nullptr;
  }
  Result<client::Endpoint> endpoint = client::ParseEndpoint(url);
  if (!endpoint.ok()) {
    *exit = Fail(kExitUsage, endpoint.status().message());
    return nullptr;
  }
  client::HttpOptions http;
  http.timeout_ms = static_cast<int>(global.timeout_s * 1000);
  http.ca_file = !global.ca_file.empty() ? global.ca_file : p.ca_file;

  client::Credentials creds;
  creds.domain_id = Env("HUAWEICLOUD_SDK_DOMAIN_ID") ? Env("HUAWEICLOUD_SDK_DOMAIN_ID") : p.domain_id;
  creds.project_id =
      Env("HUAWEICLOUD_SDK_PROJECT_ID") ? Env("HUAWEICLOUD_SDK_PROJECT_ID") : p.project_id;
  const char* env_ak = Env("HUAWEICLOUD_SDK_AK");
  const char* env_sk = Env("HUAWEICLOUD_SDK_SK");
  if ((env_ak == nullptr) != (env_sk == nullptr)) {
    *exit = Fail(kExitUsage, "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set together");
    return nullptr;
  }
  bool have_aksk = env_ak != nullptr || (!p.ak.empty() && !p.sk.empty());
  bool have_token = !p.token.empty();
  bool use_aksk = global.auth == "aksk" || (global.auth == "auto" && have_aksk);
  bool use_token = global.auth == "token" || (global.auth == "auto" && !have_aksk && have_token);
  if (use_aksk && have_aksk) {
    creds.kind = client::Credentials::Kind::kAkSk;
    creds.access_key = env_ak != nullptr ? env_ak : p.ak;
    creds.secret_key = Secret(std::string_view(env_sk != nullptr ? env_sk : p.sk.view()));
  } else if (use_token && have_token) {
    std::optional<int64_t> expires = ParseIamTime(p.token_expires_at);
    if (expires && *expires <= clock_.NowMillis()) {
      *exit = Fail(kExitUsage, "the token of profile '" + name + "' expired at " +
                                   p.token_expires_at + "; run: csrctl login");
      return nullptr;
    }
    creds.kind = client::Credentials::Kind::kToken;
    creds.token = Secret(p.token.view());
  } else if (needs_credentials) {
    std::string want = global.auth == "token" ? "no token in profile '" + name + "': run csrctl login"
                       : global.auth == "aksk"
                           ? "no AK/SK: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or run "
                             "csrctl configure --ak AK (the SK is then read from a prompt or "
                             "--sk-stdin)"
                           : "no credentials for profile '" + name +
                                 "': run csrctl configure --ak AK (AK/SK), csrctl login (token), "
                                 "or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK";
    *exit = Fail(kExitUsage, want);
    return nullptr;
  }
  // A random part per process, as the Python SDK's "app/<uuid>" (see api_client.h).
  std::string agent = "csrctl/" + std::string(kVersion) + "; app/" + NewId();
  return std::make_unique<client::ApiClient>(client::HttpClient(std::move(endpoint).value(), http),
                                             std::move(creds), clock_, agent);
}

void Context::Emit(const boost::json::value& json,
                   const std::function<std::string()>& table) const {
  Print(stdout, this->json() ? client::PrettyJson(json) : table());
  std::fflush(stdout);
}

int Context::Fail(int code, std::string_view message) const {
  if (json()) {
    boost::json::object err;
    err["exit_code"] = code;
    err["message"] = message;
    boost::json::object out;
    out["error"] = std::move(err);
    Print(stderr, boost::json::serialize(out) + "\n");
  } else {
    Print(stderr, "csrctl: " + client::SanitizeText(message) + "\n");
  }
  return code;
}

int Context::FailStatus(const Status& status, int fallback) const {
  int code = fallback;
  if (status.code() == Status::Code::kUnavailable) code = kExitNetwork;
  return Fail(code, status.message());
}

int Context::FailApi(const client::HttpResponse& response) const {
  client::ApiError err = client::DecodeApiError(response);
  if (json()) {
    Print(stderr, boost::json::serialize(client::ApiErrorJson(err)) + "\n");
  } else {
    Print(stderr, "csrctl: " + client::DescribeApiError(err) + "\n");
  }
  return kExitApi;
}

void Context::Warn(std::string_view message) const {
  Print(stderr, "csrctl: warning: " + client::SanitizeText(message) + "\n");
}

Result<Secret> ReadSecretFromStdin(std::string_view what) { return ReadLineFd(0, what); }

Result<Secret> PromptSecret(std::string_view prompt) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::FailedPrecondition("no terminal to prompt on");
  struct termios old_tio;
  bool tty = tcgetattr(fd, &old_tio) == 0;
  if (tty) {
    struct termios quiet = old_tio;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  [[maybe_unused]] ssize_t w = write(fd, prompt.data(), prompt.size());
  Result<Secret> line = ReadLineFd(fd, "input");
  if (tty) tcsetattr(fd, TCSAFLUSH, &old_tio);
  w = write(fd, "\n", 1);
  close(fd);
  return line;
}

Result<Secret> GetSecret(bool from_stdin, std::string_view what, std::string_view stdin_flag) {
  if (from_stdin) return ReadSecretFromStdin(what);
  if (!isatty(0)) {
    return Status::InvalidArgument("no terminal to ask for the " + std::string(what) + ": give " +
                                   std::string(stdin_flag) + " and pipe it in");
  }
  std::string prompt(what);
  if (!prompt.empty()) prompt[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(prompt[0])));
  return PromptSecret(prompt + ": ");
}

std::optional<int64_t> ParseIamTime(std::string_view text) {
  if (text.size() < 20) return std::nullopt;
  struct tm tm = {};
  int y, mo, d, h, mi, s;
  std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string JsonString(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  auto it = v.get_object().find(key);
  if (it == v.get_object().end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

int64_t JsonInt(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return 0;
  auto it = v.get_object().find(key);
  if (it == v.get_object().end() || !it->value().is_int64()) return 0;
  return it->value().get_int64();
}

}  // namespace csrd::csrctl
