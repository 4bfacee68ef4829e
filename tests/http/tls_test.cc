// TlsContext and the server over TLS, with real OpenSSL on both ends of a
// loopback socket: policy (versions, ciphers, ALPN), handshake timeout,
// certificate reload without dropping connections, close_notify.
#include "http/tls.h"

#include <boost/asio/ssl/stream.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "http/self_signed.h"
#include "http/server.h"
#include "http/test_support.h"

namespace csrd::http::testing {
namespace {

namespace ssl = boost::asio::ssl;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string EncryptedKey(const std::string& key_pem) {
  BIO* in = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  BIO* out = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  PEM_write_bio_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), pass, 6, nullptr, nullptr);
  EVP_PKEY_free(key);
  return BioText(out);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tls_test.XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    return p;
  }

 private:
  std::string path_;
};

// The trust anchor for a client (the self-signed certificate).
struct Files {
  TempDir dir;
  Pem pem;
  std::string cert, key;
  explicit Files(const std::string& cn, bool rsa = false) : pem(SelfSigned(cn, rsa)) {
    cert = dir.Write("cert.pem", pem.cert);
    key = dir.Write("key.pem", pem.key);
  }
  void Replace(const Pem& next) {
    dir.Write("cert.pem", next.cert);
    dir.Write("key.pem", next.key);
  }
};

std::string PeerCn(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof(buf));
  X509_free(cert);
  return buf;
}

// Blocking TLS client whose every operation gives up after a bound.
class TlsClient {
 public:
  TlsClient(uint16_t port, ssl::context& ctx) : stream_(ioc_, ctx) {
    stream_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  boost::system::error_code Handshake() {
    return Bounded(milliseconds(5000), [&](auto done) {
      stream_.async_handshake(ssl::stream_base::client,
                              [done](const boost::system::error_code& ec) mutable { done(ec, 0); });
    });
  }
  bool Send(std::string_view bytes) {
    return !Bounded(milliseconds(5000), [&](auto done) {
      asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), done);
    });
  }
  std::optional<WireReply> Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    auto ec = Bounded(milliseconds(5000),
                      [&](auto done) { bhttp::async_read(stream_, buffer_, parser, done); });
    if (ec) return std::nullopt;
    return parser.release();
  }
  std::optional<WireReply> RoundTrip(std::string_view request) {
    if (!Send(request)) return std::nullopt;
    return Read();
  }
  // The error of reading one more byte (eof after a close_notify).
  boost::system::error_code ReadEnd() {
    char c;
    return Bounded(milliseconds(3000), [&](auto done) {
      stream_.async_read_some(asio::buffer(&c, 1), done);
    });
  }
  SSL* ssl() { return stream_.native_handle(); }

 private:
  template <class Op>
  boost::system::error_code Bounded(milliseconds limit, Op op) {
    boost::system::error_code result = asio::error::timed_out;
    bool finished = false;
    ioc_.restart();
    op([&](const boost::system::error_code& ec, size_t) {
      result = ec;
      finished = true;
    });
    ioc_.run_for(limit);
    if (!finished) {
      stream_.next_layer().cancel();
      ioc_.restart();
      ioc_.run();
      result = asio::error::timed_out;
    }
    return result;
  }

  asio::io_context ioc_;
  ssl::stream<tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

// A client context trusting `pem`, offering ALPN h2 and http/1.1.
std::unique_ptr<ssl::context> ClientContext(const Pem& pem) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->add_certificate_authority(asio::buffer(pem.cert));
  ctx->set_verify_mode(ssl::verify_peer);
  static const unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kAlpn, sizeof(kAlpn));
  return ctx;
}

ServerOptions TlsOptions(const std::shared_ptr<TlsContext>& tls) {
  ServerOptions o;
  o.worker_threads = 2;
  o.tls = tls;
  return o;
}

