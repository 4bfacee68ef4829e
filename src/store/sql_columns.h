// Column lists shared by the SQL of every Store implementation, so a CSR row
// is read in one column order everywhere (ReadCsr in each store depends on it).
#pragma once

// sealed_key comes last so a list can leave it out.
#define CSRD_CSR_COLS                                                                \
  "id, account_id, name, csr_pem, domain_name, sans, private_key_algo, usage,"       \
  " company_country, company_province, company_city, company_name, create_time,"    \
  " update_time, uploaded, export_count, last_export_time"
#define CSRD_CSR_COLS_KEY CSRD_CSR_COLS ", sealed_key"

namespace csrd::store {
inline constexpr int kSealedKeyCol = 17;  // index of sealed_key in CSRD_CSR_COLS_KEY
}  // namespace csrd::store
