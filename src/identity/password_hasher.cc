#include "identity/password_hasher.h"

#include <argon2.h>

#include <string>

#include "core/encoding.h"

namespace csrd::identity {
namespace {

constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;

}  // namespace

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  // The dummy's password is random and thrown away: nothing can match it.
  auto dummy = Hash(HexEncode(RandomBytes(32)));
  if (dummy.ok()) dummy_ = std::move(dummy).value();
}

Status PasswordHasher::ValidateParams(const Argon2Params& p) {
  if (p.t_cost < ARGON2_MIN_TIME) return Status::InvalidArgument("argon2 t_cost must be >= 1");
  if (p.parallelism < ARGON2_MIN_LANES || p.parallelism > ARGON2_MAX_LANES) {
    return Status::InvalidArgument("argon2 parallelism out of range");
  }
  if (p.m_cost_kib < 8 * p.parallelism) {
    return Status::InvalidArgument("argon2 m_cost_kib must be >= 8 * parallelism");
  }
  if (p.m_cost_kib > (1u << 22)) return Status::InvalidArgument("argon2 m_cost_kib over 4 GiB");
  return Status::Ok();
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  CSRD_RETURN_IF_ERROR(ValidateParams(params_));
  const std::string salt = RandomBytes(kSaltLen);
  std::string encoded(argon2_encodedlen(params_.t_cost, params_.m_cost_kib, params_.parallelism,
                                        kSaltLen, kHashLen, Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(params_.t_cost, params_.m_cost_kib, params_.parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Status::Internal(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool PasswordHasher::Verify(std::string_view password, std::string_view encoded) const {
  // libargon2 wants a NUL-terminated string; an embedded NUL would truncate it,
  // so such input is malformed by definition.
  if (encoded.find('\0') != std::string_view::npos) return false;
  const std::string z(encoded);
  return argon2id_verify(z.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void PasswordHasher::VerifyDummy(std::string_view password) const {
  if (!dummy_.empty()) (void)Verify(password, dummy_);
}

}  // namespace csrd::identity
