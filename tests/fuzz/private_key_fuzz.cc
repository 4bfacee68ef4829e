// PrivateKey::FromPem (crypto/private_key.h), the parser behind UploadCsr's
// `private_key`, on PEM text or on raw DER wrapped in a block whose label the
// first byte picks: PKCS#8, PKCS#1 (RSA), SEC1 (EC) or OpenSSL's SM2 label.
//
// Invariants: a refusal is InvalidArgument; an accepted key that is one of
// the six re-encodes (what upload stores) to PKCS#8 PEM of the documented
// shape that parses back to the same key and re-encodes to the same bytes.
#include <openssl/evp.h>

#include "crypto/private_key.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/pem_wrap.h"

using namespace csrd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = fuzz::AsView(data, size);
  std::string pem;
  if (input.find("-----BEGIN") != std::string_view::npos) {
    pem = std::string(input);
  } else {
    if (input.empty()) return 0;
    static constexpr std::string_view kLabels[] = {"PRIVATE KEY", "RSA PRIVATE KEY",
                                                   "EC PRIVATE KEY", "SM2 PRIVATE KEY"};
    const std::string_view label = kLabels[static_cast<uint8_t>(input[0]) % 4];
    pem = fuzz::PemOrWrappedDer(input.substr(1), label);
  }

  auto key = crypto::PrivateKey::FromPem(pem);
  if (!key.ok()) {
    fuzz::CheckRefusal(key.status());
    return 0;
  }
  FUZZ_CHECK(key->get() != nullptr);
  // Keys outside the six are refused by the upload handler (the CSR's key is
  // one of the six and must match); only those go further.
  auto algo = key->Algo();
  if (!algo.ok()) {
    fuzz::CheckRefusal(algo.status());
    return 0;
  }
  auto pkcs8 = key->ToPkcs8Pem();
  FUZZ_CHECK(pkcs8.ok());
  auto back = crypto::PrivateKey::FromPem(pkcs8->view());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(EVP_PKEY_eq(back->get(), key->get()) == 1);
  auto back_algo = back->Algo();
  FUZZ_CHECK(back_algo.ok() && *back_algo == *algo);
  auto pkcs8_again = back->ToPkcs8Pem();
  FUZZ_CHECK(pkcs8_again.ok() && pkcs8_again->view() == pkcs8->view());
  return 0;
}
