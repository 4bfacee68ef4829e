// Incremental HTTP/1.1 response framing for the load generator: finds where
// one response ends in a byte buffer (Content-Length, chunked, or no body).
// Not a validating parser: it trusts the server enough to frame its answers
// and fails loudly on anything it cannot frame.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace csrd::bench {

class ResponseFramer {
 public:
  enum class State { kNeedMore, kComplete, kError };

  // Looks at buf (the bytes received so far for the current response,
  // starting at its status line). Call again with the grown buffer after each
  // read; the state from earlier calls is kept, so call Reset() between
  // responses. On kComplete, status(), size() (bytes of this response in
  // buf: the rest belongs to the next one), keep_alive() and body() apply.
  State Feed(std::string_view buf);
  void Reset() { *this = ResponseFramer(); }

  int status() const { return status_; }
  size_t size() const { return total_; }
  bool keep_alive() const { return keep_alive_; }
  // The body (de-chunked when chunked); valid until the next Feed/Reset.
  std::string_view body() const { return body_view_; }

  // HEAD-like answers: set before Feed when the request could not have a body.
  void set_no_body(bool v) { no_body_ = v; }

 private:
  State ParseHead(std::string_view buf);
  State FeedChunked(std::string_view buf);

  bool head_done_ = false;
  bool no_body_ = false;
  bool chunked_ = false;
  bool keep_alive_ = true;
  int status_ = 0;
  size_t head_len_ = 0;
  size_t content_length_ = 0;
  size_t total_ = 0;
  // chunked decoding progress: offset of the next chunk-size line in buf
  size_t chunk_pos_ = 0;
  std::string dechunked_;
  std::string_view body_view_;
};

// The value of the first `"key":"value"` string member found in a compact
// JSON text (as Boost.JSON serializes it), or "" when absent. Good enough
// to pick a created CSR's "id" out of a 201 body without a JSON parser.
std::string_view FindJsonString(std::string_view json, std::string_view key);

}  // namespace csrd::bench
