// KeySealer: private keys and SKs at rest (contract §7), AES-256-GCM under the
// 256-bit master key with associated data binding each ciphertext to its row.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/ossl.h"

namespace csrd::crypto {

// Immutable after Create; all methods are const and thread-safe. Move-only;
// the master key copy it holds is wiped when it dies.
class KeySealer {
 public:
  // master_key must be exactly 32 raw bytes, else InvalidArgument.
  static Result<KeySealer> Create(const Secret& master_key);

  KeySealer(KeySealer&&) noexcept = default;
  KeySealer& operator=(KeySealer&&) noexcept = default;

  // A fresh random 96-bit nonce per call. Output (binary):
  //   version (0x01) || nonce (12) || ciphertext || tag (16);
  // the version byte is authenticated along with aad.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;

  // Any tampering, truncation, unknown version, wrong key or wrong aad ->
  // Corruption with a fixed message (nothing about the contents).
  Result<Secret> Open(std::string_view sealed, std::string_view aad) const;

  // 16 hex characters: HMAC-SHA256(master, "csrd/key-id/v1"), truncated.
  // Names the key in logs and the DB; reveals nothing about it.
  std::string KeyId() const { return key_id_; }
  // 64 hex characters: HMAC-SHA256(master, "csrd/key-check/v1"). Stored in the
  // DB so a start with the wrong master key is refused. A separate derivation
  // from KeyId.
  std::string CheckValue() const { return check_value_; }

 private:
  KeySealer(Secret key, CipherPtr cipher, std::string key_id, std::string check_value)
      : key_(std::move(key)), cipher_(std::move(cipher)), key_id_(std::move(key_id)),
        check_value_(std::move(check_value)) {}

  Secret key_;
  CipherPtr cipher_;  // fetched once; EVP_CIPHER is safe to share across threads
  std::string key_id_;
  std::string check_value_;
};

// Associated data for a sealed column: "csrd-aad-v1" followed by table, row id
// and account id, each as a 4-byte big-endian length and the bytes, so no two
// distinct triples encode alike.
std::string SealAad(std::string_view table, std::string_view row_id, std::string_view account_id);

}  // namespace csrd::crypto
