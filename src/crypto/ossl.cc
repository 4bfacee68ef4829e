#include "crypto/ossl.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <climits>

namespace csrd::crypto {

void OsslFree::operator()(void* p) const { OPENSSL_free(p); }

void ExtensionStackFree::operator()(STACK_OF(X509_EXTENSION) * s) const {
  sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}

std::string DrainOpenSslErrors() {
  std::string out;
  int named = 0, skipped = 0;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (named == 3) {
      ++skipped;
      continue;
    }
    const char* lib = ERR_lib_error_string(e);
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += lib != nullptr ? lib : "lib?";
    out += ": ";
    if (reason != nullptr) {
      out += reason;
    } else {
      out += "reason " + std::to_string(ERR_GET_REASON(e));
    }
    ++named;
  }
  if (skipped > 0) out += "; +" + std::to_string(skipped) + " more";
  return out;
}

Status OsslInternal(std::string_view what) {
  std::string detail = DrainOpenSslErrors();
  std::string msg(what);
  if (!detail.empty()) msg += ": " + detail;
  return Status::Internal(std::move(msg));
}

ErrorQueueGuard::ErrorQueueGuard() { ERR_clear_error(); }
ErrorQueueGuard::~ErrorQueueGuard() { ERR_clear_error(); }

BioPtr MemBioOver(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  // BIO_new_mem_buf wants a non-null pointer even for zero bytes.
  const char* p = bytes.empty() ? "" : bytes.data();
  return BioPtr(BIO_new_mem_buf(p, static_cast<int>(bytes.size())));
}

}  // namespace csrd::crypto
