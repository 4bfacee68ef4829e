#include "cmd/csrd/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/encoding.h"
#include "crypto/sealer.h"

namespace csrd::cmd {
namespace {

constexpr std::string_view kMetaKeyId = "master_key_id";
constexpr std::string_view kMetaKcv = "master_key_check";

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

Result<Secret> DecodeKey(std::string b64, std::string_view origin) {
  auto raw = Base64Decode(Trim(std::move(b64)));
  SecureWipe(b64);
  if (!raw || raw->size() != 32) {
    if (raw) SecureWipe(*raw);
    return Status::InvalidArgument(std::string("master key from ") + std::string(origin) +
                                   " must be the base64 encoding of exactly 32 bytes");
  }
  return Secret(std::move(*raw));
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status WriteSecretFile(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Status::Unavailable("cannot sync " + path);
  return Status::Ok();
}

Result<LoadedMasterKey> LoadMasterKey(const MasterKeySource& src, store::Store& store,
                                      bool allow_generate) {
  auto stored_id = store.GetMeta(kMetaKeyId);
  if (!stored_id.ok()) return stored_id.status();
  auto stored_kcv = store.GetMeta(kMetaKcv);
  if (!stored_kcv.ok()) return stored_kcv.status();

  LoadedMasterKey out;
  if (!src.env_value.empty()) {
    CSRD_ASSIGN_OR_RETURN(out.key, DecodeKey(src.env_value, "CSRD_MASTER_KEY"));
    out.origin = "environment (CSRD_MASTER_KEY)";
  } else {
    const std::string path = !src.key_file.empty() ? src.key_file : src.data_dir + "/master.key";
    auto text = ReadFile(path);
    if (text.ok()) {
      CSRD_ASSIGN_OR_RETURN(out.key, DecodeKey(std::move(text).value(), path));
      out.origin = path;
    } else if (!src.key_file.empty()) {
      return Status::FailedPrecondition("master key file " + path + " cannot be read");
    } else if (stored_id->has_value() || !allow_generate) {
      return Status::FailedPrecondition(
          "the database was sealed with a master key, but none was given (set CSRD_MASTER_KEY, "
          "--master-key-file, or restore " + path + ")");
    } else {
      // A new, empty store: make a key for it.
      Secret fresh(RandomBytes(32));
      std::string b64 = Base64Encode(fresh.view()) + "\n";
      Status st = WriteSecretFile(path, b64);
      SecureWipe(b64);
      CSRD_RETURN_IF_ERROR(st);
      out.key = std::move(fresh);
      out.origin = path;
      out.generated = true;
    }
  }

  CSRD_ASSIGN_OR_RETURN(auto sealer, crypto::KeySealer::Create(out.key));
  if (stored_id->has_value()) {
    if (**stored_id != sealer.KeyId() || !stored_kcv->has_value() ||
        **stored_kcv != sealer.CheckValue()) {
      return Status::FailedPrecondition(
          "the master key does not match the one this database was sealed with (key id " +
          **stored_id + ", given " + sealer.KeyId() + ")");
    }
  } else {
    CSRD_RETURN_IF_ERROR(store.PutMeta(kMetaKcv, sealer.CheckValue()));
    CSRD_RETURN_IF_ERROR(store.PutMeta(kMetaKeyId, sealer.KeyId()));
  }
  return out;
}

}  // namespace csrd::cmd
