// The HTTP head and body parser (http/request_parser.h: our fields-in-strings
// parser on Beast's basic_parser) fed raw bytes as the connection feeds it:
// empty lines before a request skipped, the unconsumed rest presented again
// with more bytes, up to four pipelined requests in a row, with the server's
// head and body limits. The parsed request then goes through the router, the
// query rules and the Authorization parser, as the api layer would take it.
//
// Invariants: the bytes arriving all at once or in small pieces give the same
// requests and the same error (but see the note on unfinished heads below);
// a parsed request has a token method, a target that path and query rebuild
// exactly, no CR, LF or NUL in any field, at most one Transfer-Encoding (and
// then "chunked") and a body of the announced Content-Length.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "api/query.h"
#include "api/router.h"
#include "fuzz/fuzz_util.h"
#include "http/request_parser.h"
#include "http/server.h"
#include "identity/sdk_signature.h"

using namespace csrd;
namespace beast_http = boost::beast::http;

namespace {

constexpr int kMaxRequests = 4;

enum class End { kDone, kError, kIncomplete };

struct Outcome {
  End end = End::kIncomplete;
  boost::beast::error_code error;
  http::Request request;
  int version = 0;
  bool keep_alive = false;
  std::optional<uint64_t> content_length;
};

bool SameRequest(const http::Request& a, const http::Request& b) {
  return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
         a.headers.fields() == b.headers.fields() && a.body == b.body;
}

std::vector<Outcome> Parse(std::string_view input, size_t chunk) {
  std::vector<Outcome> out;
  std::string buf;  // arrived and not yet consumed
  size_t fed = 0;
  auto more = [&] {
    if (fed >= input.size()) return false;
    const size_t n = std::min(chunk, input.size() - fed);
    buf.append(input.substr(fed, n));
    fed += n;
    return true;
  };
  const http::ServerOptions defaults;
  for (int i = 0; i < kMaxRequests; ++i) {
    http::internal::RequestParser p;
    p.header_limit(static_cast<uint32_t>(defaults.header_limit));
    p.body_limit(defaults.body_limit);
    Outcome o;
    for (;;) {
      if (!p.got_some()) {
        size_t k = 0;
        while (k < buf.size() && (buf[k] == '\r' || buf[k] == '\n')) ++k;
        buf.erase(0, k);
      }
      if (buf.empty()) {
        if (!more()) break;
        continue;
      }
      boost::beast::error_code ec;
      const size_t used = p.put(boost::asio::buffer(buf.data(), buf.size()), ec);
      buf.erase(0, used);
      if (ec == beast_http::error::need_more || (!ec && used == 0)) {
        if (!more()) break;
        continue;
      }
      if (ec) {
        o.end = End::kError;
        o.error = ec;
        break;
      }
      if (p.is_done()) {
        o.end = End::kDone;
        break;
      }
    }
    o.request = std::move(p.request());
    o.version = p.version();
    o.keep_alive = o.end == End::kDone && p.keep_alive();
    if (o.end == End::kDone && p.content_length()) o.content_length = *p.content_length();
    const End end = o.end;
    out.push_back(std::move(o));
    if (end != End::kDone || (buf.empty() && fed >= input.size())) break;
  }
  return out;
}

bool IsTchar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void CheckRequest(const Outcome& o) {
  const http::Request& r = o.request;
  FUZZ_CHECK(o.version == 10 || o.version == 11);
  FUZZ_CHECK(!r.method.empty());
  for (char c : r.method) FUZZ_CHECK(IsTchar(c));
  FUZZ_CHECK(!r.target.empty());
  const bool has_q = r.target.find('?') != std::string::npos;
  FUZZ_CHECK(r.path + (has_q ? "?" + r.query : "") == r.target);
  FUZZ_CHECK(r.path.find('?') == std::string::npos);
  for (const auto& [name, value] : r.headers.fields()) {
    FUZZ_CHECK(!name.empty());
    for (char c : name) FUZZ_CHECK(IsTchar(c));
    FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  if (auto te = r.headers.Get("Transfer-Encoding")) {
    FUZZ_CHECK(r.headers.Count("Transfer-Encoding") == 1);
    FUZZ_CHECK(csrd::EqualsIgnoreCase(*te, "chunked"));
  } else if (o.content_length) {
    FUZZ_CHECK(r.headers.Count("Content-Length") >= 1);
    FUZZ_CHECK(r.body.size() == *o.content_length);
  } else {
    FUZZ_CHECK(r.body.empty());
  }

  // What the api layer does with it first.
  const api::RouteMatch m = api::MatchRoute(r.method, r.path);
  if (m.id != api::RouteId::kNone && !m.raw_id.empty()) (void)api::PercentDecode(m.raw_id);
  if (auto q = api::ParseListCsrQuery(r.query); !q.ok()) fuzz::CheckRefusal(q.status());
  if (auto a = r.headers.Get("Authorization")) {
    if (auto auth = identity::ParseSdkAuthorization(*a); !auth.ok()) {
      fuzz::CheckRefusal(auth.status());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::AsView(data, size);
  const std::vector<Outcome> whole = Parse(input, input.size() + 1);
  for (const Outcome& o : whole) {
    if (o.end == End::kDone) CheckRequest(o);
  }
  // The same bytes in pieces of 1..16 (chosen by the input's size). Beast
  // parses a start line at once when it arrives in one piece, but once it
  // had to wait for more it waits for the whole head: so a bad head that
  // never ends may be an error all at once and unfinished in pieces (the
  // server then answers 431 or times out instead of 400). Anything else
  // must be the same.
  const std::vector<Outcome> pieces = Parse(input, 1 + size % 16);
  for (size_t i = 0; i < whole.size(); ++i) {
    FUZZ_CHECK(i < pieces.size());
    if (whole[i].end == End::kError && pieces[i].end == End::kIncomplete) {
      FUZZ_CHECK(i + 1 == pieces.size());
      break;
    }
    FUZZ_CHECK(pieces[i].end == whole[i].end);
    if (whole[i].end == End::kError) FUZZ_CHECK(pieces[i].error == whole[i].error);
    if (whole[i].end == End::kDone) {
      FUZZ_CHECK(SameRequest(pieces[i].request, whole[i].request));
      FUZZ_CHECK(pieces[i].version == whole[i].version);
      FUZZ_CHECK(pieces[i].keep_alive == whole[i].keep_alive);
    }
  }
  FUZZ_CHECK(pieces.size() <= whole.size());
  return 0;
}
