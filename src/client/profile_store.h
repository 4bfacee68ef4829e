// ProfileStore: csrctl's named profiles (endpoint, AK/SK, token, ...) in one
// INI-style file that holds secrets and is therefore kept at mode 0600.
//
// File format (one profile per section; '#' or ';' starts a comment line):
//
//   [default]
//   endpoint = https://csrd.example.com:8443
//   ak = ...
//   sk = ...
//
// Keys: endpoint, ak, sk, project_id, domain_id, ca_file, token,
// token_expires_at, token_user. Anything else (an unknown key, a line that is
// neither a section, a key = value pair nor a comment, a key outside a
// section, a section twice) is InvalidArgument naming the line number, never
// the value. Profile names: 1..64 of [A-Za-z0-9_.-].
//
// Not thread-safe. No caching: each Load() reads the file again.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret.h"

namespace csrd::client {

struct Profile {
  std::string name;
  std::string endpoint;
  std::string ak;
  Secret sk;
  std::string project_id;
  std::string domain_id;
  std::string ca_file;
  Secret token;                  // from `csrctl login`
  std::string token_expires_at;  // IAM time "YYYY-MM-DDTHH:MM:SS.ffffffZ"
  std::string token_user;        // "user@account", for messages
};

bool IsValidProfileName(std::string_view name);

// True when value can be stored: no control characters (C0, DEL), no
// leading/trailing whitespace that the parser would trim away.
bool IsStorableValue(std::string_view value);

// $XDG_CONFIG_HOME/csrctl/config when XDG_CONFIG_HOME is an absolute path,
// else $HOME/.config/csrctl/config; "" when neither is usable. getenv is
// injectable for tests.
std::string DefaultConfigPath(const std::function<const char*(const char*)>& getenv);

class ProfileStore {
 public:
  // What Load() does with a file that group or others may access.
  enum class LooseMode {
    kRefuse,  // FailedPrecondition telling the user to chmod 600 the file
    kAllow,   // load it and report it through *was_loose; Save() then fixes it
  };

  ProfileStore() = default;
  explicit ProfileStore(std::string path) : path_(std::move(path)) {}
  ProfileStore(ProfileStore&&) = default;
  ProfileStore& operator=(ProfileStore&&) = default;

  // Reads path. A missing file gives an empty store (Save() creates it). A
  // file not owned by the current user, or not a regular file:
  // FailedPrecondition. Group/other permission bits: see LooseMode.
  static Result<ProfileStore> Load(std::string path, LooseMode mode, bool* was_loose = nullptr);

  // The text of a file (path left empty). Errors as described above.
  static Result<ProfileStore> Parse(std::string_view text);
  std::string Serialize() const;

  const Profile* Find(std::string_view name) const;
  // The named profile, appended empty when absent. name must be valid.
  Profile& Upsert(std::string_view name);
  bool Remove(std::string_view name);
  const std::vector<Profile>& profiles() const { return profiles_; }
  const std::string& path() const { return path_; }

  // Writes the whole file atomically: a new file in the same directory with
  // mode 0600, fsync, rename over path. Creates the directory (mode 0700) when
  // missing. Unavailable/FailedPrecondition with the path on I/O errors.
  Status Save() const;

 private:
  std::string path_;
  std::vector<Profile> profiles_;
};

}  // namespace csrd::client
