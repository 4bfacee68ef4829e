#include "client/profile_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "client/output_file.h"
#include "core/ascii.h"

namespace csrd::client {
namespace {

// Spaces and tabs around, and the CR of a CRLF line end.
std::string_view Trim(std::string_view s) {
  return TrimAsciiBack(TrimAsciiFront(s, " \t"), " \t\r");
}

std::string LineError(size_t line, std::string_view what) {
  return "config line " + std::to_string(line) + ": " + std::string(what);
}

// Sets key on p; false when the key is unknown.
bool SetKey(Profile& p, std::string_view key, std::string_view value) {
  if (key == "endpoint") p.endpoint = value;
  else if (key == "ak") p.ak = value;
  else if (key == "sk") p.sk = Secret(value);
  else if (key == "project_id") p.project_id = value;
  else if (key == "domain_id") p.domain_id = value;
  else if (key == "ca_file") p.ca_file = value;
  else if (key == "token") p.token = Secret(value);
  else if (key == "token_expires_at") p.token_expires_at = value;
  else if (key == "token_user") p.token_user = value;
  else return false;
  return true;
}

void Put(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += key;
  out += " = ";
  out += value;
  out += '\n';
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::FailedPrecondition(dir + " is not a directory");
    return Status::Ok();
  }
  std::string parent = Dirname(dir);
  if (parent != dir) CSRD_RETURN_IF_ERROR(MakeDirs(parent));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::FailedPrecondition("cannot create directory " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

bool IsValidProfileName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

bool IsStorableValue(std::string_view value) {
  if (value != Trim(value)) return false;
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string DefaultConfigPath(const std::function<const char*(const char*)>& getenv) {
  const char* xdg = getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/csrctl/config";
  const char* home = getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.config/csrctl/config";
  return "";
}

Result<ProfileStore> ProfileStore::Parse(std::string_view text) {
  ProfileStore store;
  Profile* current = nullptr;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') return Status::InvalidArgument(LineError(line_no, "unclosed '['"));
      std::string_view name = Trim(line.substr(1, line.size() - 2));
      if (!IsValidProfileName(name)) {
        return Status::InvalidArgument(
            LineError(line_no, "profile names are 1..64 of A-Z a-z 0-9 _ . -"));
      }
      if (store.Find(name) != nullptr) {
        return Status::InvalidArgument(LineError(line_no, "profile [" + std::string(name) +
                                                              "] appears twice"));
      }
      current = &store.Upsert(name);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(LineError(line_no, "expected [profile] or key = value"));
    }
    std::string_view key = Trim(line.substr(0, eq));
    std::string_view value = Trim(line.substr(eq + 1));
    if (current == nullptr) {
      return Status::InvalidArgument(LineError(line_no, "key outside a [profile] section"));
    }
    if (!SetKey(*current, key, value)) {
      return Status::InvalidArgument(LineError(line_no, "unknown key '" + std::string(key) +
                                                             "' (known: endpoint, ak, sk, "
                                                             "project_id, domain_id, ca_file, "
                                                             "token, token_expires_at, "
                                                             "token_user)"));
    }
  }
  return store;
}

std::string ProfileStore::Serialize() const {
  std::string out =
      "# csrctl profiles. Holds secrets: keep it mode 0600 (csrctl refuses it otherwise).\n";
  for (const Profile& p : profiles_) {
    out += "\n[" + p.name + "]\n";
    Put(out, "endpoint", p.endpoint);
    Put(out, "ak", p.ak);
    Put(out, "sk", p.sk.view());
    Put(out, "project_id", p.project_id);
    Put(out, "domain_id", p.domain_id);
    Put(out, "ca_file", p.ca_file);
    Put(out, "token", p.token.view());
    Put(out, "token_expires_at", p.token_expires_at);
    Put(out, "token_user", p.token_user);
  }
  return out;
}

Result<ProfileStore> ProfileStore::Load(std::string path, LooseMode mode, bool* was_loose) {
  if (was_loose != nullptr) *was_loose = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return ProfileStore(std::move(path));
    return Status::FailedPrecondition("cannot open config file " + path + ": " +
                                      std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::FailedPrecondition("config file " + path + " is not a regular file");
  }
  if (st.st_uid != geteuid()) {
    close(fd);
    return Status::FailedPrecondition("config file " + path +
                                      " belongs to another user; it holds secret keys, so "
                                      "csrctl only reads its own");
  }
  if ((st.st_mode & 077) != 0) {
    if (mode == LooseMode::kRefuse) {
      close(fd);
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return Status::FailedPrecondition(
          "config file " + path + " has mode " + octal +
          ": group or others may access it, and it holds secret keys. Fix it with: chmod 600 " +
          path + " (csrctl configure also rewrites it with mode 0600)");
    }
    if (was_loose != nullptr) *was_loose = true;
  }
  Result<std::string> text = ReadFd(fd, path, 1 << 20);
  close(fd);
  if (!text.ok()) return text.status();
  ScopedWipe wipe(*text);
  Result<ProfileStore> parsed = Parse(*text);
  if (!parsed.ok()) {
    return Status::InvalidArgument(path + ": " + parsed.status().message());
  }
  parsed->path_ = std::move(path);
  return parsed;
}

const Profile* ProfileStore::Find(std::string_view name) const {
  for (const Profile& p : profiles_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Profile& ProfileStore::Upsert(std::string_view name) {
  for (Profile& p : profiles_) {
    if (p.name == name) return p;
  }
  profiles_.emplace_back();
  profiles_.back().name = std::string(name);
  return profiles_.back();
}

bool ProfileStore::Remove(std::string_view name) {
  auto it = std::find_if(profiles_.begin(), profiles_.end(),
                         [&](const Profile& p) { return p.name == name; });
  if (it == profiles_.end()) return false;
  profiles_.erase(it);
  return true;
}

Status ProfileStore::Save() const {
  if (path_.empty()) return Status::FailedPrecondition("no config file path");
  CSRD_RETURN_IF_ERROR(MakeDirs(Dirname(path_)));
  CSRD_ASSIGN_OR_RETURN(OutputFile file,
                        OutputFile::Open(path_, OutputFile::Mode::kPrivate, /*overwrite=*/true));
  std::string text = Serialize();
  ScopedWipe wipe(text);
  return file.Commit(text);
}

}  // namespace csrd::client
