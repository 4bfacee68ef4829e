// The CSR route bodies: CreateCsr, UpdateCsr and UploadCsr (api/csr_input.h),
// each decoded from the same JSON input (unknown fields are ignored, so one
// input exercises all three), plus the domain_name/sans rules on the raw bytes.
//
// Invariants: refusals are InvalidArgument; an accepted CreateCsr obeys every
// rule of the contract it claims (name, domain, sans, company fields, the
// derived subject and DNS list) and, above all, always builds a CSR (a
// decoder that lets through what the CSR builder refuses would turn a 400
// into a 500) whose parse gives back the same subject and DNS names.
#include <cstring>

#include "api/csr_input.h"
#include "api/input_text.h"
#include "api/json_reader.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "fuzz/fuzz_util.h"

using namespace csrd;
using csrd::fuzz::CheckRefusal;

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// The domain rule restated independently of csr_input.cc.
void CheckDomainShape(std::string_view d) {
  FUZZ_CHECK(!d.empty() && d.size() <= 63);
  FUZZ_CHECK(d.front() != '.' && d.back() != '.' && d.find("..") == std::string_view::npos);
  bool digits_only = true;
  for (size_t i = 0; i < d.size(); ++i) {
    const char c = d[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || (c == '*' && i == 0 && d.size() > 2 && d[1] == '.');
    FUZZ_CHECK(ok);
    if (c == '-') FUZZ_CHECK(i > 0 && d[i - 1] != '.' && i + 1 < d.size() && d[i + 1] != '.');
    if (c != '.' && c != '*' && !(c >= '0' && c <= '9')) digits_only = false;
  }
  FUZZ_CHECK(!digits_only);
}

const crypto::PrivateKey& TestKey() {
  static const crypto::PrivateKey* key = [] {
    auto k = crypto::PrivateKey::Generate(crypto::KeyAlgo::kEcP256);
    FUZZ_CHECK(k.ok());
    return new crypto::PrivateKey(std::move(k).value());
  }();
  return *key;
}

void CheckCreate(const api::CreateCsrInput& in) {
  FUZZ_CHECK(api::ValidateName(in.name).ok());
  FUZZ_CHECK(api::ValidateDomainName(in.domain_name).ok());
  CheckDomainShape(in.domain_name);
  FUZZ_CHECK(crypto::KeyAlgoName(in.algo) == in.private_key_algo);
  FUZZ_CHECK(in.usage == (in.enterprise ? "ENTERPRISE" : "PERSONAL"));
  FUZZ_CHECK(in.subject.common_name == in.domain_name);
  FUZZ_CHECK(!in.dns_names.empty() && in.dns_names[0] == in.domain_name);
  for (size_t i = 0; i < in.dns_names.size(); ++i) {
    CheckDomainShape(in.dns_names[i]);
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(!SameIgnoringCase(in.dns_names[i], in.dns_names[j]));
  }
  for (const std::string* s : {&in.company_province, &in.company_city, &in.company_name}) {
    FUZZ_CHECK(csrd::IsValidUtf8(*s) && !api::HasControlChar(*s));
  }
  if (in.enterprise) {
    const std::string& c = in.subject.country;
    FUZZ_CHECK(c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z');
    FUZZ_CHECK(!in.subject.province.empty() && !in.subject.city.empty() &&
               !in.subject.organization.empty());
  } else {
    FUZZ_CHECK(in.subject.country.empty() && in.subject.organization.empty());
  }

  // What CreateCsr does next (with a pooled key; any key of the six builds
  // the same subject and extensions).
  auto pem = crypto::BuildCsrPem(TestKey(), in.subject, in.dns_names);
  if (!pem.ok()) {
    std::fprintf(stderr, "accepted CreateCsr input does not build: %s\n",
                 pem.status().ToString().c_str());
    std::abort();
  }
  auto parsed = crypto::ParseCsrPem(*pem);
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(parsed->common_names.size() == 1 && parsed->common_names[0] == in.domain_name);
  FUZZ_CHECK(parsed->dns_sans == in.dns_names);
  FUZZ_CHECK(parsed->country.value_or("") == in.subject.country);
  FUZZ_CHECK(parsed->province.value_or("") == in.subject.province);
  FUZZ_CHECK(parsed->city.value_or("") == in.subject.city);
  FUZZ_CHECK(parsed->organization.value_or("") == in.subject.organization);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw = fuzz::AsView(data, size);

  // The raw bytes as a domain_name and as a sans value.
  if (Status st = api::ValidateDomainName(raw); st.ok()) {
    CheckDomainShape(raw);
  } else {
    CheckRefusal(st);
  }
  auto sans = api::SplitSans(raw);
  if (sans.ok()) {
    for (const std::string& item : *sans) {
      CheckDomainShape(item);
      FUZZ_CHECK(raw.find(item) != std::string_view::npos);
    }
  } else {
    CheckRefusal(sans.status());
  }

  auto body = api::ParseJsonObject(raw);
  if (!body.ok()) return 0;  // json_object_fuzz covers the refusals

  if (auto create = api::ParseCreateCsr(*body); create.ok()) {
    CheckCreate(*create);
  } else {
    CheckRefusal(create.status());
  }

  if (auto name = api::ParseUpdateCsr(*body); name.ok()) {
    FUZZ_CHECK(api::ValidateName(*name).ok());
    auto n = csrd::CountCodePoints(*name);
    FUZZ_CHECK(n && *n >= 1 && *n <= api::kMaxNameChars && !api::HasControlChar(*name));
  } else {
    CheckRefusal(name.status());
  }

  if (auto upload = api::ParseUploadCsr(*body); upload.ok()) {
    FUZZ_CHECK(api::ValidateName(upload->name).ok());
    FUZZ_CHECK(!upload->csr.empty());
  } else {
    CheckRefusal(upload.status());
  }
  return 0;
}
