#include "api/csr_handlers.h"

#include <optional>

#include <boost/json.hpp>

#include "api/audit_handlers.h"
#include "api/csr_input.h"
#include "api/csr_json.h"
#include "api/json_reader.h"
#include "api/query.h"
#include "api/service_metrics.h"
#include "core/encoding.h"
#include "core/json_wiping.h"
#include "core/secret.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "identity/permissions.h"

namespace csrd::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kCsrTable = "csr";

// Path ids (contract §4): decoded once, then a length rule that depends on the
// route. Returns the decoded id or the 400 to send.
std::optional<ApiError> DecodeId(const Call& call, size_t min_len, size_t max_len,
                                 std::string* id) {
  auto decoded = PercentDecode(call.route.raw_id);
  if (!decoded.ok()) return BadParameter("id: malformed percent-encoding");
  if (decoded->size() < min_len || decoded->size() > max_len) {
    return BadParameter(min_len == max_len ? "id: must be 32 characters"
                                           : "id: must be 16..40 characters");
  }
  *id = std::move(decoded).value();
  return std::nullopt;
}

const std::string& AccountOf(const Call& call) { return call.principal->account_id; }

// Seals a PKCS#8 PEM key to its CSR row (contract §7).
Result<std::string> SealKey(const crypto::KeySealer& sealer, const Secret& pem,
                            const store::Csr& rec) {
  return sealer.Seal(pem.view(), crypto::SealAad(kCsrTable, rec.id, rec.account_id));
}

// What the audit event of a new CSR says about it (never the key).
std::string CsrDetail(const store::Csr& rec) {
  std::string d = "name=" + rec.name + ", private_key_algo=" + rec.private_key_algo +
                  ", domain_name=" + rec.domain_name;
  if (rec.uploaded) d += rec.sealed_key ? ", private_key=yes" : ", private_key=no";
  return d;
}

// Input errors are 400 SCM.0005; anything else from a decoder (out of memory)
// is ours, not the caller's.
ApiError InputError(const Status& st) {
  return st.IsInvalidArgument() ? BadParameter(st.message()) : InternalError();
}

// Counts in-flight key generations so a flood of RSA-4096 creates answers 429
// instead of queueing without bound (contract §7).
class KeygenSlot {
 public:
  KeygenSlot(std::atomic<int>& counter, int cap) : counter_(counter) {
    ok_ = counter_.fetch_add(1) < cap;
  }
  ~KeygenSlot() { counter_.fetch_sub(1); }
  bool ok() const { return ok_; }

 private:
  std::atomic<int>& counter_;
  bool ok_;
};

// A new key (pooled when there is one; otherwise generated here, on the
// worker) and the CSR it signs: the CPU-heavy part of a create.
struct KeyAndCsr {
  Secret key_pem;  // PKCS#8
  std::string csr_pem;
};

// Under one of `cap` slots counted in `pending`: ResourceExhausted when none
// is free. The cap bounds the workers busy with key generation and signing
// (RSA: seconds each), so reads and logins keep being served during a burst
// of creates. It ends before the store write: waiting for a commit costs no
// CPU, and holding a slot through it turned a slow disk into 429s.
Result<KeyAndCsr> MakeKeyAndCsr(crypto::KeySource& keys, const CreateCsrInput& in,
                                std::atomic<int>& pending, int cap) {
  KeygenSlot slot(pending, cap);
  if (!slot.ok()) return Status::ResourceExhausted("every key generation slot is busy");
  CSRD_ASSIGN_OR_RETURN(crypto::PrivateKey key, keys.Take(in.algo));
  KeyAndCsr out;
  CSRD_ASSIGN_OR_RETURN(out.csr_pem, crypto::BuildCsrPem(key, in.subject, in.dns_names));
  CSRD_ASSIGN_OR_RETURN(out.key_pem, key.ToPkcs8Pem());
  return out;
}

}  // namespace

