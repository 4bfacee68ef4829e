#include "api/access_log.h"

#include <cstdio>

#include "core/log_format.h"

namespace csrd::api {
namespace {

std::string Millis(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  return buf;
}

void Field(std::string_view key, std::string_view value, std::string* out) {
  out->push_back(',');
  AppendJsonString(key, out);
  out->push_back(':');
  AppendJsonString(value, out);
}

void Number(std::string_view key, std::string_view digits, std::string* out) {
  out->push_back(',');
  AppendJsonString(key, out);
  out->push_back(':');
  *out += digits;
}

// Text values are one word: anything that is not printable ASCII or is a
// space becomes '?', so a crafted method cannot forge a second line.
std::string Word(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c <= ' ' || c >= 0x7F) c = '?';
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string AccessJsonFields(const AccessRecord& r) {
  const int64_t us = r.latency_us < 0 ? 0 : r.latency_us;
  std::string out;
  out.reserve(320);
  Field("request_id", r.request_id, &out);
  Field("account_id", r.account_id, &out);
  Field("user_id", r.user_id, &out);
  Field("method", r.method, &out);
  Field("route", r.route, &out);
  Number("status", std::to_string(r.status), &out);
  Number("latency_ms", Millis(us), &out);
  Number("latency_us", std::to_string(us), &out);
  Number("bytes_in", std::to_string(r.bytes_in), &out);
  Number("bytes_out", std::to_string(r.bytes_out), &out);
  Field("remote_addr", r.remote_addr, &out);
  return out;
}

std::string AccessText(const AccessRecord& r) {
  const int64_t us = r.latency_us < 0 ? 0 : r.latency_us;
  return "access " + std::to_string(r.status) + " " + Word(r.method) + " " + Word(r.route) + " " +
         Millis(us) + "ms in=" + std::to_string(r.bytes_in) + " out=" +
         std::to_string(r.bytes_out) + " from=" + Word(r.remote_addr) +
         " request_id=" + Word(r.request_id) + " account=" + Word(r.account_id) +
         " user=" + Word(r.user_id);
}

bool IsQuietProbe(const AccessRecord& r) {
  return r.status >= 200 && r.status < 300 &&
         (r.route == "/health" || r.route == "/ready" || r.route == "/metrics");
}

}  // namespace csrd::api
