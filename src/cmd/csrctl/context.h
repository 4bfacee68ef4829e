// What every csrctl command shares: the global options, how they resolve
// against the environment and the profile file, output and error reporting,
// exit codes, and secret prompts. Single-threaded, program-only code.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "client/api_client.h"
#include "client/profile_store.h"
#include "client/response.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

namespace csrd::csrctl {

inline constexpr std::string_view kVersion = "1.0.0";

// Exit statuses (documented in `csrctl --help`, EXIT STATUS).
enum Exit : int {
  kExitOk = 0,
  kExitApi = 1,      // the server answered with an error
  kExitUsage = 2,    // bad arguments or configuration (no endpoint, no credentials, ...)
  kExitNetwork = 3,  // cannot reach the server: DNS, refused, timeout, TLS
  kExitFile = 4,     // a local file: exists already, cannot be read or written
};

struct GlobalOptions {
  std::string endpoint;  // --endpoint
  std::string profile;   // --profile
  std::string output = "table";
  std::string ca_file;
  std::string auth = "auto";  // auto | aksk | token
  double timeout_s = 60;
};

class Context {
 public:
  GlobalOptions global;
  // Set by the parsed command's callback; main() runs it after parsing.
  std::function<int()> run;

  bool json() const { return global.output == "json"; }

  // The profile name in effect: --profile, else CSRCTL_PROFILE, else "default".
  std::string ProfileName() const;
  // Whether the profile was chosen explicitly (flag or environment).
  bool ProfileExplicit() const;
  std::string ConfigPath() const;

  // Loads the config file (refusing a group/world-accessible one). On error
  // prints and returns the exit code in *exit.
  std::optional<client::ProfileStore> LoadStore(int* exit) const;

  // Builds the API client from flags, environment and profile; on error
  // prints the reason and sets *exit. kLogin: no credentials needed, and a
  // profile named explicitly need not exist yet.
  enum class Purpose { kApi, kLogin };
  std::unique_ptr<client::ApiClient> MakeClient(int* exit, Purpose purpose = Purpose::kApi);

  // Output: JSON mode prints json (indented); table mode prints table().
  void Emit(const boost::json::value& json, const std::function<std::string()>& table) const;

  // Prints "csrctl: <message>" on stderr (or a JSON error object in JSON
  // mode) and returns code.
  int Fail(int code, std::string_view message) const;
  // The exit code for a Status from the client library (network -> 3, ...).
  int FailStatus(const Status& status, int fallback = kExitUsage) const;
  // Decodes and prints an API error response; returns kExitApi.
  int FailApi(const client::HttpResponse& response) const;
  // Prints a warning on stderr.
  void Warn(std::string_view message) const;

  const Clock& clock() const { return clock_; }

 private:
  SystemClock clock_;
};

// Reads one line from stdin (the trailing newline removed). Empty input is
// InvalidArgument.
Result<Secret> ReadSecretFromStdin(std::string_view what);
// Asks on the terminal (/dev/tty) with echo off. FailedPrecondition when
// there is no terminal.
Result<Secret> PromptSecret(std::string_view prompt);
// A secret from stdin when from_stdin, else a prompt; usage hints on failure.
Result<Secret> GetSecret(bool from_stdin, std::string_view what, std::string_view stdin_flag);

// IAM time "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" -> epoch ms; nullopt if malformed.
std::optional<int64_t> ParseIamTime(std::string_view text);

// Convenience accessors for server JSON (missing or mistyped -> "" / 0).
std::string JsonString(const boost::json::value& v, std::string_view key);
int64_t JsonInt(const boost::json::value& v, std::string_view key);

}  // namespace csrd::csrctl