http::Response CsrHandlers::Create(Call& call) {
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return call.Fail(InputError(body.status()));
  auto in = ParseCreateCsr(*body);
  if (!in.ok()) return call.Fail(InputError(in.status()));

  const std::string& account = AccountOf(call);
  // InsertCsr enforces the quota atomically; this early read (one row of the
  // per-account counter) only spares a key — pooled or seconds of RSA work —
  // for a request that would be refused anyway.
  if (config_.csr_quota_per_account > 0) {
    auto count = deps_.store->CountCsrs(account);
    if (!count.ok()) return call.Fail(FromStatus(count.status()));
    if (*count >= config_.csr_quota_per_account) return call.Fail(CsrQuotaReached());
  }

  auto made = MakeKeyAndCsr(*keys_, *in, pending_keygens_, config_.max_pending_keygens);
  if (made.status().IsResourceExhausted()) return call.Fail(TooManyRequests());
  if (!made.ok()) return call.Fail(InternalError());
  KeyAndCsr& generated = made.value();

  store::Csr rec;
  rec.id = NewId();
  rec.account_id = account;
  auto sealed = SealKey(*deps_.sealer, generated.key_pem, rec);
  if (!sealed.ok()) return call.Fail(InternalError());
  rec.sealed_key = std::move(sealed).value();
  rec.name = in->name;
  rec.csr_pem = std::move(generated.csr_pem);
  rec.domain_name = in->domain_name;
  rec.sans = in->sans;
  rec.private_key_algo = in->private_key_algo;
  rec.usage = in->usage;
  rec.company_country = in->company_country;
  rec.company_province = in->company_province;
  rec.company_city = in->company_city;
  rec.company_name = in->company_name;
  rec.create_time = rec.update_time = deps_.clock->NowMillis();

  // Committed with the row: a CSR never exists without its audit record.
  const store::AuditEvent ev = CallerAuditEvent(
      call, rec.create_time, identity::ActionName(identity::Action::kCreateCsr), rec.id,
      CsrDetail(rec));
  Status st = deps_.store->InsertCsr(rec, config_.csr_quota_per_account, &ev);
  if (st.IsResourceExhausted()) return call.Fail(CsrQuotaReached());
  if (!st.ok()) return call.Fail(FromStatus(st));
  if (deps_.metrics) deps_.metrics->RecordCsrCreated(in->algo, CsrSource::kGenerated);
  return JsonResponse(201, CsrJsonText(rec));
}

http::Response CsrHandlers::List(Call& call) {
  auto q = ParseListCsrQuery(call.req.query);
  if (!q.ok()) return call.Fail(InputError(q.status()));
  store::CsrQuery query;
  query.limit = q->limit;
  query.offset = q->offset;
  query.name_contains = q->name;
  query.private_key_algo = q->private_key_algo;
  auto page = deps_.store->ListCsrs(AccountOf(call), query);
  if (!page.ok()) return call.Fail(FromStatus(page.status()));
  return JsonResponse(200, CsrPageJsonText(*page));
}

http::Response CsrHandlers::Show(Call& call) {
  std::string id;
  if (auto err = DecodeId(call, 32, 32, &id)) return call.Fail(*err);
  auto rec = deps_.store->GetCsr(AccountOf(call), id);
  if (!rec.ok()) return call.Fail(FromStatus(rec.status()));
  return JsonResponse(200, CsrJsonText(*rec));
}

http::Response CsrHandlers::Update(Call& call) {
  std::string id;
  if (auto err = DecodeId(call, 32, 32, &id)) return call.Fail(*err);
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return call.Fail(InputError(body.status()));
  auto name = ParseUpdateCsr(*body);
  if (!name.ok()) return call.Fail(InputError(name.status()));
  const int64_t now = deps_.clock->NowMillis();
  const store::AuditEvent ev = CallerAuditEvent(
      call, now, identity::ActionName(identity::Action::kUpdateCsr), id, "name=" + *name);
  auto rec = deps_.store->RenameCsr(AccountOf(call), id, *name, now, &ev);
  if (!rec.ok()) return call.Fail(FromStatus(rec.status()));
  return JsonResponse(200, CsrJsonText(*rec));
}

http::Response CsrHandlers::Delete(Call& call) {
  std::string id;
  if (auto err = DecodeId(call, 16, 40, &id)) return call.Fail(*err);
  const store::AuditEvent ev = CallerAuditEvent(
      call, deps_.clock->NowMillis(), identity::ActionName(identity::Action::kDeleteCsr), id);
  Status st = deps_.store->DeleteCsr(AccountOf(call), id, &ev);
  if (!st.ok()) return call.Fail(FromStatus(st));
  http::Response r;
  r.status = 204;
  return r;
}

