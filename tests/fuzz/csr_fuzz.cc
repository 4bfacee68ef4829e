// ParseCsrPem (crypto/csr.h), the parser behind UploadCsr's `csr`, on PEM text
// or on raw DER (wrapped in a CERTIFICATE REQUEST block, see pem_wrap.h).
//
// Invariants: a refusal is InvalidArgument (never Internal: that is a 500);
// an accepted CSR has one of the six algorithms, subject and DNS strings that
// are valid UTF-8 without NUL, and a re-encoded PEM (what gets stored) of the
// documented shape that parses again to exactly the same thing, key included.
#include <openssl/evp.h>

#include "api/input_text.h"
#include "crypto/csr.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/pem_wrap.h"

using namespace csrd;

namespace {

void CheckText(const std::string& s) {
  FUZZ_CHECK(s.find('\0') == std::string::npos);
  FUZZ_CHECK(api::IsValidUtf8(s));
}

void CheckText(const std::optional<std::string>& s) {
  if (s) CheckText(*s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string pem = fuzz::PemOrWrappedDer(fuzz::AsView(data, size), "CERTIFICATE REQUEST");
  auto csr = crypto::ParseCsrPem(pem);
  if (!csr.ok()) {
    fuzz::CheckRefusal(csr.status());
    return 0;
  }
  bool known = false;
  for (crypto::KeyAlgo a : crypto::kAllKeyAlgos) known = known || a == csr->algo;
  FUZZ_CHECK(known);
  FUZZ_CHECK(csr->public_key != nullptr);
  for (const std::string& cn : csr->common_names) CheckText(cn);
  for (const std::string& dns : csr->dns_sans) CheckText(dns);
  CheckText(csr->country);
  CheckText(csr->province);
  CheckText(csr->city);
  CheckText(csr->organization);

  const std::string_view stored = csr->pem;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE REQUEST-----\n";
  constexpr std::string_view kEnd = "-----END CERTIFICATE REQUEST-----\n";
  FUZZ_CHECK(stored.substr(0, kBegin.size()) == kBegin);
  FUZZ_CHECK(stored.size() > kEnd.size() && stored.substr(stored.size() - kEnd.size()) == kEnd);
  FUZZ_CHECK(stored.find('\r') == std::string_view::npos);
  FUZZ_CHECK(stored.find("-----BEGIN", 1) == std::string_view::npos);  // one block only

  auto again = crypto::ParseCsrPem(stored);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->algo == csr->algo);
  FUZZ_CHECK(again->common_names == csr->common_names);
  FUZZ_CHECK(again->country == csr->country && again->province == csr->province &&
             again->city == csr->city && again->organization == csr->organization);
  FUZZ_CHECK(again->dns_sans == csr->dns_sans);
  FUZZ_CHECK(again->pem == csr->pem);
  FUZZ_CHECK(EVP_PKEY_eq(again->public_key.get(), csr->public_key.get()) == 1);
  return 0;
}
