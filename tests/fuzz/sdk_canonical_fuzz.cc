// The SDK-HMAC-SHA256 request side (identity/sdk_signature.h): CanonicalUri,
// CanonicalQuery, CanonicalRequest, SignRequest and VerifySignature.
//
// Input layout (newline-separated, so seeds read like requests):
//   METHOD\nRAW_PATH\nRAW_QUERY\nName: value\n...\n\nBODY
// Invariants: refusals are InvalidArgument; the canonical URI and query are
// fixed points (canonicalizing them again changes nothing) made only of
// unreserved characters and escapes, the URI ends in '/'; the URI fails
// exactly when the api layer's percent-decoder refuses the path; the
// canonical request is deterministic and lists the signed headers as given;
// whatever SignRequest signs parses as an Authorization header and verifies
// against the same request, and no longer verifies with another secret, a
// changed body or a changed signature.
#include <map>

#include "api/query.h"
#include "fuzz/fuzz_util.h"
#include "identity/sdk_signature.h"

using namespace csrd;
using csrd::fuzz::CheckRefusal;
using csrd::fuzz::TakeUntil;

namespace {

bool IsCanonicalChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~' || c == '%';
}

// Every '%' starts an upper-case two-digit escape of a byte that needed one.
void CheckEncoded(std::string_view s, std::string_view separators) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (separators.find(c) != std::string_view::npos) continue;
    FUZZ_CHECK(IsCanonicalChar(c));
    if (c != '%') continue;
    FUZZ_CHECK(i + 2 < s.size());
    for (char h : {s[i + 1], s[i + 2]}) FUZZ_CHECK((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'));
    i += 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsView(data, size);
  const std::string_view method = TakeUntil(in, '\n');
  const std::string_view path = TakeUntil(in, '\n');
  const std::string_view query = TakeUntil(in, '\n');
  std::vector<std::pair<std::string, std::string>> headers;
  while (!in.empty()) {
    const std::string_view line = TakeUntil(in, '\n');
    if (line.empty()) break;  // the rest is the body
    std::string_view value = line;
    const std::string_view name = TakeUntil(value, ':');
    headers.emplace_back(std::string(name), std::string(value));
  }
  const std::string_view body = in;

  // Canonical URI and query alone.
  auto uri = identity::CanonicalUri(path);
  FUZZ_CHECK(uri.ok() == api::PercentDecode(path).ok());
  if (uri.ok()) {
    FUZZ_CHECK(!uri->empty() && uri->back() == '/');
    CheckEncoded(*uri, "/");
    auto again = identity::CanonicalUri(*uri);
    FUZZ_CHECK(again.ok() && *again == *uri);
  } else {
    CheckRefusal(uri.status());
  }
  auto q = identity::CanonicalQuery(query);
  if (q.ok()) {
    CheckEncoded(*q, "&=");
    auto again = identity::CanonicalQuery(*q);
    FUZZ_CHECK(again.ok() && *again == *q);
  } else {
    CheckRefusal(q.status());
  }

  // The signer and the verifier agree, over the headers the client sends.
  std::map<std::string, std::string> lower;
  for (const auto& [name, value] : headers) {
    std::string l = name;
    for (char& c : l) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    lower.emplace(l, value);  // first one wins, like the server's lookup
  }
  identity::SignableRequest req{
      method, path, query,
      [&lower](std::string_view n) -> std::optional<std::string_view> {
        auto it = lower.find(std::string(n));
        if (it == lower.end()) return std::nullopt;
        return std::string_view(it->second);
      },
      body};

  // Deterministic canonical request over the names as listed.
  std::vector<std::string> listed;
  for (const auto& [name, value] : headers) listed.push_back(name);
  auto c1 = identity::CanonicalRequest(req, listed, identity::PayloadHash(body));
  auto c2 = identity::CanonicalRequest(req, listed, identity::PayloadHash(body));
  FUZZ_CHECK(c1.ok() == c2.ok());
  if (c1.ok()) {
    FUZZ_CHECK(*c1 == *c2);
    FUZZ_CHECK(uri.ok() && q.ok());
    // Lines: method, uri, query, one per header, "", names, payload hash;
    // a header value may hold '\n' only at its ends, which Trim removes...
    // unless a value has inner newlines (impossible here: lines split on it).
    FUZZ_CHECK(c1->size() >= 64 && c1->substr(c1->size() - 64) == identity::PayloadHash(body));
  } else {
    FUZZ_CHECK(c1.status().IsInvalidArgument());
  }

  constexpr std::string_view kAk = "FUZZAK0123456789ABCD";
  constexpr std::string_view kSk = "FuzzSecretKey0123456789abcdefghijKLMN";
  auto signed_auth = identity::SignRequest(kAk, kSk, method, path, query, headers, body);
  if (!signed_auth.ok()) {
    FUZZ_CHECK(signed_auth.status().IsInvalidArgument());
    return 0;
  }
  FUZZ_CHECK(uri.ok() && q.ok());
  auto date = lower.find("x-sdk-date");
  FUZZ_CHECK(date != lower.end());
  auto auth = identity::ParseSdkAuthorization(*signed_auth);
  if (!auth.ok()) {
    // Only a header list the parser bounds may be refused.
    FUZZ_CHECK(lower.size() > identity::kMaxSignedHeaders);
    return 0;
  }
  FUZZ_CHECK(auth->access == kAk);
  Status ok = identity::VerifySignature(req, *auth, kSk, date->second);
  if (!ok.ok()) {
    std::fprintf(stderr, "a signed request does not verify: %s\n", ok.ToString().c_str());
    std::abort();
  }
  FUZZ_CHECK(identity::VerifySignature(req, *auth, "another secret", date->second)
                 .IsUnauthenticated());
  identity::SdkAuthorization flipped = *auth;
  flipped.signature[0] = flipped.signature[0] == '0' ? '1' : '0';
  FUZZ_CHECK(identity::VerifySignature(req, flipped, kSk, date->second).IsUnauthenticated());
  const std::string other_body = std::string(body) + "x";
  identity::SignableRequest changed = req;
  changed.body = other_body;
  FUZZ_CHECK(identity::VerifySignature(changed, *auth, kSk, date->second).IsUnauthenticated());
  return 0;
}
