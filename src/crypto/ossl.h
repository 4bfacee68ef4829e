// Thin RAII glue over OpenSSL 3: owning pointers and error-queue draining.
//
// Every alias is a std::unique_ptr whose deleter calls the matching OpenSSL
// free function, so a failed step never leaks. Nothing here is secret-aware
// beyond BignumPtr, which clears the number before freeing it.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace csrd::crypto {

template <auto FreeFn>
struct OsslDeleter {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) FreeFn(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, OsslDeleter<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslDeleter<EVP_CIPHER_CTX_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OsslDeleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
using Asn1Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, OsslDeleter<ASN1_IA5STRING_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OsslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OsslDeleter<GENERAL_NAMES_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_clear_free>>;

// Memory freed with OPENSSL_free (e.g. the name/header buffers of PEM_read_bio).
struct OsslFree {
  void operator()(void* p) const;
};
using OsslBytesPtr = std::unique_ptr<unsigned char, OsslFree>;
using OsslCharPtr = std::unique_ptr<char, OsslFree>;

// A STACK_OF(X509_EXTENSION) together with its elements.
struct ExtensionStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * s) const;
};
using ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackFree>;

// Empties this thread's OpenSSL error queue and returns a short description
// built only from library and reason strings (never the "data" part, which may
// echo input). "" when the queue was empty. At most three entries are named.
std::string DrainOpenSslErrors();

// Status::Internal("<what>: <drained errors>"), for failures that are not the
// caller's fault (allocation, provider missing).
Status OsslInternal(std::string_view what);

// Clears this thread's OpenSSL error queue when it leaves scope, so errors from
// one operation never leak into the next caller's diagnostics.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard();
  ~ErrorQueueGuard();
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// A new read-only memory BIO over bytes (not copied: bytes must outlive it).
// nullptr when bytes is larger than an int can index.
BioPtr MemBioOver(std::string_view bytes);

}  // namespace csrd::crypto
