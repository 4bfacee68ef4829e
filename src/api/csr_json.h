// The CSR object of contract §3 as JSON.
#pragma once

#include <string>

#include "store/records.h"

namespace csrd::api {

// The object as compact JSON text, written straight into one string (no
// tree): every field of §3 plus the additive export_count / last_export_time,
// in that order; text fields exactly as stored (never null); the sealed key
// never. The hot read routes answer with these.
void AppendCsrJson(const store::Csr& csr, std::string* out);
std::string CsrJsonText(const store::Csr& csr);

// The ListCsr body {"csr_list":[<CsrJsonText>...],"total":N}, in one buffer
// reserved once.
std::string CsrPageJsonText(const store::CsrPage& page);

}  // namespace csrd::api
