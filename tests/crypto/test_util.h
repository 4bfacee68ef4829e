// Helpers for the crypto tests: a scratch directory and the openssl CLI.
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "core/encoding.h"

namespace csrd::crypto::test_util {

struct CmdResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs cmd with /bin/sh, capturing stdout+stderr.
inline CmdResult RunCmd(const std::string& cmd) {
  CmdResult r;
  FILE* f = popen(("(" + cmd + ") 2>&1").c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) r.output.append(buf, n);
  int st = pclose(f);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csrd-crypto-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  // Absolute path of name inside the directory.
  std::string Path(std::string_view name) const { return (path_ / name).string(); }
  std::string Write(std::string_view name, std::string_view content) const {
    std::string p = Path(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string Read(std::string_view name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::filesystem::path path_;
};

// PEM armour around der with the given label, 64-character lines, LF ends.
inline std::string ToPem(std::string_view label, std::string_view der) {
  std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

// The DER inside the first PEM block of pem ("" if none).
inline std::string PemBody(std::string_view pem) {
  size_t begin = pem.find("-----\n");
  size_t end = pem.find("\n-----END");
  if (begin == std::string_view::npos || end == std::string_view::npos) return "";
  std::string b64;
  for (char c : pem.substr(begin + 6, end - begin - 6)) {
    if (c != '\n' && c != '\r') b64.push_back(c);
  }
  return Base64Decode(b64).value_or("");
}

}  // namespace csrd::crypto::test_util
