#include "http_response.h"

#include <charconv>
#include <cctype>

namespace csrd::bench {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ResponseFramer::State ResponseFramer::ParseHead(std::string_view buf) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return buf.size() > 1024 * 1024 ? State::kError : State::kNeedMore;
  }
  head_len_ = end + 4;
  std::string_view head = buf.substr(0, end);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.x NNN reason"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return State::kError;
  bool http10 = status_line.substr(0, 8) == "HTTP/1.0";
  keep_alive_ = !http10;
  auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status_);
  if (ec != std::errc() || p != status_line.data() + 12) return State::kError;

  bool have_length = false;
  std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  while (!rest.empty()) {
    size_t n = rest.find("\r\n");
    std::string_view line = rest.substr(0, n);
    rest = n == std::string_view::npos ? "" : rest.substr(n + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return State::kError;
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-length")) {
      auto [q, e2] = std::from_chars(value.data(), value.data() + value.size(), content_length_);
      if (e2 != std::errc() || q != value.data() + value.size()) return State::kError;
      have_length = true;
    } else if (IEquals(name, "transfer-encoding")) {
      chunked_ = IContains(value, "chunked");
    } else if (IEquals(name, "connection")) {
      if (IContains(value, "close")) keep_alive_ = false;
      if (IContains(value, "keep-alive")) keep_alive_ = true;
    }
  }
  if (no_body_ || status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
    chunked_ = false;
    content_length_ = 0;
  } else if (!chunked_ && !have_length) {
    return State::kError;  // read-until-close framing: not supported
  }
  head_done_ = true;
  chunk_pos_ = head_len_;
  return State::kComplete;
}

ResponseFramer::State ResponseFramer::FeedChunked(std::string_view buf) {
  while (true) {
    size_t eol = buf.find("\r\n", chunk_pos_);
    if (eol == std::string_view::npos) return State::kNeedMore;
    std::string_view size_line = buf.substr(chunk_pos_, eol - chunk_pos_);
    size_t semi = size_line.find(';');
    if (semi != std::string_view::npos) size_line = size_line.substr(0, semi);
    size_line = Trim(size_line);
    size_t chunk = 0;
    auto [p, ec] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), chunk, 16);
    if (ec != std::errc() || p != size_line.data() + size_line.size()) return State::kError;
    if (chunk == 0) {
      // Trailers (usually none) end with an empty line: "0\r\n\r\n" at least.
      size_t end = buf.find("\r\n\r\n", eol);
      if (end == std::string_view::npos) return State::kNeedMore;
      total_ = end + 4;
      body_view_ = dechunked_;
      return State::kComplete;
    }
    size_t data = eol + 2;
    if (buf.size() < data + chunk + 2) return State::kNeedMore;
    dechunked_.append(buf.substr(data, chunk));
    chunk_pos_ = data + chunk + 2;
  }
}

ResponseFramer::State ResponseFramer::Feed(std::string_view buf) {
  if (!head_done_) {
    State s = ParseHead(buf);
    if (s != State::kComplete) return s;
  }
  if (chunked_) return FeedChunked(buf);
  if (buf.size() < head_len_ + content_length_) return State::kNeedMore;
  total_ = head_len_ + content_length_;
  body_view_ = buf.substr(head_len_, content_length_);
  return State::kComplete;
}

std::string_view FindJsonString(std::string_view json, std::string_view key) {
  std::string pat;
  pat.reserve(key.size() + 4);
  pat.append("\"").append(key).append("\":");
  size_t at = json.find(pat);
  if (at == std::string_view::npos) return {};
  size_t v = at + pat.size();
  while (v < json.size() && json[v] == ' ') ++v;
  if (v >= json.size() || json[v] != '"') return {};
  size_t end = json.find('"', v + 1);
  if (end == std::string_view::npos) return {};
  return json.substr(v + 1, end - v - 1);
}

}  // namespace csrd::bench