TEST(TlsContextTest, LoadsAndDescribesTheCertificate) {
  Files f("one.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_NE((*tls)->Current(), nullptr);
  EXPECT_NE((*tls)->Describe().find("CN = one.example"), std::string::npos) << (*tls)->Describe();
}

TEST(TlsContextTest, RefusesBadFilesNamingThem) {
  Files f("one.example");
  Files other("two.example");
  TempDir dir;
  const std::string garbage = dir.Write("garbage.pem", "not a certificate\n");
  const std::string encrypted = dir.Write("enc.pem", EncryptedKey(f.pem.key));
  struct Case {
    std::string cert, key, mentions;
  } cases[] = {
      {dir.Write("none", "") + "-missing", f.key, "-missing"},
      {garbage, f.key, "garbage.pem"},
      {f.cert, garbage, "garbage.pem"},
      {f.cert, other.key, "mismatch"},
      {f.cert, encrypted, "enc.pem"},  // refused, not prompted for
      {f.cert, "", "TLS key"},
  };
  for (const Case& c : cases) {
    auto tls = TlsContext::Load(c.cert, c.key);
    ASSERT_FALSE(tls.ok()) << c.cert << " " << c.key;
    EXPECT_TRUE(tls.status().IsInvalidArgument());
    EXPECT_NE(tls.status().message().find(c.mentions), std::string::npos)
        << tls.status().message();
    EXPECT_EQ(tls.status().message().find("PRIVATE KEY"), std::string::npos);
  }
}

TEST(TlsContextTest, ReloadSwapsOnSuccessAndKeepsTheOldOnError) {
  Files f("one.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  auto first = (*tls)->Current();
  f.Replace(SelfSigned("two.example"));
  ASSERT_TRUE((*tls)->Reload().ok());
  EXPECT_NE((*tls)->Current(), first);
  EXPECT_NE((*tls)->Describe().find("two.example"), std::string::npos);
  auto second = (*tls)->Current();
  // A new certificate whose key has not been written yet: refused.
  const Pem third = SelfSigned("three.example");
  f.dir.Write("cert.pem", third.cert);
  Status st = (*tls)->Reload();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_EQ((*tls)->Current(), second);
  f.dir.Write("key.pem", third.key);
  EXPECT_TRUE((*tls)->Reload().ok());
  EXPECT_NE((*tls)->Describe().find("three.example"), std::string::npos);
}

TEST(TlsServerTest, ServesHttpsPreferringTls13AndHttp11Alpn) {
  for (bool rsa : {false, true}) {
    Files f("server.example", rsa);
    auto tls = TlsContext::Load(f.cert, f.key);
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    FakeHandler h;
    RunningServer s(TlsOptions(*tls), &h);
    auto ctx = ClientContext(f.pem);
    TlsClient c(s.port(), *ctx);
    ASSERT_FALSE(c.Handshake());
    EXPECT_EQ(SSL_version(c.ssl()), TLS1_3_VERSION);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(c.ssl(), &alpn, &alpn_len);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(alpn), alpn_len), "http/1.1");
    for (int i = 0; i < 3; ++i) {  // keep-alive over TLS
      auto r = c.RoundTrip(Get("/hello"));
      ASSERT_TRUE(r);
      EXPECT_EQ(r->result_int(), 200);
      EXPECT_EQ(r->body().rfind("GET /hello", 0), 0u);
    }
    // Pipelined: both in one write, answered in order.
    ASSERT_TRUE(c.Send(Get("/p1") + Get("/p2")));
    auto r1 = c.Read();
    auto r2 = c.Read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(r1->body().rfind("GET /p1", 0), 0u);
    EXPECT_EQ(r2->body().rfind("GET /p2", 0), 0u);
  }
}

TEST(TlsServerTest, Tls12OnlyWithModernCiphers) {
  Files f("server.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  FakeHandler h;
  RunningServer s(TlsOptions(*tls), &h);
  struct Case {
    int max_version;
    const char* ciphers;
    bool ok;
  } cases[] = {
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", true},
      {TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", true},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", true},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256:@SECLEVEL=0", false},  // CBC
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", false},
      {TLS1_2_VERSION, "AES128-SHA:AES128-GCM-SHA256:@SECLEVEL=0", false},  // no ECDHE
      {TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", false},
      {TLS1_VERSION, "DEFAULT:@SECLEVEL=0", false},
  };
  for (const Case& c : cases) {
    auto ctx = ClientContext(f.pem);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), c.max_version);
    ASSERT_EQ(SSL_CTX_set_cipher_list(ctx->native_handle(), c.ciphers), 1) << c.ciphers;
    TlsClient client(s.port(), *ctx);
    const auto ec = client.Handshake();
    EXPECT_EQ(!ec, c.ok) << c.ciphers << " max " << c.max_version << ": " << ec.message();
    if (!ec) {
      EXPECT_EQ(SSL_version(client.ssl()), TLS1_2_VERSION);
      EXPECT_EQ(SSL_get_current_compression(client.ssl()), nullptr);
      EXPECT_TRUE(client.RoundTrip(Get("/x")));
    }
  }
  EXPECT_EQ(h.preflight_calls.load(), 3);
}

