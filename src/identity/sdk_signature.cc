#include "identity/sdk_signature.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/ascii.h"
#include "core/encoding.h"
#include "crypto/hmac.h"

namespace csrd::identity {
namespace {

constexpr std::string_view kAuthWhitespace = " \t";
// What Python's str.strip() removes from header values, ASCII part.
constexpr std::string_view kValueWhitespace = " \t\r\n\v\f";

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// RFC 9110 tchar: what a header name may be made of. Excludes ';', ',', '='
// and spaces, so a listed name can never break the Authorization syntax.
bool IsTokenChar(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool IsAccessKeyId(std::string_view access) {
  return !access.empty() && access.size() <= 40 && std::all_of(access.begin(), access.end(), IsAlnum);
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

Status BadAuthorization(std::string reason) {
  return Status::InvalidArgument("malformed SDK-HMAC-SHA256 authorization: " + std::move(reason));
}

}  // namespace

Result<SdkAuthorization> ParseSdkAuthorization(std::string_view header_value) {
  std::string_view v = TrimAscii(header_value, kAuthWhitespace);
  if (v.substr(0, kSdkHmacSha256.size()) != kSdkHmacSha256 || v.size() == kSdkHmacSha256.size() ||
      kAuthWhitespace.find(v[kSdkHmacSha256.size()]) == std::string_view::npos) {
    return Status::InvalidArgument("unsupported authorization scheme");
  }
  std::string_view rest = v.substr(kSdkHmacSha256.size());

  std::optional<std::string_view> access, signed_headers, signature;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view part = TrimAscii(rest.substr(0, comma), kAuthWhitespace);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) return BadAuthorization("expected key=value");
    std::string_view key = TrimAscii(part.substr(0, eq), kAuthWhitespace);
    std::string_view val = TrimAscii(part.substr(eq + 1), kAuthWhitespace);
    std::optional<std::string_view>* slot = nullptr;
    if (key == "Access") {
      slot = &access;
    } else if (key == "SignedHeaders") {
      slot = &signed_headers;
    } else if (key == "Signature") {
      slot = &signature;
    } else {
      return BadAuthorization("unknown parameter");
    }
    if (slot->has_value()) return BadAuthorization("duplicate parameter");
    *slot = val;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (!access) return BadAuthorization("missing Access");
  if (!signed_headers) return BadAuthorization("missing SignedHeaders");
  if (!signature) return BadAuthorization("missing Signature");

  SdkAuthorization out;
  if (!IsAccessKeyId(*access)) {
    return BadAuthorization("Access must be 1..40 letters or digits");
  }
  out.access = std::string(*access);

  if (signed_headers->empty()) return BadAuthorization("empty SignedHeaders");
  std::string_view names = *signed_headers;
  while (true) {
    size_t semi = names.find(';');
    std::string_view name = names.substr(0, semi);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return BadAuthorization("bad header name in SignedHeaders");
    }
    out.signed_headers.push_back(AsciiLowered(name));
    // Each listed name costs a scan of the received headers: an unbounded
    // list would let anyone holding an AK (not a secret) burn CPU before the
    // signature is checked. SDKs sign fewer than ten.
    if (out.signed_headers.size() > kMaxSignedHeaders) {
      return BadAuthorization("too many SignedHeaders");
    }
    if (semi == std::string_view::npos) break;
    names = names.substr(semi + 1);
  }
  {
    std::vector<std::string> sorted = out.signed_headers;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return BadAuthorization("duplicate name in SignedHeaders");
    }
  }

  if (signature->size() != 64 ||
      !std::all_of(signature->begin(), signature->end(), [](char c) { return HexDigitValue(c) >= 0; })) {
    return BadAuthorization("Signature must be 64 hex characters");
  }
  out.signature = AsciiLowered(*signature);
  return out;
}

Result<int64_t> ParseSdkDate(std::string_view value) {
  static const Status kBad = Status::InvalidArgument("X-Sdk-Date must be YYYYMMDDTHHMMSSZ");
  if (value.size() != 16 || value[8] != 'T' || value[15] != 'Z') return kBad;
  auto num = [&](size_t pos, size_t len, int64_t& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (value[i] < '0' || value[i] > '9') return false;
      out = out * 10 + (value[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, s;
  if (!num(0, 4, y) || !num(4, 2, mo) || !num(6, 2, d) || !num(9, 2, h) || !num(11, 2, mi) ||
      !num(13, 2, s)) {
    return kBad;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    return kBad;
  }
  return ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60 * 1000 + s * 1000;
}

std::string FormatSdkDate(int64_t epoch_ms) {
  int64_t secs = epoch_ms / 1000 - (epoch_ms % 1000 < 0 ? 1 : 0);
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  int64_t y, m, d;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60));
  return buf;
}

Result<std::string> CanonicalUri(std::string_view raw_path) {
  std::optional<std::string> decoded = PercentDecode(raw_path);
  if (!decoded) return Status::InvalidArgument("malformed percent-escape in path");
  // Encoding every byte except '/' is the same as split, encode, join.
  std::string out;
  out.reserve(decoded->size() + 8);
  size_t start = 0;
  while (true) {
    size_t slash = decoded->find('/', start);
    AppendPercentEncoded(std::string_view(*decoded).substr(start, slash - start), &out);
    if (slash == std::string::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  if (out.empty() || out.back() != '/') out.push_back('/');
  return out;
}

Result<std::string> CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view piece = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::optional<std::string> name = PercentDecode(piece.substr(0, eq));
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string() : PercentDecode(piece.substr(eq + 1));
    if (!name || !value) return Status::InvalidArgument("malformed percent-escape in query");
    params.emplace_back(std::move(*name), std::move(*value));
  }
  // std::string compares as unsigned bytes: UTF-8 byte order is code point order.
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    AppendPercentEncoded(name, &out);
    out.push_back('=');
    AppendPercentEncoded(value, &out);
  }
  return out;
}

