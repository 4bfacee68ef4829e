// Decoding and validation of the CSR request bodies (contract.md §3, §4).
//
// Pure functions over an already parsed JSON object (see json_reader.h);
// thread-safe. Every error is Status::InvalidArgument (400 SCM.0005) whose
// message names the field and the rule, never the value.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/csr.h"
#include "crypto/key_algo.h"

namespace csrd::api {

inline constexpr size_t kMaxNameChars = 63;
inline constexpr size_t kMaxDomainChars = 63;
inline constexpr size_t kMaxSansChars = 255;
inline constexpr size_t kMaxCompanyNameChars = 64;
inline constexpr size_t kMaxCompanyPlaceChars = 128;  // province, city

struct CreateCsrInput {
  // Exactly as sent (absent -> ""); the API stores and returns these verbatim.
  std::string name, domain_name, sans, private_key_algo, usage, company_country, company_province,
      company_city, company_name;
  crypto::KeyAlgo algo = crypto::KeyAlgo::kRsa2048;
  bool enterprise = false;
  // What goes into the CSR: CN = domain_name; for ENTERPRISE also C
  // (upper-cased), ST, L, O; for PERSONAL those stay empty.
  crypto::CsrSubject subject;
  // subjectAltName DNS names: domain_name first, then the sans items in
  // order, de-duplicated case-insensitively (the first spelling is kept).
  std::vector<std::string> dns_names;
};

// CreateCsr body. Rules: name (ValidateName), domain_name (ValidateDomainName),
// sans optional (SplitSans), private_key_algo one of the six (case-sensitive),
// usage PERSONAL|ENTERPRISE; company_* optional strings, all four required
// and non-empty for ENTERPRISE; company_country, when non-empty, two ASCII
// letters; company_name <= 64, company_province/company_city <= 128
// characters; company fields must not contain control characters (they end
// up in the X.509 subject). Unknown fields are ignored.
Result<CreateCsrInput> ParseCreateCsr(const boost::json::object& body);

// UpdateCsr body: the new name (required, ValidateName).
Result<std::string> ParseUpdateCsr(const boost::json::object& body);

struct UploadCsrInput {
  std::string name;
  std::string csr;                         // PEM as sent; parsed by the handler
  std::optional<Secret> private_key;  // as sent; "" stays "" (present); wiped when dropped
};
// UploadCsr body: name (ValidateName), csr required non-empty string,
// private_key optional string. PEM contents are not examined here.
Result<UploadCsrInput> ParseUploadCsr(const boost::json::object& body);

// 1..63 code points, valid UTF-8, no C0 (U+0000..U+001F, U+007F) or C1
// (U+0080..U+009F) control characters.
Status ValidateName(std::string_view name);

// The domain_name rule: 1..63 ASCII characters; labels separated by '.',
// each 1..63 of [A-Za-z0-9-] not starting or ending with '-'; no empty label
// (hence no leading, trailing or double dot); "*" allowed only as the whole
// first label of a name with more labels ("*.example.com"); not all-numeric
// (refused when every label other than a leading "*" is digits, like an IPv4
// address); non-ASCII (U-labels) refused: clients send punycode.
Status ValidateDomainName(std::string_view d);

// The sans rule: at most 255 characters on the raw string; split on ';' or
// ','; ASCII spaces trimmed; empty items dropped; each item must pass the
// domain_name rule. Returns the items in order (not de-duplicated).
Result<std::vector<std::string>> SplitSans(std::string_view sans);

}  // namespace csrd::api
