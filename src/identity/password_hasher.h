// PasswordHasher: Argon2id (libargon2) password hashing and verification.
//
// Thread-safe: every method may run concurrently (the hasher holds only
// immutable state). Each call costs one full KDF run; callers bound
// concurrency with a KdfLimiter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace csrd::identity {

// OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  uint32_t t_cost = 2;
  uint32_t m_cost_kib = 19456;
  uint32_t parallelism = 1;
};

class PasswordHasher {
 public:
  // The params are used for new hashes and for the dummy hash. Invalid params
  // (see ValidateParams) make Hash fail with InvalidArgument and VerifyDummy a
  // no-op, so the program checks them at start-up.
  explicit PasswordHasher(Argon2Params params);

  // OK if libargon2 accepts params: t_cost >= 1, parallelism 1..16777215,
  // m_cost_kib >= 8 * parallelism and <= 4 GiB.
  static Status ValidateParams(const Argon2Params& params);

  // The PHC-encoded Argon2id hash ("$argon2id$v=19$m=...,t=...,p=...$salt$hash")
  // of password with a fresh random 16-byte salt and a 32-byte output.
  // InvalidArgument for bad params; Internal if libargon2 fails otherwise.
  Result<std::string> Hash(std::string_view password) const;

  // True only if encoded is a well-formed Argon2id hash of password (with the
  // cost parameters recorded in encoded). Malformed input gives false.
  bool Verify(std::string_view password, std::string_view encoded) const;

  // Spends what a real Verify would (same params) against a fixed hash of a
  // random password made at construction; always "fails". Used for unknown
  // users and locked pairs so timing tells nothing.
  void VerifyDummy(std::string_view password) const;

  const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
  std::string dummy_;  // encoded hash of a random password; "" if params are invalid
};

}  // namespace csrd::identity