http::Response CsrHandlers::ShowPrivateKey(Call& call) {
  std::string id;
  if (auto err = DecodeId(call, 32, 32, &id)) return call.Fail(*err);
  const std::string& account = AccountOf(call);
  auto rec = deps_.store->GetCsr(account, id);
  if (!rec.ok()) return call.Fail(FromStatus(rec.status()));
  if (!rec->sealed_key) return call.Fail(NoPrivateKey());
  auto key_pem = deps_.sealer->Open(*rec->sealed_key, crypto::SealAad(kCsrTable, id, account));
  if (!key_pem.ok()) return call.Fail(InternalError());

  // The audit record must be durable before the key leaves (contract §5).
  const store::AuditEvent ev = CallerAuditEvent(
      call, deps_.clock->NowMillis(), identity::ActionName(identity::Action::kGetCsrPrivateKey), id);
  auto exported = deps_.store->RecordKeyExport(account, id, ev, ev.time);
  if (!exported.ok()) return call.Fail(FromStatus(exported.status()));
  if (deps_.metrics) deps_.metrics->RecordPrivateKeyExport();

  json::object out(WipingJsonStorage());
  out["private_key"] = key_pem->view();
  http::Response r = JsonResponse(200, out);
  r.SetHeader("Cache-Control", "no-store");
  r.sensitive = true;
  return r;
}

http::Response CsrHandlers::Upload(Call& call) {
  // The body may carry a private key in the clear: wipe it once we are done.
  ScopedWipe wipe(call.req.body);
  auto body = ParseJsonObject(call.req.body);
  if (!body.ok()) return call.Fail(InputError(body.status()));
  auto in = ParseUploadCsr(*body);
  if (!in.ok()) return call.Fail(InputError(in.status()));

  auto parsed = crypto::ParseCsrPem(in->csr);
  if (!parsed.ok()) return call.Fail(BadParameter("csr: " + parsed.status().message()));

  // Derivations of contract §4 "Upload derives".
  std::string domain;
  if (parsed->common_names.size() > 1) return call.Fail(BadParameter("csr: several CNs"));
  if (parsed->common_names.size() == 1) {
    domain = parsed->common_names[0];
  } else if (!parsed->dns_sans.empty()) {
    domain = parsed->dns_sans[0];
  } else {
    return call.Fail(BadParameter("csr: neither a CN nor a DNS SAN"));
  }
  if (!ValidateDomainName(domain).ok()) {
    return call.Fail(BadParameter("csr: the domain name is not a valid DNS name"));
  }

  const std::string& account = AccountOf(call);
  store::Csr rec;
  rec.id = NewId();
  rec.account_id = account;
  if (in->private_key) {
    auto key = crypto::PrivateKey::FromPem(in->private_key->view());
    if (!key.ok()) return call.Fail(PrivateKeyUnparsable(key.status().message()));
    if (!crypto::PublicKeyMatches(*parsed, *key)) return call.Fail(PrivateKeyMismatch());
    auto key_pem = key->ToPkcs8Pem();  // PKCS#1/SEC1 are stored as PKCS#8 (§5)
    if (!key_pem.ok()) return call.Fail(InternalError());
    auto sealed = SealKey(*deps_.sealer, *key_pem, rec);
    if (!sealed.ok()) return call.Fail(InternalError());
    rec.sealed_key = std::move(sealed).value();
  }

  rec.name = in->name;
  rec.csr_pem = parsed->pem;
  rec.domain_name = domain;
  std::string sans;
  for (size_t i = 0; i < parsed->dns_sans.size(); ++i) {
    if (i) sans += ';';
    sans += parsed->dns_sans[i];
  }
  rec.sans = std::move(sans);
  rec.private_key_algo = std::string(crypto::KeyAlgoName(parsed->algo));
  rec.usage = parsed->organization ? "ENTERPRISE" : "PERSONAL";
  rec.company_country = parsed->country.value_or("");
  rec.company_province = parsed->province.value_or("");
  rec.company_city = parsed->city.value_or("");
  rec.company_name = parsed->organization.value_or("");
  rec.uploaded = true;
  rec.create_time = rec.update_time = deps_.clock->NowMillis();

  const store::AuditEvent ev = CallerAuditEvent(
      call, rec.create_time, identity::ActionName(identity::Action::kUploadCsr), rec.id,
      CsrDetail(rec));
  Status st = deps_.store->InsertCsr(rec, config_.csr_quota_per_account, &ev);
  if (st.IsResourceExhausted()) return call.Fail(CsrQuotaReached());
  if (!st.ok()) return call.Fail(FromStatus(st));
  if (deps_.metrics) deps_.metrics->RecordCsrCreated(parsed->algo, CsrSource::kUploaded);

  json::object out;
  out["id"] = rec.id;
  out["name"] = rec.name;
  out["create_time"] = rec.create_time;
  return JsonResponse(200, out);
}

}  // namespace csrd::api
