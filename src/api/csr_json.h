// The CSR object of contract §3 as JSON.
#pragma once

#include <boost/json/object.hpp>

#include "store/records.h"

namespace csrd::api {

// Every field of §3 plus the additive export_count / last_export_time. Text
// fields are returned exactly as stored (never null).
boost::json::object CsrToJson(const store::Csr& csr);

}  // namespace csrd::api
