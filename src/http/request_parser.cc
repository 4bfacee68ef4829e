#include "http/request_parser.h"

#include <algorithm>

namespace csrd::http::internal {

namespace beast_http = boost::beast::http;

std::size_t RequestParser::Put(boost::asio::const_buffer buffer, error_code& ec) {
  const bool had_header = is_header_done();
  const std::size_t used = put(buffer, ec);
  // basic_parser parses a head only once all of it is buffered, so the head
  // lies entirely within this call's buffer.
  if (!ec && !had_header && is_header_done() &&
      HasObsFold(std::string_view(static_cast<const char*>(buffer.data()), used))) {
    ec = beast_http::error::bad_value;
  }
  return used;
}

bool HasObsFold(std::string_view bytes) {
  size_t end = bytes.find("\r\n\r\n");
  end = end == std::string_view::npos ? bytes.size() : end + 2;  // keep the last field's CRLF
  for (size_t i = 0; i + 1 < end; ++i) {
    if (bytes[i] == '\n' && (bytes[i + 1] == ' ' || bytes[i + 1] == '\t')) return true;
  }
  return false;
}

void RequestParser::on_request_impl(beast_http::verb, string_view method, string_view target,
                                    int version, error_code& ec) {
  request_.method.assign(method.data(), method.size());
  request_.target.assign(target.data(), target.size());
  SplitTarget(request_.target, &request_.path, &request_.query);
  version_ = version;
  has_request_line_ = true;
  ec = {};
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  // Unreachable for a request parser; refuse rather than ignore.
  ec = beast_http::error::bad_version;
}

void RequestParser::on_field_impl(beast_http::field, string_view name, string_view value,
                                  error_code& ec) {
  request_.headers.Add(std::string(name.data(), name.size()),
                       std::string(value.data(), value.size()));
  ec = {};
}

void RequestParser::on_header_impl(error_code& ec) {
  // basic_parser accepts a Transfer-Encoding that does not end in "chunked"
  // and then treats the request as bodiless. RFC 9112 §6.3 says such a request
  // must be refused (a classic smuggling vector), as must a repeated field.
  // RFC 9112 §6.1: Transfer-Encoding on HTTP/1.0 means faulty framing.
  const Headers& h = request_.headers;
  if (auto te = h.Get("Transfer-Encoding")) {
    if (h.Count("Transfer-Encoding") != 1 || !chunked() || !EqualsIgnoreCase(*te, "chunked") ||
        version_ < 11) {
      ec = beast_http::error::bad_transfer_encoding;
      return;
    }
  }
  // basic_parser accepts "Content-Length: 2, 2" and repeats of one value,
  // which another hop may read differently.
  if (auto cl = h.Get("Content-Length")) {
    const bool digits = !cl->empty() && cl->find_first_not_of("0123456789") == std::string_view::npos;
    if (h.Count("Content-Length") != 1 || !digits) {
      ec = beast_http::error::bad_content_length;
      return;
    }
  }
  if (h.Count("Host") > 1) {
    ec = beast_http::error::bad_field;
    return;
  }
  ec = {};
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  if (content_length) {
    request_.body.reserve(static_cast<size_t>(std::min(*content_length, reserve_cap_)));
  }
  ec = {};
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  request_.body.append(body.data(), body.size());
  ec = {};
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) { ec = {}; }

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  request_.body.append(body.data(), body.size());
  ec = {};
  return body.size();
}

void RequestParser::on_finish_impl(error_code& ec) { ec = {}; }

void SplitTarget(std::string_view target, std::string* path, std::string* query) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) {
    path->assign(target);
    query->clear();
  } else {
    path->assign(target.substr(0, q));
    query->assign(target.substr(q + 1));
  }
}

}  // namespace csrd::http::internal
