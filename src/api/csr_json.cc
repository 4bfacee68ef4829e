#include "api/csr_json.h"

#include "api/json_writer.h"

namespace csrd::api {

namespace {

// Keys, punctuation and four numbers of one object: under 300 bytes.
constexpr size_t kObjectOverhead = 320;

// A reserve() that fits most objects without a second allocation: the text
// plus room for escapes (a PEM has one "\n" per 64 characters).
size_t EstimatedSize(const store::Csr& c) {
  const size_t text = c.id.size() + c.name.size() + c.csr_pem.size() + c.domain_name.size() +
                      c.sans.size() + c.private_key_algo.size() + c.usage.size() +
                      c.company_country.size() + c.company_province.size() +
                      c.company_city.size() + c.company_name.size();
  return kObjectOverhead + text + text / 16;
}

void Member(std::string_view key_colon, std::string_view value, std::string* out) {
  out->append(key_colon);
  WriteJsonString(value, out);
}

void Member(std::string_view key_colon, int64_t value, std::string* out) {
  out->append(key_colon);
  WriteJsonInt(value, out);
}

}  // namespace

// Keys in the contract's order (§3); tests check the text against a boost::json reference.
void AppendCsrJson(const store::Csr& c, std::string* out) {
  Member("{\"id\":", c.id, out);
  Member(",\"name\":", c.name, out);
  Member(",\"csr\":", c.csr_pem, out);
  Member(",\"domain_name\":", c.domain_name, out);
  Member(",\"sans\":", c.sans, out);
  Member(",\"private_key_algo\":", c.private_key_algo, out);
  Member(",\"usage\":", c.usage, out);
  Member(",\"company_country\":", c.company_country, out);
  Member(",\"company_province\":", c.company_province, out);
  Member(",\"company_city\":", c.company_city, out);
  Member(",\"company_name\":", c.company_name, out);
  Member(",\"create_time\":", c.create_time, out);
  Member(",\"update_time\":", c.update_time, out);
  Member(",\"export_count\":", c.export_count, out);
  Member(",\"last_export_time\":", c.last_export_time, out);
  out->push_back('}');
}

std::string CsrJsonText(const store::Csr& c) {
  std::string out;
  out.reserve(EstimatedSize(c));
  AppendCsrJson(c, &out);
  return out;
}

std::string CsrPageJsonText(const store::CsrPage& page) {
  size_t size = 64;
  for (const auto& c : page.items) size += EstimatedSize(c) + 1;
  std::string out;
  out.reserve(size);
  out.append("{\"csr_list\":[");
  bool first = true;
  for (const auto& c : page.items) {
    if (!first) out.push_back(',');
    first = false;
    AppendCsrJson(c, &out);
  }
  out.append("],\"total\":");
  WriteJsonInt(page.total, &out);
  out.push_back('}');
  return out;
}

}  // namespace csrd::api
