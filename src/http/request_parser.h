// Internal to the http layer: an incremental HTTP/1.1 request parser that
// fills an http::Request directly.
//
// Beast's own request_parser stores fields in basic_fields, whose values are
// capped at 64 KiB (16-bit offsets); the contract requires accepting an
// X-Auth-Token of 2 MiB, so we derive from basic_parser and keep fields in
// std::string. Limits (header_limit, body_limit) are those of basic_parser.
//
// Stricter than basic_parser where a lenient parser lets two HTTP hops
// disagree about framing or routing (request smuggling). Refused, with an
// error from Put(): a Transfer-Encoding that is not exactly one "chunked", or
// on an HTTP/1.0 request; a repeated Content-Length (even with equal values)
// or one that is not plain digits ("2, 2", "+2"); a repeated Host; obs-fold
// (a field line continued on the next line). basic_parser itself refuses bare
// CR or LF line ends and control bytes in names and values.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string_view>

#include "http/message.h"

namespace csrd::http::internal {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser() = default;

  // Use instead of put(): the same, plus the checks that need the raw bytes
  // of the head (obs-fold). buffer must start where the previous call's
  // consumed bytes ended, as with put().
  std::size_t Put(boost::asio::const_buffer buffer, boost::beast::error_code& ec);

  // The request parsed so far: method/target once the request line is in,
  // headers once the head is complete, body once the message is done.
  Request& request() { return request_; }
  // 10 or 11 once the request line is in; 11 before.
  int version() const { return version_; }
  // True once the request line has been parsed (target is meaningful).
  bool has_request_line() const { return has_request_line_; }
  // Upper bound for the body's initial reservation (the announced
  // Content-Length is not trusted beyond it).
  void set_reserve_cap(uint64_t cap) { reserve_cap_ = cap; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  Request request_;
  int version_ = 11;
  bool has_request_line_ = false;
  uint64_t reserve_cap_ = 1024 * 1024;
};

// True if the head at the start of `bytes` (up to its empty line) has a line
// starting with SP or HTAB after the request-line: obs-fold (RFC 9112 §5.2).
bool HasObsFold(std::string_view bytes);

// Splits a raw request-target at the first '?' (path keeps its encoding).
void SplitTarget(std::string_view target, std::string* path, std::string* query);

}  // namespace csrd::http::internal
