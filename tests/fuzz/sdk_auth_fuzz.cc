// ParseSdkAuthorization (identity/sdk_signature.h), the parser of every AK/SK
// request's Authorization header, and ParseSdkDate, X-Sdk-Date's parser.
//
// Invariants: a refusal is InvalidArgument; an accepted header has an AK of
// 1..40 letters and digits, 1..kMaxSignedHeaders distinct lower-case token
// names and a 64-hex lower-case signature; printed back in the SDKs' own form
// it parses to the same thing. An accepted date prints back to the same text
// and lies on a real calendar second.
#include <algorithm>
#include <set>

#include "fuzz/fuzz_util.h"
#include "identity/sdk_signature.h"

using namespace csrd;
using csrd::fuzz::CheckRefusal;

namespace {

bool IsLowerTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Print(const identity::SdkAuthorization& a) {
  std::string out = "SDK-HMAC-SHA256 Access=" + a.access + ", SignedHeaders=";
  for (size_t i = 0; i < a.signed_headers.size(); ++i) {
    if (i) out += ';';
    out += a.signed_headers[i];
  }
  return out + ", Signature=" + a.signature;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::AsView(data, size);

  auto auth = identity::ParseSdkAuthorization(input);
  if (auth.ok()) {
    FUZZ_CHECK(identity::IsAccessKeyId(auth->access));
    FUZZ_CHECK(!auth->signed_headers.empty() &&
               auth->signed_headers.size() <= identity::kMaxSignedHeaders);
    std::set<std::string> seen;
    for (const std::string& h : auth->signed_headers) {
      FUZZ_CHECK(!h.empty() && std::all_of(h.begin(), h.end(), IsLowerTokenChar));
      FUZZ_CHECK(seen.insert(h).second);
    }
    FUZZ_CHECK(auth->signature.size() == 64);
    for (char c : auth->signature) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    // The SDKs' own spelling of the same header parses to the same thing.
    auto again = identity::ParseSdkAuthorization(Print(*auth));
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->access == auth->access && again->signed_headers == auth->signed_headers &&
               again->signature == auth->signature);
  } else {
    CheckRefusal(auth.status());
  }

  auto date = identity::ParseSdkDate(input);
  if (date.ok()) {
    FUZZ_CHECK(identity::FormatSdkDate(*date) == input);
    FUZZ_CHECK(*date % 1000 == 0);
  } else {
    CheckRefusal(date.status());
  }
  return 0;
}
