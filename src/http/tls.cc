#include "http/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <exception>
#include <utility>

namespace csrd::http {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 only; TLS 1.3 suites are set separately. ECDHE (forward secrecy)
// with AEAD ciphers, ECDSA before RSA, AES-128 first (as fast and as safe in
// practice), ChaCha20 for clients without AES instructions.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

// OpenSSL's error queue as "reason; reason" (then cleared).
std::string OpenSslErrors() {
  std::string out;
  unsigned long e;
  int n = 0;
  while ((e = ERR_get_error()) != 0) {
    if (n++ >= 4) continue;  // drain the rest
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// An encrypted key is refused rather than prompted for on the terminal.
int NoPassword(char*, int, int, void*) { return 0; }

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof(kHttp11), in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

Result<std::shared_ptr<ssl::context>> Build(const std::string& cert_file,
                                            const std::string& key_file) {
  ERR_clear_error();
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_SSLv3 |
                             SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  SSL_CTX_clear_options(c, SSL_OP_ALLOW_CLIENT_RENEGOTIATION | SSL_OP_LEGACY_SERVER_CONNECT);
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(c, kTls13Suites) != 1 || SSL_CTX_set1_groups_list(c, kGroups) != 1) {
    return Status::Internal("cannot apply the TLS policy: " + OpenSslErrors());
  }
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);  // idle connections give their buffers back
  SSL_CTX_set_default_passwd_cb(c, NoPassword);
  SSL_CTX_set_alpn_select_cb(c, SelectAlpn, nullptr);

  if (SSL_CTX_use_certificate_chain_file(c, cert_file.c_str()) != 1) {
    return Status::InvalidArgument("TLS certificate " + cert_file + ": " + OpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(c, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument("TLS key " + key_file + ": " + OpenSslErrors());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("TLS key " + key_file + " does not match the certificate " +
                                   cert_file);
  }
  return ctx;
}

std::string NameText(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data != nullptr && n > 0 ? std::string(data, static_cast<size_t>(n)) : "");
  BIO_free(bio);
  return out;
}

std::string TimeText(const ASN1_TIME* t) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  ASN1_TIME_print(bio, t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data != nullptr && n > 0 ? std::string(data, static_cast<size_t>(n)) : "");
  BIO_free(bio);
  return out;
}

}  // namespace

TlsContext::TlsContext(std::string cert_file, std::string key_file,
                       std::shared_ptr<ssl::context> context)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)),
      context_(std::move(context)) {}

Result<std::shared_ptr<TlsContext>> TlsContext::Load(std::string cert_file, std::string key_file) {
  auto ctx = Build(cert_file, key_file);
  if (!ctx.ok()) return ctx.status();
  return std::shared_ptr<TlsContext>(
      new TlsContext(std::move(cert_file), std::move(key_file), std::move(ctx).value()));
}

Status TlsContext::Reload() {
  auto ctx = Build(cert_file_, key_file_);
  if (!ctx.ok()) return ctx.status();
  std::shared_ptr<ssl::context> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(context_, std::move(ctx).value());
  }
  return Status::Ok();  // `old` dies here unless a connection still holds it
}

std::shared_ptr<ssl::context> TlsContext::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return context_;
}

std::string TlsContext::Describe() const {
  auto ctx = Current();
  X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
  if (cert == nullptr) return "no certificate";
  return "subject " + NameText(X509_get_subject_name(cert)) + ", issuer " +
         NameText(X509_get_issuer_name(cert)) + ", valid until " +
         TimeText(X509_get0_notAfter(cert));
}

}  // namespace csrd::http
