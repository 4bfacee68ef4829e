#include "client/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/encoding.h"
#include "core/secret.h"

namespace csrd::client {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  int e = errno;
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(e);
  if (e == ENOENT) return Status::NotFound(msg);
  return Status::FailedPrecondition(msg);
}

}  // namespace

Result<OutputFile> OutputFile::Open(std::string path, Mode mode, bool overwrite) {
  if (path.empty()) return Status::InvalidArgument("empty output file name");
  mode_t perms = mode == Mode::kPrivate ? 0600 : 0644;
  std::string temp;
  const std::string* target = &path;
  if (overwrite) {
    // Same directory, so the rename is atomic; a random name nobody can
    // guess or pre-create as a symlink (O_EXCL|O_NOFOLLOW refuse it anyway).
    temp = path + ".tmp-" + RandomString(12, "abcdefghijklmnopqrstuvwxyz0123456789");
    target = &temp;
  }
  int fd = open(target->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perms);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::AlreadyExists(path + " already exists (use --force to replace it)");
    }
    return Errno("cannot create", path);
  }
  if (mode == Mode::kPrivate && fchmod(fd, 0600) != 0) {
    Status st = Errno("cannot chmod", path);
    close(fd);
    unlink(target->c_str());
    return st;
  }
  return OutputFile(std::move(path), std::move(temp), fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::move(other.temp_)),
      fd_(other.fd_),
      committed_(other.committed_) {
  other.fd_ = -1;
  other.committed_ = true;  // the moved-from object owns nothing to clean up
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink((temp_.empty() ? path_ : temp_).c_str());
}

Status OutputFile::Commit(std::string_view data) {
  if (committed_ || fd_ < 0) return Status::FailedPrecondition("file already committed");
  while (!data.empty()) {
    ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd_) != 0) return Errno("cannot sync", path_);
  int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return Errno("cannot close", path_);
  if (!temp_.empty() && rename(temp_.c_str(), path_.c_str()) != 0) {
    return Errno("cannot replace", path_);
  }
  committed_ = true;
  return Status::Ok();
}

Result<std::string> ReadFd(int fd, const std::string& path, size_t max_bytes) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Errno("cannot read", path);
      SecureWipe(buf, sizeof buf);
      SecureWipe(out);
      return st;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      SecureWipe(buf, sizeof buf);
      SecureWipe(out);
      return Status::InvalidArgument(path + " is larger than " + std::to_string(max_bytes) +
                                     " bytes");
    }
    if (out.capacity() < out.size() + static_cast<size_t>(n)) {
      // Grow by hand so that no unwiped copy of a key is left behind.
      std::string bigger;
      bigger.reserve(std::max(out.capacity() * 2, out.size() + static_cast<size_t>(n)));
      bigger = out;
      SecureWipe(out);
      out = std::move(bigger);
    }
    out.append(buf, static_cast<size_t>(n));
  }
  SecureWipe(buf, sizeof buf);
  return out;
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::FailedPrecondition(path + " is not a regular file");
  }
  Result<std::string> out = ReadFd(fd, path, max_bytes);
  close(fd);
  return out;
}

}  // namespace csrd::client
