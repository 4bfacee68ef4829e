#include "client/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/ascii.h"
#include "core/secret.h"

namespace csrd::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
using Done = std::function<void(const boost::system::error_code&)>;

// The read buffer may hold a private key or a token: wipe it when freed.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) {}  // NOLINT: allocator rebinding
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) {
    SecureWipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const { return true; }
};

// Drives one asynchronous operation to completion or to the deadline. The
// operation is started by start(done); on the deadline cancel() is called and
// the operation's (aborted) completion is still awaited, so nothing it
// references is touched after we return. Returns false on a timeout.
bool Step(asio::io_context& ioc, SteadyTime deadline, const std::function<void(Done)>& start,
          const std::function<void()>& cancel, boost::system::error_code& ec) {
  bool done = false;
  start([&](const boost::system::error_code& e) {
    ec = e;
    done = true;
  });
  ioc.restart();
  ioc.run_until(deadline);
  if (done) return true;
  cancel();
  ioc.restart();
  ioc.run();
  return false;
}

// One exchange; phase_ names what is going on for error messages.
class Exchange {
 public:
  Exchange(const Endpoint& ep, const HttpOptions& opts)
      : ep_(ep),
        opts_(opts),
        deadline_(std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.timeout_ms)) {}

  Result<HttpResponse> Run(const HttpRequest& request) {
    tcp::resolver::results_type addrs;
    CSRD_RETURN_IF_ERROR(Resolve(&addrs));
    if (!ep_.tls) {
      tcp::socket sock(ioc_);
      CSRD_RETURN_IF_ERROR(Connect(sock, addrs));
      return Talk(sock, [&] { sock.close(); }, request);
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (opts_.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(opts_.ca_file, ec);
      if (ec) {
        return Status::FailedPrecondition("cannot load CA file " + opts_.ca_file +
                                          ": not a readable PEM certificate bundle");
      }
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<tcp::socket> stream(ioc_, ctx);
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (IsIpLiteral(ep_.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, ep_.host.c_str());
    } else {
      SSL_set1_host(ssl, ep_.host.c_str());
      SSL_set_tlsext_host_name(ssl, ep_.host.c_str());
    }
    CSRD_RETURN_IF_ERROR(Connect(stream.next_layer(), addrs));
    phase_ = "during the TLS handshake with " + ep_.authority;
    bool in_time = Step(
        ioc_, deadline_,
        [&](Done done) { stream.async_handshake(asio::ssl::stream_base::client, done); },
        [&] { stream.next_layer().close(); }, ec);
    if (!in_time) return Timeout();
    if (ec) {
      long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return Status::Unavailable("TLS: the certificate of " + ep_.authority +
                                   " was not accepted: " +
                                   X509_verify_cert_error_string(verify) +
                                   " (give the issuing CA with --ca-file)");
      }
      return Status::Unavailable("TLS handshake with " + ep_.authority +
                                 " failed: " + ec.message() + " (is it an https endpoint?)");
    }
    return Talk(stream, [&] { stream.next_layer().close(); }, request);
  }

 private:
  Status Timeout() const {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", opts_.timeout_ms / 1000.0);
    return Status::Unavailable(std::string("timed out after ") + secs + " s " + phase_);
  }

  Status Resolve(tcp::resolver::results_type* out) {
    tcp::resolver resolver(ioc_);
    phase_ = "while resolving " + ep_.host;
    boost::system::error_code ec;
    bool in_time = Step(
        ioc_, deadline_,
        [&](Done done) {
          resolver.async_resolve(ep_.host, std::to_string(ep_.port),
                                 [out, done](const boost::system::error_code& e,
                                             tcp::resolver::results_type r) {
                                   *out = std::move(r);
                                   done(e);
                                 });
        },
        [&] { resolver.cancel(); }, ec);
    if (!in_time) return Timeout();
    if (ec) return Status::Unavailable("cannot resolve host '" + ep_.host + "': " + ec.message());
    return Status::Ok();
  }

  Status Connect(tcp::socket& sock, const tcp::resolver::results_type& addrs) {
    phase_ = "while connecting to " + ep_.authority;
    boost::system::error_code ec;
    bool in_time = Step(
        ioc_, deadline_,
        [&](Done done) {
          asio::async_connect(sock, addrs,
                              [done](const boost::system::error_code& e, const tcp::endpoint&) {
                                done(e);
                              });
        },
        [&] { sock.close(); }, ec);
    if (!in_time) return Timeout();
    if (ec == asio::error::connection_refused) {
      return Status::Unavailable("connection refused by " + ep_.authority +
                                 " (is csrd running and listening there?)");
    }
    if (ec) return Status::Unavailable("cannot connect to " + ep_.authority + ": " + ec.message());
    return Status::Ok();
  }

  template <class Stream>
  Result<HttpResponse> Talk(Stream& stream, const std::function<void()>& close,
                            const HttpRequest& request) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    for (const auto& [name, value] : request.headers) req.insert(name, value);
    req.body() = request.body;
    ScopedWipe wipe_sent(req.body());
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "DELETE") {
      req.content_length(request.body.size());
    }

    phase_ = "while sending the request to " + ep_.authority;
    boost::system::error_code ec;
    bool in_time = Step(
        ioc_, deadline_,
        [&](Done done) {
          bhttp::async_write(stream, req, [done](const boost::system::error_code& e, size_t) {
            done(e);
          });
        },
        close, ec);
    if (!in_time) return Timeout();
    if (ec) return Status::Unavailable("sending to " + ep_.authority + " failed: " + ec.message());

    phase_ = "while waiting for the response of " + ep_.authority;
    beast::basic_flat_buffer<WipingAllocator<char>> buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(opts_.max_body);
    in_time = Step(
        ioc_, deadline_,
        [&](Done done) {
          bhttp::async_read(stream, buffer, parser,
                            [done](const boost::system::error_code& e, size_t) { done(e); });
        },
        close, ec);
    if (!in_time) return Timeout();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) {
      return Status::Unavailable(ep_.authority + " closed the connection without answering" +
                                 (ep_.tls ? "" : " (is it an https endpoint?)"));
    }
    if (ec == bhttp::error::body_limit) {
      return Status::Unavailable("the response of " + ep_.authority + " is too large");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      return Status::Unavailable("invalid HTTP response from " + ep_.authority + ": " +
                                 ec.message() + (ep_.tls ? "" : " (is it an https endpoint?)"));
    }
    if (ec) {
      return Status::Unavailable("reading the response of " + ep_.authority + " failed: " +
                                 ec.message() + (ep_.tls ? "" : " (is it an https endpoint?)"));
    }
    close();

    auto msg = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(msg.body());
    SecureWipe(msg.body());
    return out;
  }

  const Endpoint& ep_;
  const HttpOptions& opts_;
  SteadyTime deadline_;
  asio::io_context ioc_;
  std::string phase_;
};

}  // namespace

HttpResponse::~HttpResponse() {
  SecureWipe(body);
  for (auto& field : headers) SecureWipe(field.second);  // X-Subject-Token is a token
}

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

HttpClient::HttpClient(Endpoint endpoint, HttpOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  Exchange exchange(endpoint_, options_);
  return exchange.Run(request);
}

}  // namespace csrd::client
