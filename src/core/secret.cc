#include "core/secret.h"

#include <openssl/crypto.h>

namespace csrd {

void SecureWipe(void* p, size_t n) {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

void SecureWipe(std::string& s) {
  // capacity() covers the small-string buffer too, so short secrets are wiped.
  SecureWipe(s.data(), s.capacity());
  s.clear();
}

}  // namespace csrd
