#include "crypto/private_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>

#include <array>
#include <cstring>

#include "crypto/pkcs8.h"
#include "crypto/pkey_util.h"

namespace csrd::crypto {

namespace {

// PEM_read_bio_ex(PEM_FLAG_SECURE) buffers: data holds the key DER, so it is
// cleansed; name and header come from the secure heap too.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  ~PemBlock() {
    OPENSSL_secure_free(name);
    OPENSSL_secure_free(header);
    OPENSSL_secure_clear_free(data, len > 0 ? static_cast<size_t>(len) : 0);
  }
};

enum class Der { kPkcs8, kPkcs1, kSec1 };

Result<PkeyPtr> DecodePrivateDer(const unsigned char* der, size_t len, Der kind) {
  const char* structure = kind == Der::kPkcs8 ? "PrivateKeyInfo" : "type-specific";
  // SEC1 may hold an SM2-curve key, which only the "SM2" decoder accepts in
  // 3.0, so the key type is left open and checked against the label below.
  const char* keytype = kind == Der::kPkcs1 ? "RSA" : nullptr;
  EVP_PKEY* raw = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", structure, keytype,
                                                         EVP_PKEY_KEYPAIR, nullptr, nullptr);
  if (dctx == nullptr) return OsslInternal("no private key decoder");
  int ok = OSSL_DECODER_from_data(dctx, &der, &len);
  OSSL_DECODER_CTX_free(dctx);
  PkeyPtr pk(raw);
  if (ok != 1 || !pk) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("private key PEM could not be parsed");
  }
  if (len != 0) return Status::InvalidArgument("private key PEM has trailing data");
  if (kind == Der::kPkcs1 && EVP_PKEY_is_a(pk.get(), "RSA") != 1) {
    return Status::InvalidArgument("RSA PRIVATE KEY block is not an RSA key");
  }
  if (kind == Der::kSec1 && !IsEcFamily(pk.get())) {
    return Status::InvalidArgument("EC PRIVATE KEY block is not an EC key");
  }
  return pk;
}

// OpenSSL calls this between RSA prime candidates; returning 0 aborts.
int KeygenProgress(EVP_PKEY_CTX* ctx) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(EVP_PKEY_CTX_get_app_data(ctx));
  return cancel != nullptr && cancel->load(std::memory_order_relaxed) ? 0 : 1;
}

Result<PkeyCtxPtr> NewKeygenCtx(KeyAlgo algo) {
  PkeyCtxPtr ctx;
  switch (algo) {
    case KeyAlgo::kRsa2048:
    case KeyAlgo::kRsa3072:
    case KeyAlgo::kRsa4096: {
      unsigned bits = algo == KeyAlgo::kRsa2048 ? 2048 : algo == KeyAlgo::kRsa3072 ? 3072 : 4096;
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
      BignumPtr e(BN_new());
      if (!ctx || !e || BN_set_word(e.get(), RSA_F4) != 1 || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
          EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1 ||
          EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1) {
        return OsslInternal("RSA keygen setup");
      }
      break;
    }
    case KeyAlgo::kEcP256:
    case KeyAlgo::kEcP384:
    case KeyAlgo::kSm2: {
      bool sm2 = algo == KeyAlgo::kSm2;
      const char* group = sm2 ? "SM2" : algo == KeyAlgo::kEcP256 ? "P-256" : "P-384";
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, sm2 ? "SM2" : "EC", nullptr));
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
          EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1) {
        return OsslInternal("EC keygen setup");
      }
      break;
    }
  }
  return ctx;
}

// Building a keygen context costs a provider fetch and, for EC, building the
// curve (EC_GROUP, Montgomery tables): about as much as generating a P-256 key.
// So each thread keeps one per algorithm, set up once and reused for every
// key. A context is not thread-safe, hence per thread; the worker and refill
// threads live as long as the server, so this is a handful of contexts each.
PkeyCtxPtr& CachedKeygenCtx(KeyAlgo algo) {
  thread_local std::array<PkeyCtxPtr, std::size(kAllKeyAlgos)> ctxs;
  return ctxs[static_cast<size_t>(algo)];
}