TEST(TlsServerTest, SlowOrBogusHandshakesAreClosed) {
  Files f("server.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  FakeHandler h;
  ServerOptions o = TlsOptions(*tls);
  o.handshake_timeout_s = 1;
  o.idle_timeout_s = 30;
  RunningServer s(o, &h);
  {  // Plain HTTP on the TLS port: refused at once.
    Client plain(s.port());
    ASSERT_TRUE(plain.Send(Get("/x")));
    EXPECT_FALSE(plain.Read());
  }
  {  // Silence: closed at the handshake deadline, not the idle one.
    Client silent(s.port(), milliseconds(4000));
    const auto t0 = Clock::now();
    EXPECT_TRUE(silent.PeerClosed());
    const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
    EXPECT_GE(ms, 900);
    EXPECT_LT(ms, 2500);
  }
  {  // Half a ClientHello (a TLS record header announcing more): the same.
    Client slow(s.port(), milliseconds(4000));
    ASSERT_TRUE(slow.Send(std::string("\x16\x03\x01\x02\x00\x01", 6)));
    const auto t0 = Clock::now();
    EXPECT_TRUE(slow.PeerClosed());
    EXPECT_LT(std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count(), 2500);
  }
  // Others are served meanwhile and afterwards.
  auto ctx = ClientContext(f.pem);
  TlsClient good(s.port(), *ctx);
  ASSERT_FALSE(good.Handshake());
  EXPECT_TRUE(good.RoundTrip(Get("/ok")));
  EXPECT_EQ(h.preflight_calls.load(), 1);
}

TEST(TlsServerTest, ReloadKeepsEstablishedConnectionsAndServesTheNewCertificate) {
  Files f("old.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  FakeHandler h;
  RunningServer s(TlsOptions(*tls), &h);
  const Pem old_pem = f.pem;
  const Pem new_pem = SelfSigned("new.example");
  auto old_ctx = ClientContext(old_pem);
  auto new_ctx = ClientContext(new_pem);

  TlsClient before(s.port(), *old_ctx);
  ASSERT_FALSE(before.Handshake());
  EXPECT_EQ(PeerCn(before.ssl()), "old.example");
  ASSERT_TRUE(before.RoundTrip(Get("/1")));

  f.Replace(new_pem);
  ASSERT_TRUE((*tls)->Reload().ok());
  auto again = before.RoundTrip(Get("/2"));  // the old connection goes on
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 200);

  TlsClient after(s.port(), *new_ctx);
  ASSERT_FALSE(after.Handshake());
  EXPECT_EQ(PeerCn(after.ssl()), "new.example");
  EXPECT_TRUE(after.RoundTrip(Get("/3")));
  TlsClient stale(s.port(), *old_ctx);  // trusts only the old certificate
  EXPECT_TRUE(stale.Handshake());

  // A broken pair on reload: the new certificate stays in service.
  f.dir.Write("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_FALSE((*tls)->Reload().ok());
  TlsClient still(s.port(), *new_ctx);
  ASSERT_FALSE(still.Handshake());
  EXPECT_EQ(PeerCn(still.ssl()), "new.example");
  EXPECT_TRUE(before.RoundTrip(Get("/4")));
}

TEST(TlsServerTest, ClosingSendsCloseNotify) {
  Files f("server.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  FakeHandler h;
  RunningServer s(TlsOptions(*tls), &h);
  auto ctx = ClientContext(f.pem);
  {
    TlsClient c(s.port(), *ctx);
    ASSERT_FALSE(c.Handshake());
    auto r = c.RoundTrip(Get("/bye", "Connection: close\r\n"));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->keep_alive());
    EXPECT_EQ(c.ReadEnd(), asio::error::eof);  // a clean TLS end, not a truncation
  }
  {  // A refused head: 400, then the TLS close while the client keeps sending.
    TlsClient c(s.port(), *ctx);
    ASSERT_FALSE(c.Handshake());
    ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 400);
    c.Send("more bytes after the refusal");
    EXPECT_EQ(c.ReadEnd(), asio::error::eof);
  }
  EXPECT_EQ(h.handle_calls.load(), 1);
}

TEST(TlsServerTest, StopClosesConnectionsInHandshake) {
  Files f("server.example");
  auto tls = TlsContext::Load(f.cert, f.key);
  ASSERT_TRUE(tls.ok());
  FakeHandler h;
  RunningServer s(TlsOptions(*tls), &h);
  Client silent(s.port());
  std::this_thread::sleep_for(milliseconds(50));
  auto took = s.StopAndJoin(10000);
  EXPECT_LT(took.count(), 2000);
  EXPECT_TRUE(silent.PeerClosed());
}

}  // namespace
}  // namespace csrd::http::testing
