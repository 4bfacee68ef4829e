#include "crypto/sealer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <climits>
#include <cstdint>

#include "core/encoding.h"
#include "crypto/hmac.h"

namespace csrd::crypto {

namespace {

constexpr unsigned char kVersion = 0x01;
constexpr size_t kKeyLen = 32, kNonceLen = 12, kTagLen = 16;
constexpr size_t kOverhead = 1 + kNonceLen + kTagLen;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status Corrupt() { return Status::Corruption("sealed value failed authentication"); }

}  // namespace

Result<KeySealer> KeySealer::Create(const Secret& master_key) {
  ErrorQueueGuard guard;
  if (master_key.size() != kKeyLen) {
    return Status::InvalidArgument("master key must be exactly 32 bytes, got " +
                                   std::to_string(master_key.size()));
  }
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!cipher) return OsslInternal("AES-256-GCM unavailable");
  std::string key_id = HmacSha256Hex(master_key.view(), "csrd/key-id/v1").substr(0, 16);
  std::string check = HmacSha256Hex(master_key.view(), "csrd/key-check/v1");
  return KeySealer(Secret(master_key.view()), std::move(cipher), std::move(key_id),
                   std::move(check));
}

Result<std::string> KeySealer::Seal(std::string_view plaintext, std::string_view aad) const {
  ErrorQueueGuard guard;
  if (plaintext.size() > INT_MAX - kOverhead || aad.size() > INT_MAX) {
    return Status::InvalidArgument("value too large to seal");
  }
  std::string nonce = RandomBytes(kNonceLen);
  std::string out;
  out.resize(kOverhead + plaintext.size());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  o[0] = kVersion;
  std::copy(nonce.begin(), nonce.end(), out.begin() + 1);

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!ctx ||
      EVP_EncryptInit_ex2(ctx.get(), cipher_.get(), U(key_.view()), U(nonce), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, &kVersion, 1) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &n, U(aad), static_cast<int>(aad.size())) != 1)) {
    return OsslInternal("seal setup");
  }
  unsigned char* ct = o + 1 + kNonceLen;
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ct, &n, U(plaintext), static_cast<int>(plaintext.size())) !=
        1) {
      return OsslInternal("seal");
    }
    written = n;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ct + written, &n) != 1) return OsslInternal("seal final");
  written += n;
  if (static_cast<size_t>(written) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagLen, ct + written) != 1) {
    return OsslInternal("seal tag");
  }
  return out;
}

Result<Secret> KeySealer::Open(std::string_view sealed, std::string_view aad) const {
  ErrorQueueGuard guard;
  if (sealed.size() < kOverhead || sealed.size() > INT_MAX || aad.size() > INT_MAX ||
      static_cast<unsigned char>(sealed[0]) != kVersion) {
    return Corrupt();
  }
  std::string_view nonce = sealed.substr(1, kNonceLen);
  std::string_view ct = sealed.substr(1 + kNonceLen, sealed.size() - kOverhead);
  std::string_view tag = sealed.substr(sealed.size() - kTagLen);

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!ctx ||
      EVP_DecryptInit_ex2(ctx.get(), cipher_.get(), U(key_.view()), U(nonce), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, &kVersion, 1) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &n, U(aad), static_cast<int>(aad.size())) != 1)) {
    return OsslInternal("open setup");
  }
  Secret out(std::string(ct.size(), '\0'));
  auto* p = reinterpret_cast<unsigned char*>(out.mutable_str().data());
  int written = 0;
  if (!ct.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), p, &n, U(ct), static_cast<int>(ct.size())) != 1) {
      return Corrupt();
    }
    written = n;
  }
  // The tag buffer is const in spirit; the ctrl API just lacks the qualifier.
  std::string tag_copy(tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagLen, tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), p + written, &n) != 1) {
    return Corrupt();  // out wipes the unauthenticated plaintext
  }
  written += n;
  if (static_cast<size_t>(written) != ct.size()) return Corrupt();
  return out;
}

std::string SealAad(std::string_view table, std::string_view row_id,
                    std::string_view account_id) {
  std::string out = "csrd-aad-v1";
  for (std::string_view part : {table, row_id, account_id}) {
    auto len = static_cast<uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((len >> shift) & 0xFF));
    }
    out.append(part);
  }
  return out;
}

}  // namespace csrd::crypto
