// TlsContext: the server side of TLS (OpenSSL 3 through Asio), loaded from a
// PEM certificate chain and a PEM private key, and reloadable.
//
// Policy (fixed, not configurable): TLS 1.2 and 1.3 only (1.3 is chosen
// whenever the client offers it); TLS 1.2 restricted to ECDHE key exchange
// with AES-GCM or ChaCha20-Poly1305; the server's cipher order wins; key
// exchange groups X25519, P-256, P-384; no compression; no renegotiation;
// ALPN answers "http/1.1" when the client offers it and nothing otherwise
// (HTTP/1.1 only: a client offering only h2 falls back or gives up).
// OpenSSL's security level (Debian: 2) also applies, e.g. RSA keys of at
// least 2048 bits.
//
// Files: the certificate file holds the leaf first, then any intermediates;
// the key file an unencrypted PEM key (an encrypted one is refused, never
// prompted for). Error messages name the file and OpenSSL's reason, never
// key material.
//
// Thread safety: every method may be called from any thread. Reload() swaps
// the context that new handshakes use; a connection keeps the context it
// started with (it holds a reference), so a reload never drops a connection.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace csrd::http {

class TlsContext {
 public:
  // Loads and checks both files (the key must match the leaf certificate).
  // InvalidArgument naming the file and the reason.
  static Result<std::shared_ptr<TlsContext>> Load(std::string cert_file, std::string key_file);

  // Re-reads both files. On success, new handshakes use them; on any error
  // the current certificate stays in use and the error is returned.
  Status Reload();

  // The context a new connection handshakes with. Never null.
  std::shared_ptr<boost::asio::ssl::context> Current() const;

  // The current leaf certificate for logs: "subject CN=..., issuer ...,
  // valid until Mon DD HH:MM:SS YYYY GMT".
  std::string Describe() const;

 private:
  TlsContext(std::string cert_file, std::string key_file,
             std::shared_ptr<boost::asio::ssl::context> context);

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // guarded by mu_
};

}  // namespace csrd::http
