// Files csrctl writes (private keys, CSRs, its config) and reads (CSR and key
// files to upload), with the care secrets need.
//
// OutputFile reserves the destination *before* the data exists, so that a
// refusal (the file exists) comes before a private key is exported, and a
// failed export leaves nothing behind:
//   - overwrite = false: path is created with O_CREAT|O_EXCL|O_NOFOLLOW (an
//     existing file or symlink, even a dangling one, is AlreadyExists).
//   - overwrite = true: a fresh file next to path, renamed over it on
//     Commit(), so the old content survives until the new one is on disk.
// Mode kPrivate is exactly 0600 whatever the umask; kPublic is 0644 minus the
// umask. A file that was never committed is removed when the object dies.
// Move-only, not thread-safe. Errors name the path, never the data.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace csrd::client {

class OutputFile {
 public:
  enum class Mode { kPrivate, kPublic };

  static Result<OutputFile> Open(std::string path, Mode mode, bool overwrite);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Writes data, fsyncs and (overwrite mode) renames into place. Once only.
  Status Commit(std::string_view data);

  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::string temp, int fd) : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}

  std::string path_;
  std::string temp_;  // "" when writing path_ directly
  int fd_ = -1;
  bool committed_ = false;
};

// Reads a whole regular file of at most max_bytes. NotFound, FailedPrecondition
// (not a regular file, unreadable) or InvalidArgument (too large), naming the
// path. The caller wipes the result if it holds a secret.
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

// The same from an open descriptor (not closed); path is for messages.
Result<std::string> ReadFd(int fd, const std::string& path, size_t max_bytes);

}  // namespace csrd::client
