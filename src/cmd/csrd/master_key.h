// Where csrd's master key comes from (contract §7), and the check that it is
// the key the database was sealed with.
#pragma once

#include <string>

#include "core/result.h"
#include "core/secret.h"
#include "store/store.h"

namespace csrd::cmd {

struct MasterKeySource {
  std::string env_value;     // CSRD_MASTER_KEY (base64), "" if unset
  std::string key_file;      // --master-key-file, "" if unset
  // Default file: <data_dir>/master.key. "" for a shared (PostgreSQL) store:
  // then the key must come from env_value or key_file, and none is generated,
  // because every replica must hold the same key.
  std::string data_dir;
};

struct LoadedMasterKey {
  Secret key;                // 32 bytes
  std::string origin;        // "environment", or the file path (for the log)
  bool generated = false;    // true when this start created the file
};

// Loads the key from the environment, the given file, or <data_dir>/master.key;
// generates <data_dir>/master.key (mode 0600) only when none exists, data_dir
// is set and the store has never seen a key (an empty SQLite store). The
// store's recorded key id and check value must match, else
// FailedPrecondition: csrd refuses to start. A store that has never seen a key
// records this one (re-read afterwards, so two replicas racing with different
// keys cannot both start). allow_generate=false (csrd admin) never creates a key.
Result<LoadedMasterKey> LoadMasterKey(const MasterKeySource& src, store::Store& store,
                                      bool allow_generate = true);

// The 32-byte key from its base64 text (surrounding spaces, tabs and line
// ends ignored); text is wiped. InvalidArgument naming origin, never quoting
// the text, for anything else. --check-config applies the same rule.
Result<Secret> DecodeMasterKey(std::string text, std::string_view origin);

// Reads a key file (a key is 45 bytes; at most the first 4096 bytes are read) into *out in one
// buffer, without the growing or copied buffers of stream reads that would leave unwiped copies
// of the key text behind. false if the file cannot be opened or read; *out, which may hold part
// of the file either way, is the caller's to wipe.
bool ReadSmallFile(const std::string& path, std::string* out);

// Writes content to path with mode 0600, atomically (a reader sees the whole
// file or none) and durably; AlreadyExists if path exists.
Status WriteSecretFile(const std::string& path, std::string_view content);

}  // namespace csrd::cmd