Result<std::string> CanonicalRequest(const SignableRequest& req,
                                     const std::vector<std::string>& signed_headers,
                                     std::string_view payload_hash) {
  CSRD_ASSIGN_OR_RETURN(std::string uri, CanonicalUri(req.raw_path));
  CSRD_ASSIGN_OR_RETURN(std::string query, CanonicalQuery(req.raw_query));
  std::string out;
  for (char c : req.method) out.push_back(AsciiUpper(c));
  out.push_back('\n');
  out += uri;
  out.push_back('\n');
  out += query;
  out.push_back('\n');
  std::string joined;
  for (const std::string& listed : signed_headers) {
    std::string name = AsciiLowered(listed);
    std::optional<std::string_view> value;
    if (req.header) value = req.header(name);
    if (!value) return Status::InvalidArgument("signed header '" + name + "' is missing");
    out += name;
    out.push_back(':');
    out += TrimAscii(*value, kValueWhitespace);
    out.push_back('\n');
    if (!joined.empty()) joined.push_back(';');
    joined += name;
  }
  out.push_back('\n');
  out += joined;
  out.push_back('\n');
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view sdk_date, std::string_view canonical_request) {
  std::string out(kSdkHmacSha256);
  out.push_back('\n');
  out += sdk_date;
  out.push_back('\n');
  out += Sha256Hex(canonical_request);
  return out;
}

std::string ComputeSignature(std::string_view secret_key, std::string_view string_to_sign) {
  return crypto::HmacSha256Hex(secret_key, string_to_sign);
}

std::string PayloadHash(std::string_view body) {
  return body.empty() ? std::string(kEmptyBodySha256) : Sha256Hex(body);
}

Result<std::string> SignRequest(std::string_view access_key, std::string_view secret_key,
                                std::string_view method, std::string_view raw_path,
                                std::string_view raw_query,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                std::string_view body) {
  if (!IsAccessKeyId(access_key)) {
    return Status::InvalidArgument("access key must be 1..40 letters or digits");
  }
  std::map<std::string, std::string_view> by_name;  // sorted: the signed order
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::InvalidArgument("bad header name");
    }
    std::string lower = AsciiLowered(name);
    if (lower == "authorization") return Status::InvalidArgument("Authorization cannot be signed");
    if (!by_name.emplace(lower, value).second) {
      return Status::InvalidArgument("header '" + lower + "' given twice");
    }
  }
  auto date = by_name.find("x-sdk-date");
  if (date == by_name.end()) return Status::InvalidArgument("X-Sdk-Date header is required");

  std::vector<std::string> signed_headers;
  for (const auto& entry : by_name) {
    if (entry.first.find('_') == std::string::npos) signed_headers.push_back(entry.first);
  }
  SignableRequest req{method, raw_path, raw_query,
                      [&by_name](std::string_view n) -> std::optional<std::string_view> {
                        auto it = by_name.find(std::string(n));
                        if (it == by_name.end()) return std::nullopt;
                        return it->second;
                      },
                      body};
  CSRD_ASSIGN_OR_RETURN(std::string canonical,
                        CanonicalRequest(req, signed_headers, PayloadHash(body)));
  std::string signature = ComputeSignature(secret_key, StringToSign(date->second, canonical));

  std::string out(kSdkHmacSha256);
  out += " Access=";
  out += access_key;
  out += ", SignedHeaders=";
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out.push_back(';');
    out += signed_headers[i];
  }
  out += ", Signature=";
  out += signature;
  return out;
}

Status VerifySignature(const SignableRequest& req, const SdkAuthorization& auth,
                       std::string_view secret_key, std::string_view sdk_date) {
  CSRD_ASSIGN_OR_RETURN(std::string canonical,
                        CanonicalRequest(req, auth.signed_headers, PayloadHash(req.body)));
  std::string expected = ComputeSignature(secret_key, StringToSign(sdk_date, canonical));
  if (!crypto::ConstantTimeEquals(expected, auth.signature)) {
    return Status::Unauthenticated("verify aksk signature fail");
  }
  return Status::Ok();
}

}  // namespace csrd::identity
