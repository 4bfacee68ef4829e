// The CSR object of contract §3 as JSON.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "store/records.h"

namespace csrd::api {

// Every field of §3 plus the additive export_count / last_export_time. Text
// fields are returned exactly as stored (never null).
boost::json::object CsrToJson(const store::Csr& csr);

// The same object as compact JSON text, written straight into one string
// (no tree): byte for byte boost::json::serialize(CsrToJson(csr)). The hot
// read routes answer with these.
void AppendCsrJson(const store::Csr& csr, std::string* out);
std::string CsrJsonText(const store::Csr& csr);

// The ListCsr body {"csr_list":[<CsrJsonText>...],"total":N}, in one buffer
// reserved once.
std::string CsrPageJsonText(const store::CsrPage& page);

}  // namespace csrd::api
