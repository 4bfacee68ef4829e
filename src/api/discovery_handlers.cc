#include "api/discovery_handlers.h"

#include <boost/json.hpp>

#include "api/query.h"
#include "identity/names.h"
#include "identity/project.h"

namespace csrd::api {

namespace json = boost::json;

namespace {


// Links point back at whatever host the client used to reach us.
std::string BaseUrl(const Call& call) {
  auto host = call.req.headers.Get("Host");
  return "http://" + std::string(host ? *host : "localhost");
}

json::object Links(std::string self) {
  json::object o;
  o["self"] = std::move(self);
  return o;
}

json::object ProjectJson(const store::Project& p, const std::string& base) {
  json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["domain_id"] = p.account_id;
  o["parent_id"] = p.account_id;
  o["description"] = "";
  o["enabled"] = true;
  o["is_domain"] = false;
  o["links"] = Links(base + "/v3/projects/" + p.id);
  return o;
}

}  // namespace

http::Response DiscoveryHandlers::ListAuthDomains(Call& call) {
  const auto& p = *call.principal;
  const std::string base = BaseUrl(call);
  json::object d;
  d["description"] = "";
  d["enabled"] = true;
  d["id"] = p.account_id;
  d["name"] = p.account_name;
  d["links"] = Links(base + "/v3/domains/" + p.account_id);
  json::array domains;
  domains.emplace_back(std::move(d));
  json::object root;
  root["domains"] = std::move(domains);
  root["links"] = Links(base + "/v3/auth/domains");
  return JsonResponse(200, root);
}

http::Response DiscoveryHandlers::ListProjects(Call& call) {
  const auto& p = *call.principal;
  const std::string base = BaseUrl(call);
  auto q = ParseQuery(call.req.query);
  if (!q.ok()) return KeystoneError(400, "Request parameter name is invalid.");
  std::optional<std::string> name;
  for (const auto& [k, v] : *q) {
    if (k != "name" || v.empty()) continue;
    if (name) return KeystoneError(400, "Request parameter name is invalid.");
    name = v;
  }
  json::array projects;
  if (name) {
    if (!identity::ValidateProjectName(*name).ok()) {
      return KeystoneError(400, "Request parameter name is invalid.");
    }
    store::Project proj;
    proj.id = identity::ProjectIdFor(p.account_id, *name);
    proj.account_id = p.account_id;
    proj.name = *name;
    proj.create_time = deps_.clock->NowMillis();
    if (!deps_.store->RememberProject(proj).ok()) return KeystoneServerError();
    projects.emplace_back(ProjectJson(proj, base));
  } else {
    auto all = deps_.store->ListProjects(p.account_id);
    if (!all.ok()) return KeystoneServerError();
    for (const auto& proj : *all) projects.emplace_back(ProjectJson(proj, base));
  }
  json::object root;
  root["projects"] = std::move(projects);
  root["links"] = Links(base + "/v3/projects");
  return JsonResponse(200, root);
}

http::Response DiscoveryHandlers::Catalog(Call&) {
  json::object root;
  root["catalog"] = json::array();
  return JsonResponse(200, root);
}

}  // namespace csrd::api
