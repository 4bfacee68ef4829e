#include "cmd/csrd/check_config.h"

#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cmd/csrd/config_table.h"
#include "cmd/csrd/master_key.h"
#include "cmd/csrd/serve.h"
#include "cmd/csrd/transport.h"
#include "core/encoding.h"
#include "core/secret.h"
#include "store/open_store.h"

namespace csrd::cmd {
namespace {

namespace fs = std::filesystem;

// True when text (wiped afterwards) is a master key serve would accept.
bool IsMasterKeyText(std::string text) {
  return DecodeMasterKey(std::move(text), "check").ok();  // the Secret wipes itself
}

// "" when dir exists as a writable directory or could be created (its
// nearest existing ancestor is a writable directory).
std::string DirProblem(const std::string& what, const std::string& dir) {
  fs::path p = fs::absolute(fs::path(dir));
  bool exists = true;
  while (true) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return what + " " + dir + ": " + p.string() + " is not a directory";
      }
      if (::access(p.c_str(), W_OK | X_OK) != 0) {
        return what + " " + dir + ": " +
               (exists ? "not writable by this user"
                       : "cannot be created (" + p.string() + " is not writable by this user)");
      }
      return "";
    }
    if (errno != ENOENT) return what + " " + dir + ": " + std::strerror(errno);
    exists = false;
    if (!p.has_parent_path() || p.parent_path() == p) return what + " " + dir + ": no such path";
    p = p.parent_path();
  }
}

std::string ReadableFileProblem(const std::string& what, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return what + " " + path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return what + " " + path + ": not a regular file";
  if (::access(path.c_str(), R_OK) != 0) return what + " " + path + ": not readable by this user";
  return "";
}

void Add(std::vector<std::string>* out, std::string problem) {
  if (!problem.empty()) out->push_back(std::move(problem));
}

}  // namespace

std::vector<std::string> CheckServeConfig(const EffectiveConfig& cfg, const SecretEnv& env) {
  const ServeOptions& o = cfg.options;
  std::vector<std::string> problems;

  auto where = store::ParseDatabaseFlag(o.database, o.data_dir);
  if (!where.ok()) {
    problems.push_back("database.url: " + where.status().message());
    return problems;
  }
  const bool shared = where->kind == store::StoreKind::kPostgres;
  // Without PostgreSQL the data dir holds the database; with it, the
  // generated bootstrap password file at most, but serve still needs it then.
  Add(&problems, DirProblem("data_dir", o.data_dir));
  if (shared) {
    char* err = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(where->postgres_url.c_str(), &err);
    // libpq's message may quote part of the URL, password included: not shown.
    if (parsed == nullptr) {
      problems.push_back("database.url: " + where->redacted + " is not a valid libpq URL");
    }
    if (parsed != nullptr) PQconninfoFree(parsed);
    if (err != nullptr) PQfreemem(err);
  } else if (where->sqlite_path != (fs::path(o.data_dir) / "csrd.db").string()) {
    fs::path parent = fs::path(where->sqlite_path).parent_path();
    Add(&problems, DirProblem("database.url directory", parent.empty() ? "." : parent.string()));
  }

  if (!env.master_key.empty()) {
    if (!IsMasterKeyText(env.master_key)) {
      problems.push_back("CSRD_MASTER_KEY: must be the base64 encoding of exactly 32 bytes");
    }
  } else {
    std::string key_file = o.master_key_file;
    if (key_file.empty() && shared) {
      problems.push_back("master key: a PostgreSQL store needs CSRD_MASTER_KEY or "
                         "master_key_file (csrd never generates one for a shared database)");
    }
    if (key_file.empty() && !shared) {
      const std::string dflt = (fs::path(o.data_dir) / "master.key").string();
      if (::access(dflt.c_str(), F_OK) == 0) key_file = dflt;  // else generated on start
    }
    if (!key_file.empty()) {
      std::string problem = ReadableFileProblem("master_key_file", key_file);
      std::string text;
      if (problem.empty() && !ReadSmallFile(key_file, &text)) {
        problem = "master_key_file " + key_file + ": cannot be read";
      }
      if (problem.empty() && !IsMasterKeyText(std::move(text))) {
        problem = "master_key_file " + key_file +
                  ": must hold the base64 encoding of exactly 32 bytes";
      }
      SecureWipe(text);
      Add(&problems, problem);
    }
  }

  // Same decision as serve: listen split, certificate and key loaded and matched.
  auto transport = PlanTransport(o);
  if (!transport.ok()) problems.push_back(transport.status().message());
  return problems;
}

std::string FormatEffectiveConfig(const EffectiveConfig& cfg, const SecretEnv& env) {
  const ServeOptions& o = cfg.options;
  std::string out = "# csrd serve: effective configuration (precedence: flag > env > file > "
                    "default)\n";
  out += "# config file: " +
         (cfg.config_file.empty() ? std::string("none")
                                  : cfg.config_file + " (from " + cfg.config_origin + ")") +
         "\n";
  std::string key_source;
  auto where = store::ParseDatabaseFlag(o.database, o.data_dir);
  const bool shared = where.ok() && where->kind == store::StoreKind::kPostgres;
  if (!env.master_key.empty()) {
    key_source = "CSRD_MASTER_KEY (set, not shown)";
  } else if (!o.master_key_file.empty()) {
    key_source = "master_key_file " + o.master_key_file;
  } else if (shared) {
    key_source = "none (required with PostgreSQL)";
  } else {
    const std::string dflt = (fs::path(o.data_dir) / "master.key").string();
    key_source = dflt + (::access(dflt.c_str(), F_OK) == 0
                             ? ""
                             : " (generated on the first start of a new store)");
  }
  out += "# master key: " + key_source + "\n";
  out += std::string("# bootstrap password: ") +
         (env.bootstrap_password ? "CSRD_BOOTSTRAP_PASSWORD (set, not shown; first start only)"
                                 : "generated into <data_dir>/bootstrap-admin-password on the "
                                   "first start") +
         "\n\n";

  const auto table = ServeOptionTable();
  std::string section = "";
  for (size_t row = 0; row < table.size(); ++row) {
    const OptionSpec& spec = table[row];
    const size_t dot = spec.file_key.rfind('.');
    const std::string sec(dot == std::string_view::npos ? "" : spec.file_key.substr(0, dot));
    const std::string leaf(spec.file_key.substr(dot == std::string_view::npos ? 0 : dot + 1));
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    std::string line = leaf + " = " + FormatOptionValue(spec, o);
    if (line.size() < 40) line.resize(40, ' ');
    out += line + "  # " + cfg.OriginText(row) + "\n";
  }
  return out;
}

}  // namespace csrd::cmd
