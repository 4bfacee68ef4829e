#include "api/csr_input.h"

#include <string>

#include "api/input_text.h"
#include "api/json_reader.h"
#include "core/ascii.h"

namespace csrd::api {
namespace json = boost::json;
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// `what` is the subject of the message: "domain_name" or "sans: each item".
Status DomainError(std::string_view what, std::string_view rule) {
  return Status::InvalidArgument(std::string(what) + " " + std::string(rule));
}

Status CheckDomain(std::string_view what, std::string_view d) {
  if (!IsAscii(d))
    return DomainError(what, "must be ASCII (send internationalized names as punycode)");
  if (d.empty() || d.size() > kMaxDomainChars) {
    return DomainError(what, "must be 1..63 characters");
  }
  if (d.back() == '.') return DomainError(what, "must not end with a dot");
  bool all_numeric = true;
  size_t label_index = 0;
  size_t pos = 0;
  while (true) {
    const size_t dot = d.find('.', pos);
    const std::string_view label =
        d.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    if (label.empty()) return DomainError(what, "must not have an empty label");
    if (label == "*") {
      if (label_index != 0 || dot == std::string_view::npos) {
        return DomainError(what, "may use '*' only as the whole first label of a longer name");
      }
    } else {
      // Labels cannot exceed 63 here (the whole name is at most 63); the
      // check stays so the rule holds if the name limit ever grows.
      if (label.size() > 63) return DomainError(what, "must have labels of 1..63 characters");
      for (char c : label) {
        if (!IsAlpha(c) && !IsDigit(c) && c != '-') {
          return DomainError(what, "must use only letters, digits, '-' and '.'");
        }
        if (!IsDigit(c)) all_numeric = false;
      }
      if (label.front() == '-' || label.back() == '-') {
        return DomainError(what, "must not have a label starting or ending with '-'");
      }
    }
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
    ++label_index;
  }
  if (all_numeric) return DomainError(what, "must not be all-numeric");
  return Status::Ok();
}

// Company fields become X.509 subject attributes; a control character (NUL
// above all) would be silently mangled there, so it is refused up front.
Status CheckCompanyText(std::string_view field, std::string_view s, size_t max) {
  return CheckText(field, s, 0, max, /*forbid_controls=*/true);
}

}  // namespace

Status ValidateName(std::string_view name) {
  return CheckText("name", name, 1, kMaxNameChars, /*forbid_controls=*/true);
}

Status ValidateDomainName(std::string_view d) { return CheckDomain("domain_name", d); }

Result<std::vector<std::string>> SplitSans(std::string_view sans) {
  const std::optional<size_t> n = CountCodePoints(sans);
  if (!n) return Status::InvalidArgument("sans: must be valid UTF-8");
  if (*n > kMaxSansChars) return Status::InvalidArgument("sans: must be at most 255 characters");
  std::vector<std::string> items;
  Status bad;
  FindListItem(
      sans,
      [&](std::string_view item) {
        if (item.empty()) return false;
        bad = CheckDomain("sans: each item", item);
        if (!bad.ok()) return true;
        items.emplace_back(item);
        return false;
      },
      ";,", " ");
  CSRD_RETURN_IF_ERROR(bad);
  return items;
}

Result<CreateCsrInput> ParseCreateCsr(const json::object& body) {
  CreateCsrInput in;
  CSRD_ASSIGN_OR_RETURN(in.name, GetRequiredString(body, "name"));
  CSRD_RETURN_IF_ERROR(ValidateName(in.name));

  CSRD_ASSIGN_OR_RETURN(in.domain_name, GetRequiredString(body, "domain_name"));
  CSRD_RETURN_IF_ERROR(ValidateDomainName(in.domain_name));

  CSRD_ASSIGN_OR_RETURN(std::optional<std::string> sans, GetOptionalString(body, "sans"));
  in.sans = sans.value_or("");
  CSRD_ASSIGN_OR_RETURN(std::vector<std::string> san_items, SplitSans(in.sans));

  CSRD_ASSIGN_OR_RETURN(in.private_key_algo, GetRequiredString(body, "private_key_algo"));
  const std::optional<crypto::KeyAlgo> algo = crypto::ParseKeyAlgo(in.private_key_algo);
  if (!algo) {
    return Status::InvalidArgument(
        "private_key_algo: must be one of RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P384, SM2");
  }
  in.algo = *algo;

  CSRD_ASSIGN_OR_RETURN(in.usage, GetRequiredString(body, "usage"));
  if (in.usage == "ENTERPRISE") {
    in.enterprise = true;
  } else if (in.usage != "PERSONAL") {
    return Status::InvalidArgument("usage: must be PERSONAL or ENTERPRISE");
  }

  struct Company {
    const char* key;
    std::string* out;
    size_t max;
  };
  const Company company[] = {
      {"company_country", &in.company_country, 0},  // own rule below
      {"company_province", &in.company_province, kMaxCompanyPlaceChars},
      {"company_city", &in.company_city, kMaxCompanyPlaceChars},
      {"company_name", &in.company_name, kMaxCompanyNameChars},
  };
  for (const Company& c : company) {
    CSRD_ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptionalString(body, c.key));
    *c.out = v.value_or("");
    if (in.enterprise && c.out->empty()) {
      return Status::InvalidArgument(std::string(c.key) + " is required for ENTERPRISE usage");
    }
    if (c.out == &in.company_country) {
      if (!c.out->empty() &&
          (c.out->size() != 2 || !IsAlpha((*c.out)[0]) || !IsAlpha((*c.out)[1]))) {
        return Status::InvalidArgument("company_country: must be two ASCII letters");
      }
    } else {
      CSRD_RETURN_IF_ERROR(CheckCompanyText(c.key, *c.out, c.max));
    }
  }

  in.subject.common_name = in.domain_name;
  if (in.enterprise) {
    in.subject.country = {AsciiUpper(in.company_country[0]),
                          AsciiUpper(in.company_country[1])};
    in.subject.province = in.company_province;
    in.subject.city = in.company_city;
    in.subject.organization = in.company_name;
  }

  in.dns_names.push_back(in.domain_name);
  for (std::string& item : san_items) {
    bool seen = false;
    for (const std::string& have : in.dns_names) {
      if (EqualsIgnoreCase(have, item)) {
        seen = true;
        break;
      }
    }
    if (!seen) in.dns_names.push_back(std::move(item));
  }
  return in;
}

Result<std::string> ParseUpdateCsr(const json::object& body) {
  CSRD_ASSIGN_OR_RETURN(std::string name, GetRequiredString(body, "name"));
  CSRD_RETURN_IF_ERROR(ValidateName(name));
  return name;
}

Result<UploadCsrInput> ParseUploadCsr(const json::object& body) {
  UploadCsrInput in;
  CSRD_ASSIGN_OR_RETURN(in.name, GetRequiredString(body, "name"));
  CSRD_RETURN_IF_ERROR(ValidateName(in.name));
  CSRD_ASSIGN_OR_RETURN(in.csr, GetRequiredString(body, "csr"));
  if (in.csr.empty()) return Status::InvalidArgument("csr: must not be empty");
  CSRD_ASSIGN_OR_RETURN(std::optional<std::string> key, GetOptionalString(body, "private_key"));
  if (key) {
    in.private_key.emplace(*key);
    SecureWipe(*key);
  }
  return in;
}

}  // namespace csrd::api
