#include "cmd/csrd/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/ascii.h"
#include "core/encoding.h"
#include "crypto/sealer.h"

namespace csrd::cmd {
namespace {

// One row, "<key id>:<check value>": written with a single PutMeta, so two
// replicas racing on a new database can never leave one key's id beside the
// other key's check value.
constexpr std::string_view kMetaMasterKey = "master_key";

std::string MasterKeyRecord(const crypto::KeySealer& sealer) {
  return sealer.KeyId() + ":" + sealer.CheckValue();
}

std::string KeyIdOf(std::string_view record) {
  return std::string(record.substr(0, record.find(':')));
}

}  // namespace

bool ReadSmallFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->resize(4096);
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  if (in.bad()) return false;
  out->resize(static_cast<size_t>(in.gcount()));
  return true;
}

Result<Secret> DecodeMasterKey(std::string text, std::string_view origin) {
  ScopedWipe wipe_text(text);
  auto raw = Base64Decode(TrimAscii(text, " \t\r\n"));
  if (!raw || raw->size() != 32) {
    if (raw) SecureWipe(*raw);
    return Status::InvalidArgument(std::string("master key from ") + std::string(origin) +
                                   " must be the base64 encoding of exactly 32 bytes");
  }
  return Secret(std::move(*raw));
}

Status WriteSecretFile(const std::string& path, std::string_view content) {
  // Written under a private name, then linked into place: link() fails if the
  // name exists, so a reader never sees a half-written file, and of two
  // processes creating the same file exactly one wins.
  const std::string tmp = path + ".tmp-" + HexEncode(RandomBytes(8));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  Status st;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      st = Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (st.ok() && ::fsync(fd) != 0) st = Status::Unavailable("cannot sync " + tmp);
  ::close(fd);
  if (st.ok() && ::link(tmp.c_str(), path.c_str()) != 0) {
    st = errno == EEXIST ? Status::AlreadyExists(path + " exists already")
                         : Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  }
  ::unlink(tmp.c_str());
  if (!st.ok()) return st;
  // The new name must survive a crash too.
  const size_t slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<LoadedMasterKey> LoadMasterKey(const MasterKeySource& src, store::Store& store,
                                      bool allow_generate) {
  auto stored = store.GetMeta(kMetaMasterKey);
  if (!stored.ok()) return stored.status();

  LoadedMasterKey out;
  if (!src.env_value.empty()) {
    CSRD_ASSIGN_OR_RETURN(out.key, DecodeMasterKey(src.env_value, "CSRD_MASTER_KEY"));
    out.origin = "environment (CSRD_MASTER_KEY)";
  } else if (src.key_file.empty() && src.data_dir.empty()) {
    return Status::FailedPrecondition(
        "a PostgreSQL store needs the master key from CSRD_MASTER_KEY or --master-key-file; csrd "
        "never generates one for a shared database, since every replica must use the same key");
  } else {
    const std::string path = !src.key_file.empty() ? src.key_file : src.data_dir + "/master.key";
    std::string text;
    ScopedWipe wipe_text(text);
    if (ReadSmallFile(path, &text)) {
      CSRD_ASSIGN_OR_RETURN(out.key, DecodeMasterKey(std::move(text), path));
      out.origin = path;
    } else if (!src.key_file.empty()) {
      return Status::FailedPrecondition("master key file " + path + " cannot be read");
    } else if (stored->has_value() || !allow_generate) {
      return Status::FailedPrecondition(
          "the database was sealed with a master key, but none was given (set CSRD_MASTER_KEY, "
          "--master-key-file, or restore " + path + ")");
    } else {
      // A new, empty store: make a key for it.
      Secret fresh(RandomBytes(32));
      std::string b64 = Base64Encode(fresh.view()) + "\n";
      Status st = WriteSecretFile(path, b64);
      SecureWipe(b64);
      if (st.IsAlreadyExists()) {
        // Another csrd on this data dir generated it a moment ago: use that one.
        if (!ReadSmallFile(path, &text)) return Status::NotFound("cannot open " + path);
        CSRD_ASSIGN_OR_RETURN(out.key, DecodeMasterKey(std::move(text), path));
        out.origin = path;
      } else {
        CSRD_RETURN_IF_ERROR(st);
        out.key = std::move(fresh);
        out.origin = path;
        out.generated = true;
      }
    }
  }

  CSRD_ASSIGN_OR_RETURN(auto sealer, crypto::KeySealer::Create(out.key));
  const std::string mine = MasterKeyRecord(sealer);
  if (stored->has_value()) {
    if (**stored != mine) {
      return Status::FailedPrecondition(
          "the master key does not match the one this database was sealed with (key id " +
          KeyIdOf(**stored) + ", given " + sealer.KeyId() + ")");
    }
  } else {
    CSRD_RETURN_IF_ERROR(store.PutMeta(kMetaMasterKey, mine));
    // Replicas starting together on a new shared database each record their
    // key; whoever wrote last wins, and any replica holding another key must
    // not start, or it would seal rows the others cannot open.
    auto now_stored = store.GetMeta(kMetaMasterKey);
    if (!now_stored.ok()) return now_stored.status();
    if (*now_stored != std::optional<std::string>(mine)) {
      return Status::FailedPrecondition(
          "another csrd recorded a different master key in this new database at the same time "
          "(key id " + KeyIdOf(now_stored->value_or("?")) + ", given " + sealer.KeyId() +
          "): start every replica with the same key");
    }
  }
  return out;
}

}  // namespace csrd::cmd
