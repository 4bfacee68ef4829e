// seed_csrs: fills a stopped csrd's database with N CSRs for the scale run
// (issue 4: ListCsr/ShowCsr at 1k, 100k, 1M stored). Seeding a million CSRs
// over HTTP would take hours of key generation, so rows go straight in through
// csrd's own Store interface (store::OpenSqliteStore on <data-dir>/csrd.db,
// which csrd must not have open). Rows are realistic in size and shape: one
// real CSR PEM and one real PKCS#8 key, generated once, sealed per row under
// the data dir's master key with that row's associated data (so the private
// key export of a seeded row works), names and times distinct per row.
//
//   seed_csrs --data-dir DIR --count 100000 [--algo EC_P256] [--account default]
//             [--ids-out ids.txt] [--ids-max 100000]
#include <CLI/CLI.hpp>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/encoding.h"
#include "core/secret.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "crypto/sealer.h"
#include "store/sqlite/sqlite_store.h"

int main(int argc, char** argv) {
  using namespace csrd;
  CLI::App app{"insert CSR rows directly into a stopped csrd's store"};
  std::string data_dir, algo_name = "EC_P256", account_name = "default", ids_out;
  int64_t count = 1000;
  int64_t ids_max = 100000;
  app.add_option("--data-dir", data_dir, "csrd data dir (csrd stopped)")->required();
  app.add_option("--count", count, "Rows to insert")->capture_default_str();
  app.add_option("--algo", algo_name, "Key algorithm of the reused key and CSR")->capture_default_str();
  app.add_option("--account", account_name, "Account name")->capture_default_str();
  app.add_option("--ids-out", ids_out, "Append inserted ids to this file");
  app.add_option("--ids-max", ids_max, "At most this many ids written (evenly spread)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto algo = crypto::ParseKeyAlgo(algo_name);
  if (!algo) return std::fprintf(stderr, "seed_csrs: unknown --algo\n"), 2;

  std::ifstream mk_in(data_dir + "/master.key");
  std::stringstream mk_text;
  mk_text << mk_in.rdbuf();
  std::string b64 = mk_text.str();
  while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();
  auto raw = Base64Decode(b64);
  SecureWipe(b64);
  if (!raw || raw->size() != 32) {
    return std::fprintf(stderr, "seed_csrs: %s/master.key missing or malformed\n", data_dir.c_str()), 1;
  }
  auto sealer = crypto::KeySealer::Create(Secret(std::move(*raw)));
  if (!sealer.ok()) return std::fprintf(stderr, "seed_csrs: master key refused\n"), 1;

  // Synchronous NORMAL: the seed is not precious, and WAL+NORMAL still
  // leaves a consistent database; fsync per row would take an hour.
  store::SqliteOptions so;
  so.synchronous = "NORMAL";
  auto st = store::OpenSqliteStore(data_dir + "/csrd.db", so);
  if (!st.ok()) {
    std::fprintf(stderr, "seed_csrs: %s\n", st.status().ToString().c_str());
    return 1;
  }
  store::Store& db = **st;
  auto kid = db.GetMeta("master_key_id");
  if (!kid.ok() || !kid->has_value() || **kid != sealer->KeyId()) {
    return std::fprintf(stderr, "seed_csrs: master.key does not match the database\n"), 1;
  }
  auto account = db.GetAccountByName(account_name);
  if (!account.ok()) {
    return std::fprintf(stderr, "seed_csrs: account %s: %s\n", account_name.c_str(),
                        account.status().ToString().c_str()), 1;
  }

  auto key = crypto::PrivateKey::Generate(*algo);
  if (!key.ok()) return std::fprintf(stderr, "seed_csrs: keygen failed\n"), 1;
  auto csr_pem = crypto::BuildCsrPem(*key, {"www.example.com", "", "", "", ""},
                                     {"www.example.com", "example.com", "api.example.com"});
  auto key_pem = key->ToPkcs8Pem();
  if (!csr_pem.ok() || !key_pem.ok()) return std::fprintf(stderr, "seed_csrs: CSR failed\n"), 1;

  std::ofstream ids;
  if (!ids_out.empty()) ids.open(ids_out, std::ios::app);
  int64_t every = ids_max > 0 && count > ids_max ? (count + ids_max - 1) / ids_max : 1;

  auto t0 = std::chrono::steady_clock::now();
  int64_t base = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count() - count;  // one row per millisecond, ending now
  store::Csr rec;
  rec.account_id = account->id;
  rec.csr_pem = *csr_pem;
  rec.domain_name = "www.example.com";
  rec.sans = "example.com;api.example.com";
  rec.private_key_algo = algo_name;
  rec.usage = "PERSONAL";
  for (int64_t i = 0; i < count; ++i) {
    rec.id = NewId();
    rec.name = "seed-" + std::to_string(i);
    rec.create_time = rec.update_time = base + i;
    auto sealed = sealer->Seal(key_pem->view(), crypto::SealAad("csr", rec.id, rec.account_id));
    if (!sealed.ok()) return std::fprintf(stderr, "seed_csrs: seal failed\n"), 1;
    rec.sealed_key = std::move(sealed).value();
    Status s = db.InsertCsr(rec, 0);
    if (!s.ok()) {
      std::fprintf(stderr, "seed_csrs: row %lld: %s\n", static_cast<long long>(i), s.ToString().c_str());
      return 1;
    }
    if (ids.is_open() && i % every == 0) ids << rec.id << '\n';
    if ((i + 1) % 100000 == 0) {
      std::fprintf(stderr, "seed_csrs: %lld rows\n", static_cast<long long>(i + 1));
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "seed_csrs: inserted %lld rows in %.1f s (%.0f rows/s), row: %zu B CSR + %zu B sealed key\n",
               static_cast<long long>(count), secs, static_cast<double>(count) / secs,
               csr_pem->size(), rec.sealed_key->size());
  return 0;
}
