#include "api/csr_json.h"

namespace csrd::api {

boost::json::object CsrToJson(const store::Csr& c) {
  boost::json::object o;
  o.reserve(15);
  o["id"] = c.id;
  o["name"] = c.name;
  o["csr"] = c.csr_pem;
  o["domain_name"] = c.domain_name;
  o["sans"] = c.sans;
  o["private_key_algo"] = c.private_key_algo;
  o["usage"] = c.usage;
  o["company_country"] = c.company_country;
  o["company_province"] = c.company_province;
  o["company_city"] = c.company_city;
  o["company_name"] = c.company_name;
  o["create_time"] = c.create_time;
  o["update_time"] = c.update_time;
  o["export_count"] = c.export_count;
  o["last_export_time"] = c.last_export_time;
  return o;
}

}  // namespace csrd::api