Result<PkeyPtr> GenerateRaw(KeyAlgo algo, const std::atomic<bool>* cancel) {
  PkeyCtxPtr& ctx = CachedKeygenCtx(algo);
  if (!ctx) {
    CSRD_ASSIGN_OR_RETURN(ctx, NewKeygenCtx(algo));
  }
  // The progress callback is per call: set it (or clear a previous call's).
  EVP_PKEY_CTX_set_app_data(ctx.get(), const_cast<std::atomic<bool>*>(cancel));
  EVP_PKEY_CTX_set_cb(ctx.get(), cancel != nullptr ? KeygenProgress : nullptr);
  EVP_PKEY* raw = nullptr;
  int ok = EVP_PKEY_generate(ctx.get(), &raw);
  EVP_PKEY_CTX_set_cb(ctx.get(), nullptr);
  EVP_PKEY_CTX_set_app_data(ctx.get(), nullptr);
  if (ok != 1) {
    // Whatever state an aborted or failed generation left in the context, the
    // next call starts from a fresh one.
    ctx.reset();
    if (cancel != nullptr && cancel->load()) {
      DrainOpenSslErrors();
      return Status::Unavailable("key generation cancelled");
    }
    return OsslInternal("key generation");
  }
  return PkeyPtr(raw);
}

}  // namespace

Result<PrivateKey> PrivateKey::Generate(KeyAlgo algo, const std::atomic<bool>* cancel) {
  ErrorQueueGuard guard;
  if (cancel != nullptr && cancel->load()) return Status::Unavailable("key generation cancelled");
  CSRD_ASSIGN_OR_RETURN(PkeyPtr pk, GenerateRaw(algo, cancel));
  return PrivateKey(std::move(pk));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  ErrorQueueGuard guard;
  BioPtr bio = MemBioOver(pem);
  if (!bio) return Status::InvalidArgument("private key PEM is too large");
  while (true) {
    PemBlock b;
    if (PEM_read_bio_ex(bio.get(), &b.name, &b.header, &b.data, &b.len, PEM_FLAG_SECURE) != 1) {
      DrainOpenSslErrors();
      return Status::InvalidArgument("no unencrypted PEM private key found");
    }
    std::string_view name(b.name);
    if (name == "ENCRYPTED PRIVATE KEY" ||
        (b.header != nullptr && std::strstr(b.header, "ENCRYPTED") != nullptr)) {
      return Status::InvalidArgument("private key PEM is encrypted; send it unencrypted");
    }
    Der kind;
    if (name == "PRIVATE KEY") {
      kind = Der::kPkcs8;
    } else if (name == "RSA PRIVATE KEY") {
      kind = Der::kPkcs1;
    } else if (name == "EC PRIVATE KEY" || name == "SM2 PRIVATE KEY") {
      kind = Der::kSec1;
    } else {
      continue;  // "EC PARAMETERS" (openssl ecparam -genkey), certificates, ...
    }
    if (b.len <= 0) return Status::InvalidArgument("private key PEM is empty");
    CSRD_ASSIGN_OR_RETURN(PkeyPtr pk,
                          DecodePrivateDer(b.data, static_cast<size_t>(b.len), kind));
    if (IsEcFamily(pk.get()) && EcGroupName(pk.get())) {
      CSRD_ASSIGN_OR_RETURN(pk, RebuildEcKey(pk.get(), /*with_private=*/true));
    }
    return PrivateKey(std::move(pk));
  }
}

Result<KeyAlgo> PrivateKey::Algo() const {
  ErrorQueueGuard guard;
  return KeyAlgoOf(pkey_.get());
}

Result<Secret> PrivateKey::ToPkcs8Pem() const {
  ErrorQueueGuard guard;
  if (!pkey_) return Status::Internal("PrivateKey is empty");
  CSRD_ASSIGN_OR_RETURN(Secret out, EncodePkcs8Pem(pkey_.get()));
  constexpr std::string_view kBegin = "-----BEGIN PRIVATE KEY-----\n";
  if (out.view().substr(0, kBegin.size()) != kBegin || out.view().back() != '\n' ||
      out.view().find('\r') != std::string_view::npos) {
    return Status::Internal("PKCS#8 encoding has an unexpected shape");
  }
  return out;
}

}  // namespace csrd::crypto
