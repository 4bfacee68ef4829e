// Principal: who is calling, as the Authenticator established it.
#pragma once

#include <cstdint>
#include <string>

namespace csrd::identity {

struct Principal {
  std::string account_id;
  std::string account_name;
  std::string user_id;
  std::string user_name;
  uint32_t roles = 0;  // store::RoleBits, read from the user row for this request
  std::string project_id;    // "" unless the token is project-scoped
  std::string project_name;  // "" unless scoped by name
  enum class Method { kToken, kAkSk } method = Method::kToken;
  std::string token_hash;  // kToken: SHA-256 hex of the token (never the token)
  int64_t expires_at = 0;  // epoch ms when the credential stops working
};

}  // namespace csrd::identity
