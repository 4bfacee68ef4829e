// csrctl csr create|list|show|rename|delete|key|upload.
#include <optional>

#include <boost/json/serialize.hpp>

#include "client/output_file.h"
#include "client/render.h"
#include "client/response.h"
#include "cmd/csrctl/csr_commands.h"
#include "core/encoding.h"
#include "core/json_wiping.h"

namespace csrd::csrctl {
namespace {

namespace json = boost::json;
using client::OutputFile;

constexpr size_t kMaxInputFile = 1 << 20;

std::string CsrPath(std::string_view id) { return "/v3/scm/csr/" + csrd::PercentEncode(id); }

std::string CsrFields(const json::value& v) {
  std::vector<std::pair<std::string, std::string>> f;
  for (const char* k : {"id", "name", "domain_name", "sans", "private_key_algo", "usage"}) {
    f.emplace_back(k, JsonString(v, k));
  }
  for (const char* k : {"company_country", "company_province", "company_city", "company_name"}) {
    if (!JsonString(v, k).empty()) f.emplace_back(k, JsonString(v, k));
  }
  for (const char* k : {"create_time", "update_time"}) {
    if (v.as_object().contains(k)) f.emplace_back(k, client::FormatTimeMs(JsonInt(v, k)));
  }
  if (v.as_object().contains("export_count")) {
    f.emplace_back("export_count", std::to_string(JsonInt(v, "export_count")));
    f.emplace_back("last_export_time", client::FormatTimeMs(JsonInt(v, "last_export_time")));
  }
  return client::RenderFields(f);
}

// Sends one request; on success parses the JSON body into *out (nullptr for
// bodiless answers). Returns an exit code (kExitOk on success). The body is
// parsed into WipingJsonStorage(); give *out that storage too when it may hold a
// secret, or the move below copies it into ordinary memory.
int Exchange(Context& ctx, client::ApiClient& api, std::string_view method, const std::string& path,
             const client::QueryParams& query, std::string_view body, json::value* out) {
  Result<client::HttpResponse> r = api.Call(method, path, query, body);
  if (!r.ok()) return ctx.FailStatus(r.status());
  if (r->status >= 400) return ctx.FailApi(*r);
  if (out == nullptr) return kExitOk;
  Result<json::value> v = client::ParseJsonBody(r->body);
  if (!v.ok() || !v->is_object()) {
    return ctx.Fail(kExitApi, "unexpected answer to " + std::string(method) + " " + path +
                                  ": HTTP " + std::to_string(r->status) + " without a JSON object");
  }
  *out = std::move(v).value();
  return kExitOk;
}

std::optional<OutputFile> Reserve(Context& ctx, const std::string& path, OutputFile::Mode mode,
                                  bool force, int* exit) {
  if (path.empty()) return std::nullopt;
  Result<OutputFile> f = OutputFile::Open(path, mode, force);
  if (!f.ok()) {
    *exit = ctx.Fail(kExitFile, f.status().message());
    return std::nullopt;
  }
  return std::move(f).value();
}

int CommitFile(Context& ctx, OutputFile& file, std::string_view data) {
  Status st = file.Commit(data);
  return st.ok() ? kExitOk : ctx.Fail(kExitFile, st.message());
}

// GET .../private-key and writes it into file (or stdout when file is null).
int ExportKey(Context& ctx, client::ApiClient& api, const std::string& id, OutputFile* file) {
  json::value v(WipingJsonStorage());
  int rc = Exchange(ctx, api, "GET", CsrPath(id) + "/private-key", {}, "", &v);
  if (rc != kExitOk) return rc;
  auto it = v.get_object().find("private_key");
  if (it == v.get_object().end() || !it->value().is_string()) {
    return ctx.Fail(kExitApi, "unexpected answer: no private_key in the response");
  }
  std::string_view pem = it->value().get_string();
  if (file != nullptr) return CommitFile(ctx, *file, pem);
  if (ctx.json()) {
    ctx.Emit(v, {});
  } else {
    std::fwrite(pem.data(), 1, pem.size(), stdout);
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

int RunCreate(Context& ctx, const CsrOptions& o) {
  if (!o.csr_out.empty() && o.csr_out == o.key_out) {
    return ctx.Fail(kExitUsage, "--csr-out and --key-out must be different files");
  }
  int exit = kExitOk;
  std::optional<OutputFile> csr_file = Reserve(ctx, o.csr_out, OutputFile::Mode::kPublic, o.force, &exit);
  if (exit != kExitOk) return exit;
  std::optional<OutputFile> key_file = Reserve(ctx, o.key_out, OutputFile::Mode::kPrivate, o.force, &exit);
  if (exit != kExitOk) return exit;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;

  // The SDK's field order; unset fields are left out, never null.
  json::object body;
  body["name"] = o.name;
  body["domain_name"] = o.domain;
  if (!o.sans.empty()) body["sans"] = o.sans;
  body["private_key_algo"] = o.algo;
  body["usage"] = o.usage;
  if (!o.country.empty()) body["company_country"] = o.country;
  if (!o.province.empty()) body["company_province"] = o.province;
  if (!o.city.empty()) body["company_city"] = o.city;
  if (!o.company.empty()) body["company_name"] = o.company;
  json::value created;
  int rc = Exchange(ctx, *api, "POST", "/v3/scm/csr", {}, json::serialize(body), &created);
  if (rc != kExitOk) return rc;
  std::string id = JsonString(created, "id");
  ctx.Emit(created, [&] { return CsrFields(created); });

  if (csr_file) {
    std::string pem = JsonString(created, "csr");
    if (pem.empty()) {  // Huawei's service leaves the PEM out of the create answer
      json::value shown;
      rc = Exchange(ctx, *api, "GET", CsrPath(id), {}, "", &shown);
      if (rc != kExitOk) return rc;
      pem = JsonString(shown, "csr");
    }
    if ((rc = CommitFile(ctx, *csr_file, pem)) != kExitOk) return rc;
  }
  if (key_file && (rc = ExportKey(ctx, *api, id, &*key_file)) != kExitOk) {
    ctx.Warn("CSR " + id + " was created, but its private key was not saved");
    return rc;
  }
  return kExitOk;
}

int RunList(Context& ctx, const CsrOptions& o) {
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  client::QueryParams base;
  if (!o.filter_name.empty()) base.emplace_back("name", o.filter_name);
  if (!o.filter_algo.empty()) base.emplace_back("private_key_algo", o.filter_algo);

  json::array items;
  int64_t total = 0;
  int64_t offset = o.offset >= 0 ? o.offset : 0;
  for (int page = 0;; ++page) {
    client::QueryParams q = base;
    if (o.all) {
      q.emplace_back("limit", "50");
      q.emplace_back("offset", std::to_string(offset));
    } else {
      if (o.limit > 0) q.emplace_back("limit", std::to_string(o.limit));
      if (o.offset >= 0) q.emplace_back("offset", std::to_string(o.offset));
    }
    json::value v;
    int rc = Exchange(ctx, *api, "GET", "/v3/scm/csr", q, "", &v);
    if (rc != kExitOk) return rc;
    total = JsonInt(v, "total");
    const json::array* list = v.get_object().contains("csr_list") ? v.at("csr_list").if_array() : nullptr;
    size_t got = list != nullptr ? list->size() : 0;
    if (list != nullptr) items.insert(items.end(), list->begin(), list->end());
    offset += static_cast<int64_t>(got);
    if (!o.all || got == 0 || offset >= total || page > 100000) break;
  }
  json::object out;
  out["csr_list"] = items;
  out["total"] = total;
  ctx.Emit(out, [&] {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : items) {
      rows.push_back({JsonString(c, "id"), JsonString(c, "name"), JsonString(c, "domain_name"),
                      JsonString(c, "private_key_algo"), JsonString(c, "usage"),
                      client::FormatTimeMs(JsonInt(c, "create_time"))});
    }
    std::string table =
        client::RenderTable({"ID", "NAME", "DOMAIN", "ALGORITHM", "USAGE", "CREATED"}, rows);
    std::string note = std::to_string(items.size()) + " of " + std::to_string(total) + " CSRs\n";
    std::fputs(note.c_str(), stderr);
    return table;
  });
  return kExitOk;
}

int RunShow(Context& ctx, const CsrOptions& o) {
  int exit = kExitOk;
  std::optional<OutputFile> csr_file = Reserve(ctx, o.csr_out, OutputFile::Mode::kPublic, o.force, &exit);
  if (exit != kExitOk) return exit;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  json::value v;
  int rc = Exchange(ctx, *api, "GET", CsrPath(o.id), {}, "", &v);
  if (rc != kExitOk) return rc;
  if (csr_file && (rc = CommitFile(ctx, *csr_file, JsonString(v, "csr"))) != kExitOk) return rc;
  if (o.pem && !ctx.json()) {
    std::fputs(JsonString(v, "csr").c_str(), stdout);
    return kExitOk;
  }
  ctx.Emit(v, [&] { return CsrFields(v); });
  return kExitOk;
}

int RunRename(Context& ctx, const CsrOptions& o) {
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  json::object body;
  body["name"] = o.new_name;
  json::value v;
  int rc = Exchange(ctx, *api, "PUT", CsrPath(o.id), {}, json::serialize(body), &v);
  if (rc != kExitOk) return rc;
  ctx.Emit(v, [&] { return CsrFields(v); });
  return kExitOk;
}

int RunDelete(Context& ctx, const CsrOptions& o) {
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  json::array deleted;
  int worst = kExitOk;
  for (const std::string& id : o.ids) {
    int rc = Exchange(ctx, *api, "DELETE", CsrPath(id), {}, "", nullptr);
    if (rc == kExitOk) {
      deleted.emplace_back(id);
    } else {
      worst = std::max(worst, rc);
      if (rc == kExitNetwork) break;
    }
  }
  json::object out;
  out["deleted"] = deleted;
  ctx.Emit(out, [&] {
    std::string s;
    for (const auto& id : deleted) s += "deleted " + std::string(id.get_string()) + "\n";
    return s;
  });
  return worst;
}

int RunKey(Context& ctx, const CsrOptions& o) {
  if (o.out.empty() == !o.to_stdout) {
    return ctx.Fail(kExitUsage, "give either --out FILE (written with mode 0600) or --stdout");
  }
  int exit = kExitOk;
  std::optional<OutputFile> key_file = Reserve(ctx, o.out, OutputFile::Mode::kPrivate, o.force, &exit);
  if (exit != kExitOk) return exit;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  const std::string& id = o.id;
  int rc = ExportKey(ctx, *api, id, key_file ? &*key_file : nullptr);
  if (rc != kExitOk || !key_file) return rc;
  json::object out;
  out["id"] = id;
  out["private_key_file"] = o.out;
  ctx.Emit(out, [&] { return "private key of " + id + " written to " + o.out + " (mode 0600)\n"; });
  return kExitOk;
}

int RunUpload(Context& ctx, const CsrOptions& o) {
  Result<std::string> csr = client::ReadSmallFile(o.csr_file, kMaxInputFile);
  if (!csr.ok()) return ctx.Fail(kExitFile, csr.status().message());
  Secret key;
  if (!o.key_file.empty()) {
    Result<std::string> k = client::ReadSmallFile(o.key_file, kMaxInputFile);
    if (!k.ok()) return ctx.Fail(kExitFile, k.status().message());
    key = Secret(std::move(k).value());
  }
  int exit = kExitOk;
  auto api = ctx.MakeClient(&exit);
  if (!api) return exit;
  // The body carries the private key: build and serialize it in wiped memory.
  json::object body(WipingJsonStorage());
  body["name"] = o.name;
  body["csr"] = *csr;
  if (!key.empty()) body["private_key"] = key.view();
  std::string text = json::serialize(body);
  ScopedWipe wipe(text);
  json::value v;
  int rc = Exchange(ctx, *api, "POST", "/v3/scm/csr/upload", {}, text, &v);
  if (rc != kExitOk) return rc;
  ctx.Emit(v, [&] {
    return client::RenderFields({{"id", JsonString(v, "id")},
                                 {"name", JsonString(v, "name")},
                                 {"create_time", client::FormatTimeMs(JsonInt(v, "create_time"))}});
  });
  return kExitOk;
}

}  // namespace csrd::csrctl
