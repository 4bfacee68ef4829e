// ParseCsrPem (crypto/csr.h), the parser behind UploadCsr's `csr`, on PEM text
// or on raw DER (wrapped in a CERTIFICATE REQUEST block, see pem_wrap.h).
// A mutated CSR almost never keeps a valid signature, so everything behind the
// signature check (subject and SAN decoding, re-encoding) would stay out of
// reach: DER that OpenSSL reads as a request is therefore also re-signed with
// the fuzzer's own P-256 key and parsed a second time.
//
// Invariants: a refusal is InvalidArgument (never Internal: that is a 500);
// an accepted CSR has one of the six algorithms, subject and DNS strings that
// are valid UTF-8 without NUL, and a re-encoded PEM (what gets stored) of the
// documented shape that parses again to exactly the same thing, key included.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/input_text.h"
#include "crypto/csr.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/pem_wrap.h"

using namespace csrd;

namespace {

void CheckText(const std::string& s) {
  FUZZ_CHECK(s.find('\0') == std::string::npos);
  FUZZ_CHECK(csrd::IsValidUtf8(s));
}

void CheckText(const std::optional<std::string>& s) {
  if (s) CheckText(*s);
}

EVP_PKEY* SigningKey() {
  static EVP_PKEY* key = EVP_EC_gen("P-256");
  FUZZ_CHECK(key != nullptr);
  return key;
}

// The request in der with the fuzzer's key and a fresh signature, as PEM;
// "" when OpenSSL cannot read or write it.
std::string Resigned(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
  std::string out;
  if (req != nullptr && X509_REQ_set_pubkey(req, SigningKey()) == 1 &&
      X509_REQ_sign(req, SigningKey(), EVP_sha256()) > 0) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio != nullptr && PEM_write_bio_X509_REQ(bio, req) == 1) {
      char* text = nullptr;
      const long n = BIO_get_mem_data(bio, &text);
      if (n > 0) out.assign(text, static_cast<size_t>(n));
    }
    BIO_free(bio);
  }
  X509_REQ_free(req);
  ERR_clear_error();
  return out;
}

void CheckParse(const std::string& pem) {
  auto csr = crypto::ParseCsrPem(pem);
  if (!csr.ok()) {
    fuzz::CheckRefusal(csr.status());
    return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::AsView(data, size);
  CheckParse(fuzz::PemOrWrappedDer(input, "CERTIFICATE REQUEST"));
  if (input.find("-----BEGIN") == std::string_view::npos) {
    const std::string resigned = Resigned(input);
    if (!resigned.empty()) CheckParse(resigned);
  }
  return 0;
}
